"""End-to-end conversations over the veterans questionnaire, checked against the stored records."""

from __future__ import annotations

from sqlmodel import select

from admin.runtime import Runtime
from bot.messages import Incoming
from storage.changes import ChangeStatus, ChangeStore
from storage.models import Answer, Appeal, ChannelAccount, Conversation, Flag, Person, Record
from tests.conftest import Chat
from tests.helpers import complete, make_id

ID = make_id("620102", "19650312", "001")  # a man (odd sequence), born 1965-03-12


def _begin(chat: Chat, id_number: str = ID) -> None:
    chat.start()
    assert chat.last.kind == "notice"
    chat.say("同意")
    assert chat.asking == "id_number"
    chat.say(id_number)


def _record(runtime: Runtime) -> Record:
    with runtime.store_scope() as store:
        rows = store.session.exec(select(Record)).all()
        assert len(rows) == 1
        return rows[0]


def _current(runtime: Runtime) -> dict[str, object]:
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        return {k: a.value for k, a in store.records.current_answers(rec.id or 0).items()}


HAPPY = {
    "recipient_kind": "退役士兵",
    "name": "张三",
    "gender": "男",
    "ethnicity": "汉族",
    "birth_date": "1965年3月12日",
    "phone": "13912345678",
    "political_status": "群众",
    "enlist_date": "1983年10月",
    "discharge_date": "1988年12月",
    "service_role": "义务兵",
    "placement": "自主就业",
    "employment": "务农",
    "has_housing": "有",
    "housing_area": "80平方米",
    "dibao": "没有",
    "appeals": "希望解决看病难的问题",
}


