"""A rule warning waits for the person's answer about *that* question: 对 keeps the value (flagged),
不对 asks it again, a new value is checked again; the reply is never stored under another question."""

from __future__ import annotations

from sqlmodel import select

from admin.runtime import Runtime
from storage.models import Flag, Record
from tests.bot.test_engine_veterans import HAPPY, _begin
from tests.conftest import Chat


def _to_birth_date(chat: Chat) -> None:
    _begin(chat)
    for key in ("recipient_kind", "name", "gender", "ethnicity"):
        chat.say(HAPPY[key])
    assert chat.asking == "birth_date"


def _answers(runtime: Runtime) -> dict[str, object]:
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        return {k: a.value for k, a in store.records.current_answers(rec.id or 0).items()}


def _flags(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.store_scope() as store:
        return [(f.question_key, f.reason) for f in store.session.exec(select(Flag)).all()]


def test_confirming_a_warned_value_keeps_it_flagged_and_goes_on(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _to_birth_date(chat)
    chat.say("1966年3月")  # the ID number says 1965-03-12
    assert chat.last.kind == "confirm" and chat.asking == "birth_date"
    assert "身份证" in chat.texts()
    chat.say("没错，就是1966年3月")
    answers = _answers(runtime)
    assert answers["birth_date"]["start"] == "1966-03-01"  # type: ignore[index]
    assert set(answers) == {"id_number", "recipient_kind", "name", "gender", "ethnicity", "birth_date"}
    assert _flags(runtime) == [("birth_date", "rule")]
    assert chat.asking == "phone"


def test_a_plain_yes_to_a_warning_is_not_an_answer_to_the_next_question(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for key in ("recipient_kind", "name", "gender", "ethnicity", "birth_date", "phone", "political_status"):
        chat.say(HAPPY[key])
    chat.say("1990年3月")  # enlisted
    chat.say("1985年")  # discharged before enlisting
    assert chat.last.kind == "confirm" and chat.asking == "discharge_date"
    chat.say("是")
    answers = _answers(runtime)
    assert answers["discharge_date"]["start"] == "1985-01-01"  # type: ignore[index]
    assert "service_role" not in answers  # 是 was not taken for the next question
    assert _flags(runtime) == [("discharge_date", "rule")]
    assert chat.asking == "service_role"


def test_no_to_a_warning_asks_the_question_again(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _to_birth_date(chat)
    chat.say("1966年3月")
    chat.say("不对")
    assert chat.asking == "birth_date" and chat.last.kind == "question"
    chat.say("1965年3月12日")
    assert _answers(runtime)["birth_date"]["start"] == "1965-03-12"  # type: ignore[index]
    assert _flags(runtime) == []


def test_a_correct_value_instead_of_yes_or_no_is_taken(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _to_birth_date(chat)
    chat.say("1966年3月")
    chat.say("说错了，是1965年3月12号")
    assert _answers(runtime)["birth_date"]["start"] == "1965-03-12"  # type: ignore[index]
    assert _flags(runtime) == [] and chat.asking == "phone"


def test_an_unrelated_reply_repeats_the_warning(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _to_birth_date(chat)
    chat.say("1966年3月")
    chat.say("今天天气不错")
    assert chat.last.kind == "confirm" and chat.asking == "birth_date"
    assert "birth_date" not in _answers(runtime)


def test_a_warning_about_an_extra_answer_is_asked_before_going_on(runtime: Runtime) -> None:
    """"八五年当的兵，八三年退的" at the enlistment question: the discharge date breaks the rule."""
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for key in ("recipient_kind", "name", "gender", "ethnicity", "birth_date", "phone", "political_status"):
        chat.say(HAPPY[key])
    assert chat.asking == "enlist_date"
    chat.say("八五年当的兵，八三年退的")
    assert chat.asking == "discharge_date" and chat.last.kind == "confirm"
    chat.say("不对，是八九年退的")
    answers = _answers(runtime)
    assert answers["enlist_date"]["start"] == "1985-01-01"  # type: ignore[index]
    assert answers["discharge_date"]["start"] == "1989-01-01"  # type: ignore[index]
    assert _flags(runtime) == []

