"""Changes to a record that is already in the review chain: kept as change requests, never applied directly.

A submitted record belongs to the reviewers: a change said in the chat or the collector's console
("把联系电话改成…") becomes a :class:`storage.changes.ChangeRequest` that the reviewers of the
record's current stage approve or reject; the stage does not move and nothing already stored
changes until then. Only a record sent back for correction (stage ``returned``) is edited directly,
and its re-submission is a workflow step of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.messages import Reply
from bot.values import display
from storage.changes import ChangeStore
from storage.errors import IntakeError
from storage.models import Record

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

NO_RESTART = "登记已经提交，不能清空重填。如需修改某一项，请说“把某项改成…”，工作人员审核后生效。"


class UnderReview(IntakeError, RuntimeError):
    """An answer of a record under review was about to be written directly (a bug: use a change request)."""


def under_review(record: Record) -> bool:
    """Whether a record is in the review chain (submitted and not sent back for correction)."""
    return record.status == "submitted" and record.stage not in (None, "returned")


class AfterSubmission:
    """The change requests of one turn on a record under review."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn
        self.changes = ChangeStore(turn.store)

    def request(self, stored: Mapping[str, Any], confidence: Mapping[str, float]) -> list[Reply]:
        """Keep each new value as a change request, tell the person, and go back to the receipt."""
        t = self.t
        parts = []
        for key, value in stored.items():
            q = t.q.by_key[key]
            self.changes.request(
                t.record, key, value, raw=t.text, confidence=confidence.get(key, 1.0), channel=t.msg.channel,
                actor=t.msg.actor or f"self:{t.msg.channel}", message_id=t.msg.message_id)
            parts.append(f"{q.title}改为{display(q, value, mask=True)}")
        self._back_to_receipt()
        text = ("已收到您的修改申请：" + "；".join(parts) + "。登记已经提交，修改需要工作人员审核，审核通过后生效。")
        return [Reply(text)]

    def unchanged(self) -> list[Reply]:
        """Nothing usable was said for the change: keep the record as it is."""
        self._back_to_receipt()
        return [Reply("好的，这一项先不修改。如需修改，请说“把某项改成…”。")]

    def _back_to_receipt(self) -> None:
        from bot.dialogue.state import Phase

        self.t.state.phase = Phase.DONE
        self.t.state.forget_pending()

    def pending_lines(self) -> dict[str, str]:
        """What the read-back adds under each question with a pending request: the value asked for."""
        t = self.t
        out: dict[str, str] = {}
        for change in self.changes.pending(t.record.id or 0):
            q = t.q.by_key.get(change.question_key)
            if q is not None:
                out[q.key] = f"（已申请改为：{display(q, change.value, mask=True)}，审核中）"
        return out
