"""A person with no phone says so, and the conversation goes on (the questionnaire allows none)."""

from __future__ import annotations

from sqlmodel import select

from admin.runtime import Runtime
from storage.models import Record
from tests.bot.test_engine_veterans import HAPPY
from tests.bot.test_rule_warnings import _to_birth_date
from tests.conftest import Chat


def test_no_phone_is_an_answer_not_a_dead_end(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _to_birth_date(chat)
    chat.say(HAPPY["birth_date"])
    assert chat.asking == "phone"
    chat.say("我没有手机，家里也没电话")
    assert chat.asking == "political_status"
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        phone = store.records.current_answers(rec.id or 0)["phone"]
    assert phone.value is None and phone.status == "none"
    chat.say("返回")
    assert chat.asking == "phone"
    chat.say("没有别的电话，就这个13912345678")  # a value beside 没有 is no "none"
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        assert store.records.current_answers(rec.id or 0)["phone"].value == "13912345678"
