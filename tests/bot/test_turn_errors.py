"""A domain error inside a turn reaches the person as a plain Chinese message; nothing of the turn is kept."""

from __future__ import annotations

import pytest
from sqlmodel import select

from admin.runtime import Runtime
from storage.errors import NotFound
from storage.models import Conversation
from tests.conftest import Chat


def test_a_domain_error_is_a_polite_reply(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()

    def refuse(*_: object) -> list[object]:
        raise NotFound("record 7", message_zh="没有找到您的登记，请联系工作人员。")

    monkeypatch.setattr(runtime.engine, "handle_turn", refuse)
    replies = chat.say("同意")
    assert [(r.kind, r.text) for r in replies] == [("error", "没有找到您的登记，请联系工作人员。")]
    with runtime.store_scope() as store:  # the notice was shown, nothing was consented to
        conv = store.session.exec(select(Conversation)).one()
        assert "notice_accepted_at" not in store.conversations.state(conv)


def test_a_bug_is_not_hidden(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    monkeypatch.setattr(runtime.engine, "handle_turn", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        chat.say("同意")
