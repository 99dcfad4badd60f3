"""The read-back and submission."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue.after_submit import AfterSubmission
from bot.dialogue.state import Phase
from bot.messages import Choice, Reply
from bot.questionnaire import QType
from bot.values import display
from nlu.intents import Intent
from storage.modes import CONSOLE_CHANNELS

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

_CONFIRM_WORDS = ("确认提交", "确认", "提交", "没问题", "无误")
_REVIEW_CHOICES = (Choice("确认提交", "确认提交"), Choice("修改", "修改"))
SIGNATURE_NEEDED = "提交前请对方在屏幕上签字确认；对方不能签字的，请在下面记下原因，然后再点“确认提交”。"


class Review:
    """The read-back phase of one turn."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn

    def summary(self) -> Reply:
        t = self.t
        answers = t.answers()
        env = t.env()
        pending = AfterSubmission(t).pending_lines() if t.record.status == "submitted" else {}
        lines = []
        items: list[Choice] = []
        for q in t.q.questions:
            a = answers.get(q.key)
            if a is None or not t.relevant(q, env):
                continue
            if not q.identifies:
                items.append(Choice(f"改{q.title}", f"修改{q.title}", shortcut=True))
            if a.value is None and a.status == "none":
                shown = "没有"
            elif a.value is None:
                shown = f"（待核实：{a.raw}）" if a.raw and q.type != QType.ID_NUMBER else "（待核实）"
            else:
                shown = display(q, a.value, mask=True)
            lines.append(f"{q.title}：{shown}{pending.get(q.key, '')}")
        text = "请核对您填写的信息：\n" + "\n".join(lines)
        if t.state.phase == Phase.DONE:
            text += f"\n\n已提交，回执号 {t.record.receipt}。如需修改，请说“把某项改成…”。"
            return Reply(text, kind="summary")
        text += "\n\n需要修改请点要改的那一项，或说“把某项改成…”，例如“把出生日期改成1966年3月”。确认无误请回复“确认提交”。"
        return Reply(text, (*_REVIEW_CHOICES, *items), kind="summary")

    def on_review(self, intent: Intent | None) -> list[Reply]:
        t = self.t
        if intent is not None and intent.name not in ("confirm_submit",):
            from bot.dialogue.control import Control

            handled = Control(t).control(intent, None)
            if handled is not None:
                return handled
        wants_submit = (intent is not None and intent.name == "confirm_submit") or t.text in _CONFIRM_WORDS
        if t.state.phase == Phase.DONE:
            if wants_submit:
                return [Reply(f"已经提交过了，回执号 {t.record.receipt}。")]
            return [self.summary()]
        if wants_submit:
            if t.msg.channel in CONSOLE_CHANNELS and not t.store.signatures.confirmed(
                    t.record.id or 0):  # 签字确认: a signature, or the reason there is none, first
                return [Reply(SIGNATURE_NEEDED, _REVIEW_CHOICES, kind="signature_needed")]
            if t.record.stage == "returned":  # corrected after being sent back: up the chain again
                t.store.records.move(t.record, "resubmit", "collected", None, "")
            receipt = t.store.records.submit(t.record, t.campaign().year)
            if t.record.person_id is not None:  # a phone said to be none, known now: a home visit instead
                t.store.visits.refresh_needs(t.campaign(), [t.record.person_id])
            t.state.phase = Phase.DONE
            return [Reply(f"提交成功！您的回执号是 {receipt}，请妥善保存。感谢您的配合！", kind="receipt")]
        if t.text in ("修改", "要修改", "不对", "有错"):
            return [Reply("请告诉我要修改哪一项，例如“把联系电话改成13912345678”或“修改民族”。")]
        return [Reply("请回复“确认提交”，或说“把某项改成…”修改。", _REVIEW_CHOICES)]
