"""Form versions in conversations: publishing version 2 of the veterans questionnaire during the running
campaign leaves the conversations begun under version 1 on version 1 (never asked the new question), new
ones start under version 2; an explicit migration moves an unsubmitted record; a changed file that is not
published changes nothing; a label published with other content is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlmodel import select

from admin.runtime import Runtime, build_runtime
from admin.services import forms as service
from bot.questionnaire import BUILTIN_DIR
from nlu.tokenizer import Tokenizer
from storage.errors import Conflict, InvalidInput
from storage.forms import FormStatus, FormVersion
from storage.models import Answer, Campaign, Conversation, Record
from tests.conftest import Chat, make_settings
from tests.helpers import RecordingSms, complete, make_id

ID_A = make_id("620102", "19650312", "001")
ID_B = make_id("620102", "19660412", "003")
ID_C = make_id("620102", "19670512", "005")
V1 = (BUILTIN_DIR / "veterans.yaml").read_text(encoding="utf-8")
FORMER_NAME = """
      - key: former_name
        type: text
        label: 曾用名
        prompt: 您以前用过别的名字吗？请说曾用名。

      - key: gender
"""
ANSWERS = {"recipient_kind": "退役士兵", "name": "张三", "former_name": "张老三", "gender": "男",
           "ethnicity": "汉族", "ethnic_group": "汉族", "birth_date": "1965年3月12日", "phone": "13912345678",
           "political_status": "群众", "enlist_date": "1983年10月", "discharge_date": "1988年12月",
           "service_role": "义务兵", "placement": "自主就业", "employment": "务农", "has_housing": "有",
           "housing_area": "80平方米", "dibao": "没有", "appeals": "没有"}


def version_2(label: str = "2026.2", rename_ethnicity: bool = False) -> str:
    """The veterans file with an added question (曾用名, after the name), labelled ``label``."""
    text = V1.replace('version: "2026.1"', f'version: "{label}"', 1).replace("\n      - key: gender\n", FORMER_NAME, 1)
    if rename_ethnicity:
        text = text.replace("- key: ethnicity\n", "- key: ethnic_group\n", 1)
    assert text != V1
    return text


def publish(runtime: Runtime, text: str, campaign: str | None = None) -> service.Published:
    with runtime.store_scope() as store:
        return service.publish(store.forms, "veterans", text, "staff:test", campaign_key=campaign,
                               catalog=runtime.engine.forms)


def begin(chat: Chat, id_number: str) -> None:
    chat.start()
    chat.say("同意")
    assert chat.asking == "id_number"
    chat.say(id_number)
    chat.say("退役士兵")
    assert chat.asking == "name"


def record_of(runtime: Runtime, user: str) -> Record:
    with runtime.store_scope() as store:
        conv = store.session.exec(select(Conversation).where(Conversation.channel_user_id == user)).one()
        return store.records.get(conv.record_id or 0)


def versions(runtime: Runtime) -> dict[str, int]:
    with runtime.store_scope() as store:
        return {v.label + ("" if v.status == FormStatus.PUBLISHED else f" {v.status}"): v.id or 0
                for v in store.forms.of("veterans")}


def answer_versions(runtime: Runtime, record_id: int) -> set[int | None]:
    with runtime.store_scope() as store:
        return set(store.session.exec(select(Answer.form_version_id).where(Answer.record_id == record_id)).all())


def test_version_2_published_mid_campaign_leaves_begun_records_on_version_1(runtime: Runtime) -> None:
    first = Chat(runtime, "veterans", user="a")
    begin(first, ID_A)
    done = publish(runtime, version_2())
    assert (done.label, done.campaigns, done.already) == ("2026.2", ("veterans-2026",), False)
    ids = versions(runtime)
    assert set(ids) == {"2026.1", "2026.2"}

    asked_first = complete(first, ANSWERS)
    assert "former_name" not in asked_first  # begun under 2026.1: finishes under it
    first.say("确认提交")
    assert first.last.kind == "receipt"

    second = Chat(runtime, "veterans", user="b")
    begin(second, ID_B)
    asked_second = complete(second, ANSWERS)
    assert asked_second.index("name") + 1 == asked_second.index("former_name")  # a new record asks 2026.2

    a, b = record_of(runtime, "a"), record_of(runtime, "b")
    assert (a.form_version_id, b.form_version_id) == (ids["2026.1"], ids["2026.2"])
    assert answer_versions(runtime, a.id or 0) == {ids["2026.1"]}  # every answer carries the version asked with
    assert answer_versions(runtime, b.id or 0) == {ids["2026.2"]}
    with runtime.store_scope() as store:
        campaign = store.campaigns.by_key("veterans-2026")
        assert campaign is not None and campaign.form_version_id == ids["2026.2"]
        assert campaign.questionnaire_version == "2026.2"


def test_an_explicit_migration_moves_unsubmitted_records_and_reports_what_was_dropped(runtime: Runtime) -> None:
    submitted = Chat(runtime, "veterans", user="done")
    begin(submitted, ID_C)
    complete(submitted, ANSWERS)
    submitted.say("确认提交")
    moving = Chat(runtime, "veterans", user="a")
    begin(moving, ID_A)
    for text in ("张三", "男", "汉族"):
        moving.say(text)
    assert moving.asking == "birth_date"
    publish(runtime, version_2(rename_ethnicity=True))
    moving.say("1965年3月12日")
    assert moving.asking == "phone"  # not migrated: still 2026.1, nothing new asked

    with runtime.store_scope() as store:
        report = service.migrate(store, runtime.engine.forms, "veterans-2026", "2026.2", "staff:test")
    a, done = record_of(runtime, "a"), record_of(runtime, "done")
    assert report.moved == [a.id] and report.unchanged == 0
    assert [(d.record_id, d.question) for d in report.dropped] == [(a.id, "ethnicity")]
    ids = versions(runtime)
    assert a.form_version_id == ids["2026.2"] and done.form_version_id == ids["2026.1"]  # submitted: not moved

    moving.say("13912345678")  # the question asked before the migration is still in 2026.2: taken
    asked = complete(moving, ANSWERS)
    assert asked[:2] == ["former_name", "ethnic_group"]  # the new version's open questions, in order
    with runtime.store_scope() as store:
        current = store.records.current_answers(a.id or 0)
        assert "ethnicity" not in current and current["name"].value == "张三" and current["phone"].value
        cleared = store.session.exec(select(Answer).where(Answer.record_id == a.id, Answer.question_key == "ethnicity",
                                                          Answer.status == "cleared")).one()
        assert cleared.form_version_id == ids["2026.2"] and "2026.2" in (cleared.reason or "")
        kept = store.session.exec(select(Answer).where(Answer.record_id == a.id, Answer.question_key == "name")).one()
        assert kept.form_version_id == ids["2026.1"]  # asked with 2026.1, kept as it was
        again = service.migrate(store, runtime.engine.forms, "veterans-2026", "2026.2", "staff:test")
    assert again.moved == [] and again.unchanged == 1


def test_a_changed_file_not_published_changes_nothing(
    db_url: str, tokenizer: Tokenizer, sms: RecordingSms, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    rt = build_runtime(make_settings(db_url), tokenizer=tokenizer, sms=sms)
    try:
        begin(Chat(rt, "veterans", user="a"), ID_A)
    finally:
        rt.close()
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "veterans.yaml").write_text(version_2(label="2026.1"), encoding="utf-8")  # edited, label kept
    with caplog.at_level(logging.WARNING, logger="admin.services.forms"):
        rt = build_runtime(make_settings(db_url, questionnaire_dir=folder), tokenizer=tokenizer, sms=sms)
    try:
        assert "veterans.yaml differs from the published version 2026.1 of campaign veterans-2026; " \
               "publish it with intake form publish" in caplog.text
        assert set(versions(rt)) == {"2026.1", "2026.1 draft"}
        assert "former_name" not in rt.questionnaires["veterans"].by_key  # what is asked stays the published one
        going_on = Chat(rt, "veterans", user="a")
        going_on.start()
        assert "former_name" not in complete(going_on, ANSWERS)
        fresh = Chat(rt, "veterans", user="b")
        begin(fresh, ID_B)
        assert "former_name" not in complete(fresh, ANSWERS)
        with pytest.raises(Conflict, match="2026.1 of veterans was published with other content"):
            publish(rt, version_2(label="2026.1"))
        with rt.store_scope() as store:
            assert {r.form_version_id for r in store.session.exec(select(Record))} == {versions(rt)["2026.1"]}
    finally:
        rt.close()


def test_publishing_validates_and_is_idempotent(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="former_name"):
        publish(runtime, version_2().replace("        type: text\n        label: 曾用名", "        type: txt\n        label: 曾用名"))
    with pytest.raises(InvalidInput, match="must match name: 'other'"):
        publish(runtime, version_2().replace("name: veterans", "name: other", 1))
    first = publish(runtime, version_2())
    again = publish(runtime, version_2())
    assert again.already and again.version_id == first.version_id
    with runtime.store_scope() as store:
        rows = store.session.exec(select(FormVersion).where(FormVersion.questionnaire == "veterans")).all()
        assert sorted((r.label, r.status) for r in rows) == [("2026.1", "published"), ("2026.2", "published")]
        assert store.session.exec(select(Campaign)).all() == []  # no campaign yet: nothing pinned
