"""The dialogue state of a conversation: its phase and what it waits for, typed.

Stored sealed as JSON in ``conversation.state_json`` (storage keeps it as a plain mapping; the engine
reads it into :class:`DialogueState` at the start of a turn and writes it back at the end). States
written by older versions (the same keys, untyped) load as they are; unknown keys are dropped.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Phase(StrEnum):
    """Where a conversation is."""

    NOTICE = "notice"  # the campaign notice, waiting for consent
    IDENTIFY = "identify"  # waiting for the ID number
    FACTOR = "factor"  # waiting for the one-time code (or another second factor)
    VILLAGE = "village"  # a village form: waiting for the village
    ASKING = "asking"  # a question is asked
    PAUSED = "paused"
    REVIEW = "review"  # the read-back, waiting for 确认提交 or a change
    DONE = "done"  # submitted
    RESTART_CONFIRM = "restart_confirm"  # "start again?" asked


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class Readback(_Model):
    """A spoken answer read back to the person, waiting for 对/不对."""

    key: str
    text: str
    confidence: float
    blob_id: int | None = None


class RuleWarning(_Model):
    """A value refused once by a cross-field rule, waiting for the person to confirm it or give another."""

    key: str  # the question whose value the rule refused
    value: Any  # the refused value, in stored form
    rule: str
    message: str
    raw: str | None = None  # what the person said


class DialogueState(_Model):
    """Everything a conversation remembers between turns."""

    phase: Phase = Phase.NOTICE
    notice_accepted_at: datetime | None = None
    record_id: int | None = None
    current: str | None = None  # the question asked (phase ASKING)
    confirming: str | None = None  # a known value (roster, last year) shown for 是/不是
    readback: Readback | None = None
    warning: RuleWarning | None = None
    revisit: str | None = None  # a question gone back to or changed
    history: list[str] = Field(default_factory=list)  # questions answered, in order (for 返回)
    skipped: list[str] = Field(default_factory=list)
    declined: list[str] = Field(default_factory=list)  # known values the person said are no longer right
    attempts: dict[str, int] = Field(default_factory=dict)  # answers not understood, by question
    rule_retries: dict[str, Any] = Field(default_factory=dict)  # rule:key -> the value warned about
    paused_from: Phase | None = None
    restart_from: Phase | None = None
    # identification
    candidate: int | None = None  # the person the ID number named
    id_raw: str | None = None  # the ID number as said
    id_tries: int = 0

    @classmethod
    def load(cls, data: dict[str, Any]) -> DialogueState:
        """A stored state (or an empty one)."""
        return cls.model_validate(data or {})

    def dump(self) -> dict[str, Any]:
        """The state as JSON-ready data, without the fields at their defaults."""
        return self.model_dump(mode="json", exclude_defaults=True)

    def forget_answers(self) -> None:
        """Clear what belongs to the answers (a restart)."""
        self.history, self.attempts, self.skipped, self.declined = [], {}, [], []
        self.revisit = self.current = self.confirming = None
        self.rule_retries, self.warning, self.readback = {}, None, None

    def forget_pending(self) -> None:
        """Clear what a question waits for (back to the receipt after a change request)."""
        self.current = self.revisit = self.confirming = None
        self.readback = self.warning = None
