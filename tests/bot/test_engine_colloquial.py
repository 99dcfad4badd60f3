"""Whole conversations answered the way people talk and the way speech recognition writes."""

from __future__ import annotations

from sqlmodel import select

from admin.runtime import Runtime
from storage.models import Flag, Record
from tests.conftest import Chat
from tests.helpers import complete, make_id


def _values(runtime: Runtime) -> dict[str, object]:
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        return {k: a.value for k, a in store.records.current_answers(rec.id or 0).items()}


def test_veterans_in_colloquial_and_asr_style(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("好的我同意")
    chat.say("身份证幺幺零一零五一九四九一二三一零零二叉")  # read digit by digit, 叉 for X
    assert chat.asking == "recipient_kind", chat.texts()
    script = {
        "recipient_kind": "我是退伍的老兵",
        "name": "我叫李秀英",
        "gender": "女的",
        "ethnicity": "回民",
        "birth_date": "一九四九年十二月三十一号",
        "phone": "幺三九幺二三四五六七八",
        "political_status": "党员",
        "enlist_date": "我是六八年当的兵",
        "discharge_date": "七二年退的",
        "service_role": "当时是义务兵",
        "hukou": "兰州市城关区",
        "placement": "自主则业",  # ASR for 自主择业
        "employment": "退休了",
        "has_housing": "有的",
        "housing_nature": "住的是公租房，七十来平",  # also answers the floor area
        "state_benefits": "都没有",
        "social_insurance": "有医保，低保没有",  # also answers the minimum-living-allowance question
        "disability_subsidies": "没有",
        "appeals": "希望解决看病难的问题",
    }
    asked = complete(chat, script)
    assert "housing_area" not in asked and "dibao" not in asked  # filled from earlier messages
    values = _values(runtime)
    assert values["id_number"] == "11010519491231002X"
    assert values["recipient_kind"] == "02" and values["name"] == "李秀英" and values["gender"] == "2"
    assert values["ethnicity"] == {"code": "03", "name": "回族"}
    assert values["birth_date"]["start"] == "1949-12-31"  # type: ignore[index]
    assert values["phone"] == "13912345678"
    assert values["enlist_date"]["start"] == "1968-01-01" and values["discharge_date"]["end"] == "1972-12-31"  # type: ignore[index]
    assert values["placement"] == "2"  # 自主择业
    assert values["housing_area"] == {"value": 70, "unit": "平方米", "approximate": True}
    assert values["dibao"] == "no" and values["social_insurance"] == ["1"]
    chat.say("确认提交")
    assert chat.last.kind == "receipt"
    with runtime.store_scope() as store:
        reasons = {(f.question_key, f.reason) for f in store.session.exec(select(Flag)).all()}
    assert not any(k == "placement" and r == "not_understood" for k, r in reasons)


def test_disabled_update_asr_category_and_spoken_certificate(runtime: Runtime) -> None:
    id_number = make_id("622926", "19800615", "013")
    spoken = "".join("零幺二三四五六七八九"[int(c)] if c.isdigit() else "叉" for c in id_number) + "一二"
    chat = Chat(runtime, "disabled_update")
    chat.start()
    chat.say("同意")
    chat.say(id_number)
    asked = complete(chat, {
        "certificate_number": spoken,  # 20 digits read aloud, category 1 (视力) level 2
        "disability_category": "是力残疾",  # ASR for 视力残疾
        "disability_level": "二等",
        "gender": "男的",
        "birth_date": "八零年六月十五号",
    })
    assert "disability_category" in asked
    values = _values(runtime)
    assert values["certificate_number"] == id_number + "12"
    assert values["disability_category"] == "1" and values["disability_level"] == "2"
    with runtime.store_scope() as store:
        assert [f.reason for f in store.session.exec(select(Flag)).all() if f.question_key.startswith("cert")] == []
