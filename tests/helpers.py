"""Test helpers: valid ID numbers, a generic answerer that completes any questionnaire."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.messages import StaffPass
from bot.questionnaire import QType, Questionnaire
from storage.crypto import Vault
from storage.models import Answer

#: a logged-in collector whose area is the whole tree, for tests of village forms
ANY_COLLECTOR = StaffPass(staff_id=99, may_collect=True, region_ids=None)

class RecordingSms:
    """An SMS gateway for tests: keeps what it was asked to send (nothing can reach a phone from here)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int]] = []  # (phone, code, minutes)

    def send_code(self, phone: str, code: str, ttl_minutes: int) -> None:
        """Keep the code."""
        self.sent.append((phone, code, ttl_minutes))

    def last_code(self, phone: str | None = None) -> str:
        """The last code sent (to ``phone`` when given)."""
        codes = [c for p, c, _ in self.sent if phone is None or p.endswith(phone)]
        assert codes, f"no code was sent{' to ' + phone if phone else ''}"
        return codes[-1]


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def make_id(region: str = "620102", birth: str = "19650312", seq: str = "001") -> str:
    """A valid 18-character ID number (GB 11643 check character computed)."""
    body = region + birth + seq
    assert len(body) == 17
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]


def default_answer(q: Questionnaire, key: str) -> str:
    """A plausible typed answer for any question, chosen by its type."""
    question = q.by_key[key]
    t = question.type
    if t in (QType.SINGLE, QType.MULTI):
        return question.options[0].label
    if t == QType.YES_NO:
        return "是"
    if t == QType.DATE:
        return "1990年5月"
    if t == QType.NUMBER:
        low = question.constraints.min or 1
        return f"{int(low) + 2}{question.unit or ''}"
    if t == QType.PHONE:
        return "13912345678"
    if t == QType.ETHNICITY:
        return "汉族"
    if t == QType.ID_NUMBER:
        return make_id()
    if t == QType.PHOTO:
        return "跳过"
    if t == QType.REGION:
        return "甘肃省兰州市城关区"
    if t == QType.TEXT and key == "name":
        return "张三"
    if t == QType.TEXT and question.constraints.pattern:
        raise AssertionError(f"no default answer for patterned text question {key}; give one")
    return "测试内容"


def complete(chat: object, answers: Mapping[str, str], limit: int = 120) -> list[str]:
    """Answer every question the chat asks (given answers first, else a default) until the read-back.

    Returns the keys asked, in order.
    """
    from tests.conftest import Chat

    assert isinstance(chat, Chat)
    q = chat.runtime.questionnaires[chat.questionnaire]
    asked: list[str] = []
    for _ in range(limit):
        last = chat.last
        if last.kind == "summary":
            return asked
        key = last.question
        assert key is not None, f"expected a question, got {last.kind}: {last.text}"
        asked.append(key)
        if last.kind == "confirm":
            chat.say(answers.get(key, "是"))
            continue
        chat.say(answers[key] if key in answers else default_answer(q, key))
        assert chat.last.kind != "error", f"answer to {key} refused: {chat.texts()}"
    raise AssertionError(f"did not reach the read-back after {limit} turns; asked {asked}")


def stored_value(vault: Vault, answer: Answer) -> Any:
    """An answer row's value, sealed or kept in clear, as the store opens it."""
    if answer.value_enc is not None:
        return vault.open_json(answer.value_enc)
    return None if answer.value_json is None else json.loads(answer.value_json)