def test_notice_refused_stores_nothing(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    assert "同意" in chat.last.text and chat.last.kind == "notice"
    chat.say("不同意")
    assert "不会保存" in chat.last.text
    with runtime.store_scope() as store:
        for table in (Person, Record, Answer, Conversation, ChannelAccount, Flag, Appeal):
            assert store.session.exec(select(table)).all() == [], table.__name__


def test_happy_path_is_stored_with_provenance(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    asked = complete(chat, HAPPY)
    assert "employer" not in asked  # 务农 is not employed
    assert "housing_nature" in asked and "housing_area" in asked
    assert asked.index("name") < asked.index("birth_date")
    summary = chat.last.text
    assert "张三" in summary and "1965年3月12日" in summary
    assert ID not in summary  # the ID number is masked in the read-back
    chat.say("确认提交")
    assert chat.last.kind == "receipt"
    record = _record(runtime)
    assert record.status == "submitted" and record.receipt and record.receipt in chat.last.text
    assert record.notice_accepted_at is not None
    values = _current(runtime)
    assert values["id_number"] == ID
    assert values["gender"] == "1"
    assert values["birth_date"] == {"start": "1965-03-12", "end": "1965-03-12", "granularity": "day"}
    assert values["enlist_date"]["granularity"] == "month"  # type: ignore[index]
    assert values["housing_area"]["value"] == 80  # type: ignore[index]
    assert values["employment"] is not None and "employer" not in values
    with runtime.store_scope() as store:
        rows = store.session.exec(select(Answer)).all()
        by_key = {a.question_key: a for a in rows}
        name = by_key["name"]
        assert name.channel == "web" and name.actor == "self:web" and name.status == "new" and name.message_id
        assert store.vault.open(name.raw_enc or b"") == "张三"
        # sensitive answers are sealed: no clear value in the row
        assert by_key["id_number"].value_json is None and by_key["id_number"].value_enc
        assert by_key["phone"].value_json is None
        person = store.session.exec(select(Person)).one()
        assert ID not in person.id_index and person.id_number_enc != ID.encode()
        # the free-text appeal reached the hotline queue
        appeal = store.session.exec(select(Appeal)).one()
        assert appeal.source == "questionnaire" and store.appeals.text(appeal) == HAPPY["appeals"]


def test_one_message_fills_several_questions(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    chat.say("退役士兵")
    assert chat.asking == "name"
    chat.say("我叫张三，男，汉族，1965年3月出生")
    text = chat.texts()
    assert "张三" in text and "性别：男" in text and "汉族" in text and "1965年3月" in text
    values = _current(runtime)
    assert values["name"] == "张三" and values["gender"] == "1"
    assert values["ethnicity"] == {"code": "01", "name": "汉族"}
    assert values["birth_date"]["granularity"] == "month"  # type: ignore[index]
    assert chat.asking not in ("name", "gender", "ethnicity", "birth_date")


def test_correction_by_name_keeps_history(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for text in ("退役士兵", "张三", "男", "汉族", "1965年3月12日"):
        chat.say(text)
    pending = chat.asking
    chat.say("把出生日期改成1965年3月")
    assert "1965年3月" in chat.texts()
    assert chat.asking == pending  # the conversation goes on where it was
    chat.say("把出生日期改成1966年5月")  # disagrees with the ID number: refused once, with the reason
    assert any(r.kind == "error" and "身份证" in r.text for r in chat.replies)
    assert chat.asking == "birth_date" and chat.last.kind == "confirm"  # is it right after all?
    chat.say("把出生日期改成1966年5月")  # insisted: kept and flagged
    assert chat.asking == pending
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        history = store.records.answer_history(rec.id or 0, "birth_date")
        flags = store.records.flags(rec.id or 0)
    assert [a.version for a in history] == [1, 2, 3]
    assert [a.value["start"] for a in history] == ["1965-03-12", "1965-03-01", "1966-05-01"]
    assert history[1].value["granularity"] == "month" and history[2].status == "changed"
    assert [(f.question_key, f.reason) for f in flags] == [("birth_date", "rule")]


def test_go_back_and_answer_again(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for text in ("退役士兵", "张三", "男", "汉族"):
        chat.say(text)
    after = chat.asking
    chat.say("返回上一题")
    assert chat.asking == "ethnicity"
    assert "汉族" in chat.texts()  # the earlier answer is shown
    chat.say("回族")
    assert chat.asking == after
    chat.say("上一题")
    chat.say("上一个")  # back twice: the gender question
    assert chat.asking == "gender"
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        versions = store.records.answer_history(rec.id or 0, "ethnicity")
    assert [v.value["code"] for v in versions] == ["01", "03"] and versions[-1].status == "changed"


def test_pause_and_resume_in_another_channel(runtime: Runtime) -> None:
    web = Chat(runtime, "veterans", user="browser-1", channel="web")
    _begin(web)
    for key in ("recipient_kind", "name", "gender", "ethnicity", "birth_date", "phone"):
        assert web.asking == key
        web.say(HAPPY[key])
    pending = web.asking
    web.say("暂停")
    assert "继续" in web.last.text
    web.say("张三")  # anything but “继续” while paused is not taken as an answer
    assert "暂停" in web.last.text
    # the same person continues in the terminal: ID number plus the code sent to the phone they gave
    term = Chat(runtime, "veterans", user="tty-1", channel="terminal")
    _begin(term)
    assert "验证码" in term.last.text
    code = runtime.chat.sms.last_code("13912345678")  # type: ignore[attr-defined]
    term.say("000000" if code != "000000" else "111111")
    assert "验证码不对" in term.last.text
    term.say(code)
    assert "欢迎回来" in term.texts()
    assert term.asking == pending
    term.say(HAPPY[pending or ""])
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        answers = store.records.current_answers(rec.id or 0)
        accounts = store.session.exec(select(ChannelAccount)).all()
    assert answers["name"].channel == "web" and answers[pending or ""].channel == "terminal"
    assert {a.channel for a in accounts} == {"web", "terminal"}
    assert len({a.person_id for a in accounts}) == 1


def test_invalid_id_numbers_are_refused_with_a_reason(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.say("123")
    assert chat.last.kind == "error" and "身份证" in chat.last.text
    bad_check = ID[:-1] + ("1" if ID[-1] != "1" else "2")
    chat.say(bad_check)
    assert chat.last.kind == "error"
    with runtime.store_scope() as store:
        assert store.session.exec(select(Person)).all() == []
    chat.say(ID)
    assert chat.asking == "recipient_kind"


def test_skip_logic_both_ways(runtime: Runtime) -> None:
    employed = Chat(runtime, "veterans", user="a")
    _begin(employed, make_id("620102", "19700101", "011"))
    asked = complete(employed, {**HAPPY, "gender": "男", "birth_date": "1970年1月1日", "employment": "企业",
                                "employer": "兰州机床厂", "has_housing": "没有"})
    assert "employer" in asked
    assert "housing_nature" not in asked and "housing_area" not in asked
    survivor = Chat(runtime, "veterans", user="b")
    _begin(survivor, make_id("620102", "19500101", "022"))
    asked = complete(survivor, {"recipient_kind": "烈士遗属", "gender": "女", "birth_date": "1950年1月1日",
                                "enlist_date": "1968年3月", "discharge_date": "1972年3月"})
    assert "service_role" not in asked and "placement" not in asked


def test_rule_refuses_once_then_accepts_with_a_flag(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for key in ("recipient_kind", "name", "gender", "ethnicity", "birth_date", "phone", "political_status"):
        chat.say(HAPPY[key])
    assert chat.asking == "enlist_date"
    chat.say("1990年3月")
    assert chat.asking == "discharge_date"
    chat.say("1985年")
    assert chat.last.kind == "confirm" and chat.asking == "discharge_date"  # is it right after all?
    assert any(r.kind == "error" for r in chat.replies)
    chat.say("1985年")  # insisted: kept, and flagged for a reviewer
    assert chat.asking != "discharge_date"
    with runtime.store_scope() as store:
        flags = store.session.exec(select(Flag)).all()
    assert [(f.question_key, f.reason) for f in flags] == [("discharge_date", "rule")]


def test_birth_date_disagreeing_with_id_is_flagged(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for text in ("退役士兵", "张三", "男", "汉族"):
        chat.say(text)
    chat.say("1966年3月12日")
    assert chat.asking == "birth_date" and any(r.kind == "error" for r in chat.replies)
    chat.say("1966年3月12日")
    assert chat.asking != "birth_date"
    with runtime.store_scope() as store:
        assert [f.reason for f in store.session.exec(select(Flag)).all()] == ["rule"]


def test_unparseable_answer_is_flagged_after_two_tries(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    chat.say("啊这个嘛")
    assert chat.asking == "recipient_kind" and chat.replies[0].kind == "error"
    chat.say("嗯嗯嗯")
    assert chat.asking == "name" and "原话" in chat.texts()
    with runtime.store_scope() as store:
        flag = store.session.exec(select(Flag)).one()
        assert (flag.question_key, flag.reason) == ("recipient_kind", "not_understood")
        rec = store.session.exec(select(Record)).one()
        a = store.records.current_answers(rec.id or 0)["recipient_kind"]
        assert a.value is None and a.raw == "嗯嗯嗯"


def test_controls_why_help_skip_human_restart(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    chat.say("为什么要问这个")
    assert chat.asking == "recipient_kind" and len(chat.replies) == 2
    chat.say("为什么问这个")
    assert chat.asking == "recipient_kind" and "类别" in chat.replies[0].text
    chat.say("跳过")
    assert "需要回答" in chat.texts() and chat.asking == "recipient_kind"
    chat.say("帮助")
    assert "返回" in chat.texts()
    chat.say("转人工")
    assert "人工" in chat.texts() and chat.asking == "recipient_kind"
    chat.say("退役士兵")
    chat.say("张三")
    chat.say("重新开始")
    assert chat.last.kind == "confirm"
    chat.say("确定")
    assert chat.asking == "recipient_kind"
    with runtime.store_scope() as store:
        appeal = store.session.exec(select(Appeal)).one()
        assert appeal.source == "chat" and appeal.record_id is not None
        rec = store.session.exec(select(Record)).one()
        current = store.records.current_answers(rec.id or 0)
        assert set(current) == {"id_number"}  # cleared, the ID stays
        assert len(store.records.answer_history(rec.id or 0, "name")) == 2  # nothing is overwritten


def test_review_change_then_submit_and_change_after_submit(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    complete(chat, HAPPY)
    chat.say("把联系电话改成13800001111")
    assert chat.last.kind == "summary"
    chat.say("确认提交")
    receipt = _record(runtime).receipt
    assert receipt and receipt in chat.last.text
    # after submission the record is the reviewers': a change is a request, nothing moves or changes
    chat.say("把民族改成回族")
    assert "修改申请" in chat.last.text and "审核" in chat.last.text
    rec = _record(runtime)
    assert (rec.status, rec.stage, rec.receipt) == ("submitted", "collected", receipt)
    assert _current(runtime)["ethnicity"] == {"code": "01", "name": "汉族"}
    chat.say("查看")
    assert "已申请改为：回族，审核中" in chat.last.text
    chat.say("修改民族")  # naming the question only: asked, then taken as a request as well
    assert chat.asking == "ethnicity"
    chat.say("藏族")
    assert "修改申请" in chat.last.text and _record(runtime).stage == "collected"
    with runtime.store_scope() as store:
        changes = ChangeStore(store)
        pending = changes.pending(rec.id or 0)
        assert [(c.question_key, c.value["name"]) for c in pending] == [("ethnicity", "藏族")]  # the newer one
        assert [c.status for c in changes.of_record(rec.id or 0)] == [ChangeStatus.WITHDRAWN, ChangeStatus.PENDING]
        changes.decide(changes.get(pending[0].id), approve=True, staff_id=1, reason="核实无误", sensitive=False)
    rec = _record(runtime)
    assert (rec.status, rec.stage) == ("submitted", "collected")  # approving moves no stage
    assert _current(runtime)["ethnicity"] == {"code": "04", "name": "藏族"}
    with runtime.store_scope() as store:
        events = store.records.workflow_events([rec.id or 0])
        assert [e.action for e in events] == ["change_approved"] and events[0].to_stage is None


def test_a_person_cannot_clear_or_change_directly_a_submitted_record(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    complete(chat, HAPPY)
    chat.say("确认提交")
    before = _current(runtime)
    chat.say("重新开始")
    assert "不能清空" in chat.texts()
    chat.say("确定")
    chat.say("把出生日期改成不清楚")
    photo = Incoming(channel="web", user_id="user-1", image=b"\x89PNG fake", image_type="image/png",
                     message_id="photo-after-submit")
    runtime.chat.handle(photo)  # not at the photo question: refused, nothing stored
    assert _current(runtime) == before
    rec = _record(runtime)
    assert (rec.status, rec.stage) == ("submitted", "collected")


def test_a_record_sent_back_is_corrected_directly_and_goes_up_again(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    complete(chat, HAPPY)
    chat.say("确认提交")
    with runtime.store_scope() as store:
        store.records.move(store.records.get(_record(runtime).id or 0), "return", "returned", 1, "民族填错了")
    chat.say("把民族改成回族")
    assert chat.last.kind == "summary" and _record(runtime).status == "in_progress"
    chat.say("确认提交")
    rec = _record(runtime)
    assert (rec.status, rec.stage) == ("submitted", "collected")
    assert _current(runtime)["ethnicity"] == {"code": "03", "name": "回族"}
    with runtime.store_scope() as store:
        steps = [(e.action, e.from_stage, e.to_stage) for e in store.records.workflow_events([rec.id or 0])]
    assert steps == [("return", "collected", "returned"), ("resubmit", "returned", "collected")]


def test_repeated_message_id_is_answered_once(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    first = chat.say("退役士兵", message_id="m-1")
    again = chat.say("退役士兵", message_id="m-1")
    assert [r.text for r in first] == [r.text for r in again]
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(Answer).where(Answer.question_key == "recipient_kind")).all()) == 1


def test_a_date_with_another_questions_cue_goes_there(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for text in ("退役士兵", "我叫张三，男，汉族"):
        chat.say(text)
    assert chat.asking == "birth_date"
    chat.say("我是八三年十月当的兵")  # asked for the birth date, but this is the enlistment date
    assert chat.asking == "birth_date" and "入伍" in chat.texts()
    values = _current(runtime)
    assert values["enlist_date"]["start"] == "1983-10-01" and "birth_date" not in values  # type: ignore[index]
    chat.say("六五年三月十二号生的，电话幺三九幺二三四五六七八")
    values = _current(runtime)
    assert values["birth_date"]["start"] == "1965-03-12"  # type: ignore[index]
    assert values["phone"] == "13912345678"


def test_rule_warning_is_only_overridden_by_the_same_value(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    for text in ("退役士兵", "张三", "男", "汉族"):
        chat.say(text)
    chat.say("1966年3月12日")
    assert chat.asking == "birth_date"
    chat.say("1967年1月1日")  # a different value that also disagrees: refused again
    assert chat.asking == "birth_date" and any(r.kind == "error" for r in chat.replies)
    chat.say("1965年3月12日")
    assert chat.asking != "birth_date"
    with runtime.store_scope() as store:
        assert store.session.exec(select(Flag)).all() == []


def test_no_appeal_for_a_plain_no(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    complete(chat, {**HAPPY, "appeals": "没有"})
    with runtime.store_scope() as store:
        assert store.session.exec(select(Appeal)).all() == []


def test_low_confidence_answers_are_kept_and_flagged(db_url: str, tokenizer: object) -> None:
    from admin.runtime import build_runtime
    from tests.conftest import make_settings

    rt = build_runtime(make_settings(db_url, low_confidence=0.9), tokenizer=tokenizer)  # type: ignore[arg-type]
    try:
        chat = Chat(rt, "veterans")
        _begin(chat)
        complete(chat, {**HAPPY, "dibao": "应该没有吧"})  # a hedged no
        values = _current(rt)
        assert values["dibao"] == "no"
        with rt.store_scope() as store:
            flags = [(f.question_key, f.reason) for f in store.session.exec(select(Flag)).all()]
        assert ("dibao", "low_confidence") in flags
    finally:
        rt.close()


def test_asking_for_a_person_in_the_first_message_reaches_the_hotline(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans", user="newcomer")
    chat.say("转人工")
    assert "人工" in chat.replies[0].text and chat.last.kind == "notice"
    with runtime.store_scope() as store:
        appeal = store.session.exec(select(Appeal)).one()
        assert appeal.source == "chat" and appeal.channel_user_id == "newcomer"


def test_a_change_to_a_record_the_province_accepted_waits_for_the_province(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    _begin(chat)
    complete(chat, HAPPY)
    chat.say("确认提交")
    with runtime.store_scope() as store:
        record = store.records.get(_record(runtime).id or 0)
        for stage in ("township_reviewed", "county_checked", "city_accepted", "province_accepted"):
            store.records.move(record, "advance", stage, 1)
    chat.say("把联系电话改成13800001111")
    assert "修改申请" in chat.last.text
    chat.say("确认提交")  # nothing to submit again: the record stays where the province put it
    rec = _record(runtime)
    assert (rec.status, rec.stage) == ("submitted", "province_accepted")
    assert _current(runtime)["phone"] == "13912345678"
    with runtime.store_scope() as store:
        steps = [e.action for e in store.records.workflow_events([rec.id or 0])]
        pending = ChangeStore(store).pending(rec.id or 0)
    assert steps == ["advance"] * 4 and [(c.question_key, c.stage) for c in pending] == [("phone", "province_accepted")]
