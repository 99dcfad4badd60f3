"""The records API and review queue as five principals: two neighbouring counties, their prefecture,
a village collector and hotline staff. Nothing leaks across regions; out-of-region records answer 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Flag, Record
from storage.staff import AuditEntry
from tests.admin.conftest import DONGXIANG, ID_A, ID_B, login
from tests.conftest import Chat
from tests.helpers import complete, make_id

# who: (sees A, sees B, may review, may reveal)
TABLE = {
    "dongxiang": (True, False, True, True),
    "jishishan": (False, True, True, True),
    "prefecture": (True, True, True, True),
    "collector": (True, False, False, False),
    "hotline": (True, False, False, False),
}


@pytest.mark.parametrize("who", list(TABLE))
def test_who_sees_and_does_what(runtime: Runtime, world: dict[str, int], who: str) -> None:
    sees_a, sees_b, reviews, reveals = TABLE[who]
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/api/records").status_code == 401
        h = login(runtime, who, client)
        listed = client.get("/api/records", headers=h).json()
        ids = {item["id"] for item in listed["items"]}
        assert ids == {rid for k, rid in world.items() if (k == "A" and sees_a) or (k == "B" and sees_b)}
        for item in listed["items"]:
            assert item["id_number"].count("*") == 8 and item["subject"].endswith("*")  # masked in lists
        for key, visible in (("A", sees_a), ("B", sees_b)):
            rid = world[key]
            detail = client.get(f"/api/records/{rid}", headers=h)
            assert detail.status_code == (200 if visible else 404)
            if visible:
                answers = {a["key"]: a for a in detail.json()["answers"]}
                number = ID_A if key == "A" else ID_B
                assert answers["id_number"]["current"]["value"] == number[:6] + "*" * 8 + number[-4:]
                assert answers["name"]["current"]["value"].endswith("*") and answers["name"]["sensitive"]
                assert answers["name"]["current"]["raw"] is None  # the words said may hold the name
                assert answers["name"]["current"]["status"] == "confirmed"
            reveal = client.post(f"/api/records/{rid}/reveal", json={"key": "id_number"}, headers=h)
            assert reveal.status_code == (403 if not reveals else 200 if visible else 404)
            if reveal.status_code == 200:
                assert reveal.json()["value"] == (ID_A if key == "A" else ID_B)
            fix = client.post(f"/api/records/{rid}/answers/gender",
                              json={"text": "男", "reason": "电话核实"}, headers=h)
            assert fix.status_code == (403 if not reviews else 200 if visible else 404)
        queue = client.get("/api/review", headers=h)
        assert queue.status_code == (200 if reviews else 403)
        if reviews:
            assert queue.json() == []  # the corrections above closed the flags they could see
    with runtime.store_scope() as store:
        open_flags = {f.record_id for f in store.session.exec(select(Flag).where(Flag.status == "open")).all()}
        expected_open = {rid for k, rid in world.items()
                         if not (reviews and ((k == "A" and sees_a) or (k == "B" and sees_b)))}
        assert open_flags == expected_open
        audit = store.session.exec(select(AuditEntry).where(AuditEntry.username == who)).all()
        results = {(a.action, a.result) for a in audit}
    assert ("login", "ok") in results
    if not (sees_a and sees_b):
        assert ("read_record", "not_found") in results  # refused access is audited
    if not reviews:
        assert ("denied", "denied") in results


def test_review_queue_filters_correction_history_and_approval(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "prefecture", client)
        items = client.get("/api/review", headers=h).json()
        assert {(i["record_id"], i["question"], i["reason"]) for i in items} == {
            (world["A"], "gender", "unsure"), (world["B"], "gender", "unsure")}
        assert items[0]["raw"] == "不好说呀" and items[0]["prompt"]
        assert all(i["detail"] == "" for i in items)  # the words said are shown from the sealed answer only
        only = client.get("/api/review", params={"region": DONGXIANG}, headers=h).json()
        assert [i["record_id"] for i in only] == [world["A"]]
        assert client.get("/api/review", params={"reason": "rule"}, headers=h).json() == []
        assert client.get("/api/review", params={"region": "甘肃省/兰州市"}, headers=h).status_code == 404
        bad = client.post(f"/api/records/{world['A']}/answers/gender",
                          json={"text": "不知道是啥", "reason": "核实"}, headers=h)
        assert bad.status_code == 422 and bad.json()["detail"].startswith("no_match")
        fixed = client.post(f"/api/records/{world['A']}/answers/gender",
                            json={"text": "男的", "reason": "入户核实"}, headers=h).json()
        assert [v["status"] for v in fixed["history"]] == ["new", "corrected"]
        assert fixed["current"]["value"] == "男" and fixed["current"]["actor"].startswith("staff:")
        assert fixed["current"]["reason"] == "入户核实" and fixed["history"][0]["raw"] == "不好说呀"
        b_flag = next(i["flag_id"] for i in items if i["record_id"] == world["B"])
        assert client.post(f"/api/flags/{b_flag}/approve", headers=h).status_code == 204
        assert client.post(f"/api/flags/{b_flag}/approve", headers=h).status_code == 409
        assert client.get("/api/review", headers=h).json() == []
        h2 = login(runtime, "dongxiang", client)
        assert client.post(f"/api/flags/{b_flag}/approve", headers=h2).status_code == 404


def test_self_declared_person_is_placed_by_the_household_answer(runtime: Runtime, world: dict[str, int]) -> None:
    chat = Chat(runtime, "veterans", user="walk-in")
    chat.start()
    chat.say("同意")
    chat.say(make_id("622926", "19600101", "005"))  # not on the roster
    complete(chat, {"recipient_kind": "退役士兵", "birth_date": "1960年1月1日", "gender": "男",
                    "enlist_date": "1978年", "discharge_date": "1982年", "hukou": "东乡县东塬乡东塬村"})
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record).order_by(Record.id.desc())).first()  # type: ignore[union-attr]
        assert rec is not None and rec.region_id is not None
        assert store.regions.by_path(DONGXIANG + "/东塬乡/东塬村").id == rec.region_id  # type: ignore[union-attr]
    with TestClient(create_app(runtime=runtime)) as client:
        seen = {i["id"] for i in client.get("/api/records", headers=login(runtime, "collector", client)).json()["items"]}
        assert rec.id in seen
        other = {i["id"] for i in client.get("/api/records", headers=login(runtime, "jishishan", client)).json()["items"]}
        assert rec.id not in other


def test_reads_changes_reveals_exports_and_refusals_are_audited(runtime: Runtime, world: dict[str, int]) -> None:
    a, b = world["A"], world["B"]
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "dongxiang", client)
        assert client.get(f"/api/records/{a}", headers=h).status_code == 200
        assert client.post(f"/api/records/{a}/reveal", json={"key": "id_number"}, headers=h).json()["value"] == ID_A
        items = client.get("/api/review", params={"questionnaire": "veterans", "question": "gender"}, headers=h)
        assert [i["record_id"] for i in items.json()] == [a]  # filtered by questionnaire and question
        assert client.get("/api/review", params={"question": "name"}, headers=h).json() == []
        assert client.post(f"/api/records/{a}/answers/gender", json={"text": "男", "reason": "电话核实"},
                           headers=h).status_code == 200
        assert client.get("/api/exports/veterans-2026.csv", headers=h).status_code == 200
        assert client.get(f"/api/records/{b}", headers=h).status_code == 404  # the other county's record
        collector = login(runtime, "collector", client)
        assert client.get("/api/exports/veterans-2026.csv", headers=collector).status_code == 403
    with runtime.store_scope() as store:
        entries = store.session.exec(select(AuditEntry).where(AuditEntry.username.in_(  # type: ignore[union-attr]
            ["dongxiang", "collector"]))).all()
    seen = {(e.username, e.action, e.target_id, e.result) for e in entries}
    assert ("dongxiang", "read_record", str(a), "ok") in seen
    assert ("dongxiang", "reveal", str(a), "ok") in seen
    assert ("dongxiang", "correct_answer", str(a), "ok") in seen
    assert ("dongxiang", "read_record", str(b), "not_found") in seen
    assert ("collector", "denied", None, "denied") in seen
    export = next(e for e in entries if e.action == "export")
    assert export.role == "region_admin" and export.region_id is not None and export.at is not None
    # who, role, region, what, when, result: and never the ID number revealed or the words said
    assert not any(ID_A in (e.detail or "") or "男" in (e.detail or "") for e in entries)
