"""What channels hand to the engine (:class:`Incoming`) and what it hands back (:class:`Reply`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

GENERAL_HELP = (
    "随时可以说：“返回”回到上一题，“跳过”跳过选填的问题，“把出生日期改成…”修改已填的内容，"
    "“为什么问这个”，“暂停”，“重新开始”，“转人工”。"
)
NEW_RECORD = "身份核对完成，下面开始登记。" + GENERAL_HELP  # a record begun (also a declaration: they look alike)
WELCOME_BACK = "欢迎回来！我们接着上次的地方继续。"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StaffPass:
    """A logged-in staff member behind a message (the web chat with the console's login), and their area."""

    staff_id: int
    may_collect: bool
    region_ids: frozenset[int] | None  # None: the whole tree

    def covers(self, region_id: int | None) -> bool:
        """Whether a subject placed in ``region_id`` lies in the staff member's area."""
        if self.region_ids is None:
            return True
        return region_id is not None and region_id in self.region_ids


@dataclass(frozen=True)
class Incoming:
    """One message from a person, whatever the channel."""

    channel: str  # web | terminal | wechat | telegram | phone | visit (collector console)
    user_id: str  # the channel's id of the sender
    text: str | None = None
    audio: bytes | None = None
    audio_format: str | None = None  # amr | ogg | wav | ...
    image: bytes | None = None
    image_type: str | None = None  # image/jpeg ...
    message_id: str | None = None  # the channel's message id, for de-duplication
    at: datetime = field(default_factory=_now)
    questionnaire: str | None = None  # which questionnaire a new conversation starts
    actor: str | None = None  # who entered it when not the person themselves, e.g. "collector:12"
    confidence: float | None = None  # speech recognition confidence of ``text``, when spoken
    voice_problem: str | None = None  # audio that could not be recognised: unavailable | audio | unheard
    verified: bool = False  # a collector checked the recognised text: taken without a read-back
    client: str | None = None  # where it came from when the user id is the client's own choice (web: address)
    staff: StaffPass | None = None  # the logged-in staff member sending it, if any


@dataclass(frozen=True)
class Choice:
    """A button the person can tap; tapping sends ``value`` as text.

    ``shortcut`` marks a button that only saves typing (改民族 on the read-back: "把民族改成…" works as well);
    channels without buttons leave shortcuts out of the text they send."""

    label: str
    value: str
    shortcut: bool = False


@dataclass(frozen=True)
class Reply:
    """One message back to the person."""

    text: str
    choices: tuple[Choice, ...] = ()
    kind: str = "text"  # text | notice | question | confirm | summary | receipt | error
    question: str | None = None  # the key of the question being asked, if any
    expects: str = "text"  # text | photo
    multiple: bool = False  # several choices may be picked

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form, for storage and the web chat."""
        d = asdict(self)
        d["choices"] = [asdict(c) for c in self.choices]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reply:
        """Rebuild a reply stored with :meth:`to_dict`."""
        return cls(
            text=d["text"],
            choices=tuple(Choice(**c) for c in d.get("choices", ())),
            kind=d.get("kind", "text"),
            question=d.get("question"),
            expects=d.get("expects", "text"),
            multiple=d.get("multiple", False),
        )
