"""The conversation behaviours every questionnaire shares, driven for each of the three, and skip logic per file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from admin.runtime import Runtime
from storage.models import Answer, Conversation, Person, Record
from tests.bot.test_engine_other_questionnaires import _load_dongxiang
from tests.conftest import Chat
from tests.helpers import ANY_COLLECTOR, complete, make_id

DISABLED_ID = make_id("622926", "19800615", "013")


def _open(runtime: Runtime, name: str, tmp_path: Path, user: str = "u") -> Chat:
    """Accept the notice and identify the subject; returns the chat at the first question."""
    chat = Chat(runtime, name, user=user, staff=ANY_COLLECTOR if name == "village_services" else None)
    chat.start()
    chat.say("同意")
    if name == "village_services":
        if runtime.understanding.regions is None:
            _load_dongxiang(runtime, tmp_path)
        chat.say("东塬乡东塬村")
    else:
        chat.say(make_id() if name == "veterans" else DISABLED_ID)
    assert chat.last.kind in ("question", "confirm"), chat.texts()
    return chat


def _current(runtime: Runtime) -> dict[str, object]:
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        return {k: a.value for k, a in store.records.current_answers(rec.id or 0).items()}


FIRST_TWO = {
    "veterans": ("recipient_kind", "退役士兵", "name", "张三"),
    "disabled_update": ("certificate_number", DISABLED_ID + "42", "disability_category", "肢体"),
    "village_services": ("respondent_name", "马明", "respondent_phone", "13912345678"),
}
NAMES = ["veterans", "disabled_update", "village_services"]


@pytest.mark.parametrize("name", NAMES)
def test_refusing_the_notice_stores_nothing(runtime: Runtime, name: str) -> None:
    chat = Chat(runtime, name)
    chat.start()
    chat.say("不同意")
    with runtime.store_scope() as store:
        assert store.session.exec(select(Conversation)).all() == []
        assert store.session.exec(select(Record)).all() == []
        assert store.session.exec(select(Person)).all() == []


@pytest.mark.parametrize("name", NAMES)
def test_back_change_pause_resume(runtime: Runtime, name: str, tmp_path: Path) -> None:
    chat = _open(runtime, name, tmp_path)
    k1, a1, k2, a2 = FIRST_TWO[name]
    assert chat.asking == k1
    chat.say(a1)
    assert chat.asking == k2
    chat.say(a2)
    third = chat.asking
    chat.say("返回上一题")
    assert chat.asking == k2
    chat.say(a2)
    assert chat.asking == third
    label = runtime.questionnaires[name].by_key[k1].title
    chat.say(f"修改{label}")
    assert chat.asking == k1
    chat.say(a1)
    assert chat.asking == third
    chat.say("暂停")
    chat.say("随便说点什么")
    assert "暂停" in chat.last.text
    chat.start()  # reopening shows where we are
    assert "继续" in chat.last.text
    chat.say("继续")
    assert chat.asking == third
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        versions = store.records.answer_history(rec.id or 0, k1)
    assert len(versions) == 2 and versions[-1].status == "changed"


@pytest.mark.parametrize("name", NAMES)
def test_read_back_then_correct_then_submit(runtime: Runtime, name: str, tmp_path: Path) -> None:
    chat = _open(runtime, name, tmp_path)
    answers = {"certificate_number": DISABLED_ID + "42", "disability_category": "肢体", "disability_level": "二级",
               "gender": "男", "birth_date": "1980年6月15日", "recipient_kind": "退役士兵",
               "enlist_date": "1983年", "discharge_date": "1988年"}
    if name == "veterans":
        answers["birth_date"] = "1965年3月12日"
    complete(chat, answers)
    assert chat.last.kind == "summary"
    k1 = FIRST_TWO[name][2]
    label = runtime.questionnaires[name].by_key[k1].title
    new_value = {"veterans": "李四", "disabled_update": "肢体残疾", "village_services": "13800001111"}[name]
    chat.say(f"把{label}改成{new_value}")
    assert chat.last.kind == "summary", chat.texts()
    chat.say("确认提交")
    assert chat.last.kind == "receipt"
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        assert rec.status == "submitted" and rec.receipt
        assert len(store.records.answer_history(rec.id or 0, k1)) == 2


def test_disabled_update_several_answers_and_skip_logic(runtime: Runtime, tmp_path: Path) -> None:
    chat = _open(runtime, "disabled_update", tmp_path)
    chat.say(DISABLED_ID + "41")
    assert chat.asking == "disability_category"
    chat.say("肢体残疾一级")  # category and level in one message
    assert chat.asking not in ("disability_category", "disability_level")
    values = _current(runtime)
    assert values["disability_category"] == "4" and values["disability_level"] == "1"
    asked = complete(chat, {"gender": "男", "birth_date": "1980年6月15日", "employed": "没有",
                            "rehab_received": "没有"})
    assert "care_subsidy" in asked  # level 1: asked about the care subsidy
    assert "unemployed_reason" in asked and "employment_form" not in asked
    assert "rehab_services" not in asked
    assert "device_needs_mobility" in asked and "device_needs_hearing" not in asked


def test_disabled_update_skip_logic_the_other_way(runtime: Runtime, tmp_path: Path) -> None:
    chat = _open(runtime, "disabled_update", tmp_path)
    asked = complete(chat, {"certificate_number": DISABLED_ID + "24", "disability_category": "听力",
                            "disability_level": "四级", "gender": "男", "birth_date": "1980年6月15日",
                            "employed": "有", "rehab_received": "有"})
    assert "care_subsidy" not in asked  # level 4: no care subsidy
    assert "employment_form" in asked and "unemployed_reason" not in asked
    assert "rehab_services" in asked
    assert "device_needs_hearing" in asked and "device_needs_mobility" not in asked


def test_village_skip_logic_both_ways(runtime: Runtime, tmp_path: Path) -> None:
    yes = _open(runtime, "village_services", tmp_path, user="a")
    asked = complete(yes, {"rehab_station": "有", "day_care": "有"})
    assert {"rehab_station_served", "day_care_users"} <= set(asked)
    no = Chat(runtime, "village_services", user="b", staff=ANY_COLLECTOR)
    no.start()
    no.say("同意")
    no.say("东塬乡刘牙村")
    asked = complete(no, {"rehab_station": "没有", "day_care": "没有"})
    assert not {"rehab_station_served", "day_care_users"} & set(asked)
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(Record)).all()) == 2


def test_last_years_answers_are_confirmed_instead_of_asked(db_url: str, tokenizer: object, tmp_path: Path) -> None:
    from admin.runtime import build_runtime
    from tests.conftest import make_settings
    from tests.helpers import RecordingSms

    sms = RecordingSms()
    id_number = make_id()
    last = build_runtime(make_settings(db_url, campaign_year=2025), tokenizer=tokenizer)  # type: ignore[arg-type]
    try:
        chat = Chat(last, "veterans")
        chat.start()
        chat.say("同意")
        chat.say(id_number)
        complete(chat, {"recipient_kind": "退役士兵", "name": "张三", "gender": "男", "birth_date": "1965年3月12日",
                        "ethnicity": "回族", "phone": "13912345678"})
        chat.say("确认提交")
    finally:
        last.close()
    this = build_runtime(make_settings(db_url, campaign_year=2026), tokenizer=tokenizer,  # type: ignore[arg-type]
                         sms=sms)
    try:
        chat = Chat(this, "veterans", user="another-browser")
        chat.start()
        chat.say("同意")
        chat.say(id_number)
        assert "验证码" in chat.last.text  # a code goes to the phone given last year
        chat.say(sms.last_code("13912345678"))
        assert chat.asking == "recipient_kind" and chat.last.kind == "confirm"
        assert "上次登记的人员类别是：退役士兵" in chat.last.text
        chat.say("是")
        assert chat.asking == "name" and chat.last.kind == "confirm"
        chat.say("是")
        chat.say("是")  # gender
        assert chat.asking == "ethnicity" and "回族" in chat.last.text
        chat.say("不是")
        chat.say("汉族")
        with this.store_scope() as store:
            records = store.session.exec(select(Record)).all()
            assert len(records) == 2
            current = max(records, key=lambda r: r.campaign_id)
            answers = store.records.current_answers(current.id or 0)
            assert answers["recipient_kind"].status == "confirmed" and answers["name"].status == "confirmed"
            assert answers["ethnicity"].status == "changed" and answers["ethnicity"].value["code"] == "01"
            assert len(store.session.exec(select(Answer)).all()) > 10
    finally:
        this.close()
