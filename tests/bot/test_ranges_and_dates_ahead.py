"""Numbers said as a range or approximately stay so through the engine, the read-back, exports and
reconciliation; a date question may say its dates lie ahead."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from admin.imports.reconcile import same_value
from admin.runtime import Runtime
from admin.services.reporting import code_value
from bot.questionnaire import Question
from bot.understanding import Understanding
from bot.values import display, encode
from nlu.dates import DateSpan
from nlu.result import NotUnderstood, Parsed
from nlu.tokenizer import Tokenizer
from storage.models import Record
from tests.conftest import Chat
from tests.helpers import complete, make_id

NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)


def _area(runtime: Runtime) -> Question:
    return runtime.questionnaires["veterans"].by_key["housing_area"]


def test_a_range_is_stored_and_read_back_as_a_range(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("好的我同意")
    chat.identify(make_id(), "13912345678")
    complete(chat, {"has_housing": "有", "housing_area": "五六十平"})
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        stored = store.records.current_answers(rec.id or 0)["housing_area"].value
    assert stored == {"value": 55, "unit": "平方米", "approximate": True, "range": True, "low": 50, "high": 60}
    assert "50至60平方米" in chat.texts()  # the read-back says what was said, not 55


def test_both_ends_of_a_range_must_be_possible(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("好的我同意")
    chat.identify(make_id(), "13912345678")
    for _ in range(60):
        if chat.asking == "housing_area":
            break
        if chat.last.kind == "summary":
            raise AssertionError("never asked the floor area")
        chat.say("是" if chat.last.kind == "confirm" else _default(runtime, chat))
    chat.say("一千到三千平")  # the questionnaire allows 1..2000
    assert chat.asking == "housing_area" and "之间" in chat.texts(), chat.texts()


def _default(runtime: Runtime, chat: Chat) -> str:
    from tests.helpers import default_answer

    key = chat.asking or ""
    return "有" if key == "has_housing" else default_answer(runtime.questionnaires["veterans"], key)


def test_exports_and_reconciliation_keep_ranges(runtime: Runtime, tokenizer: Tokenizer) -> None:
    q = _area(runtime)
    u = Understanding(runtime.questionnaires.values(), tokenizer=tokenizer)
    ranged = u.parse(q, "两三百平", NOW)
    assert isinstance(ranged, Parsed)
    stored = encode(q, ranged.value)
    assert stored["low"] == 200 and stored["high"] == 300 and stored["range"] is True
    assert code_value(q, stored, reveal=True) == "200~300"
    assert display(q, stored) == "200至300平方米"
    exact = encode(q, u.parse(q, "二百五十平", NOW).value)  # type: ignore[union-attr]
    outside = encode(q, u.parse(q, "三百五十平", NOW).value)  # type: ignore[union-attr]
    assert same_value(q, stored, exact) and not same_value(q, stored, outside)
    approx = encode(q, u.parse(q, "一百多平", NOW).value)  # type: ignore[union-attr]
    assert approx["approximate"] is True and "range" not in approx and display(q, approx) == "约100平方米"


def test_a_date_question_may_say_its_dates_lie_ahead(tokenizer: Tokenizer, runtime: Runtime) -> None:
    u = Understanding(runtime.questionnaires.values(), tokenizer=tokenizer)
    past = runtime.questionnaires["veterans"].by_key["discharge_date"]
    ahead = Question.model_validate({"key": "next_review", "prompt": "下次复查是哪天？", "type": "date",
                                     "dates_ahead": True})
    said = "九月一号"  # after "now" (15 July)
    a, b = u.parse(past, said, NOW), u.parse(ahead, said, NOW)
    assert isinstance(a, Parsed) and isinstance(b, Parsed)
    assert isinstance(a.value, DateSpan) and a.value.start.isoformat() == "2025-09-01"  # the past reading
    assert b.value.start.isoformat() == "2026-09-01"
    assert a.confidence < 0.6  # a date the person gave without its year, read in the past: flagged
    assert isinstance(u.parse(ahead, "不知道", NOW), NotUnderstood)
