"""Change requests after submission: decided by the reviewers of the record's current stage, applied once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from admin.services.changes import deciding_level
from storage.changes import ChangeRequest
from storage.models import Answer, WorkflowEvent
from storage.staff import AuditEntry
from tests.admin.conftest import PW, login
from tests.admin.factories import JISHISHAN_VILLAGE, PROVINCE, TOWNSHIP, VILLAGE, Maker, add_staff, warm_up
from tests.server import serve

#: who decides at each stage (the staff of this test, by level), and who may not
DECIDER = {"collected": "township", "returned": "township", "township_reviewed": "dongxiang",
           "county_checked": "prefecture", "city_accepted": "province", "province_accepted": "province"}
LEVELS = ("township", "dongxiang", "prefecture", "province")


@pytest.fixture
def staffed(runtime: Runtime, world: dict[str, int]) -> Iterator[TestClient]:
    """The world with a township reviewer and a province administrator besides its five principals."""
    add_staff(runtime, "township", "reviewer", TOWNSHIP)
    add_staff(runtime, "province", "region_admin", PROVINCE)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def test_the_deciding_level_follows_the_workflow_steps() -> None:
    assert {stage: deciding_level(stage) for stage in DECIDER} == {
        "collected": "township", "returned": "township", "township_reviewed": "county",
        "county_checked": "prefecture", "city_accepted": "province", "province_accepted": "province"}
    assert deciding_level(None) is None and deciding_level("in_progress") is None


def test_only_the_reviewers_of_the_current_stage_decide(runtime: Runtime, staffed: TestClient) -> None:
    client, make = staffed, Maker(runtime)
    h = {who: login(runtime, who, client) for who in (*LEVELS, "jishishan", "collector", "hotline")}
    for stage, decider in DECIDER.items():
        record = make.record(VILLAGE, stage=stage)
        change = make.change(record)
        before = make.state(record)
        for who in LEVELS:
            if who == decider:
                continue
            r = client.post(f"/api/changes/{change}/approve", json={"reason": "已电话核实"}, headers=h[who])
            assert r.status_code == 403 and "level reviewers" in r.json()["detail"], (stage, who, r.text)
        for who in ("collector", "hotline"):  # no review.act
            assert client.post(f"/api/changes/{change}/approve", json={"reason": "已电话核实"},
                               headers=h[who]).status_code == 403
        missing = client.post("/api/changes/999999/approve", json={"reason": "已电话核实"}, headers=h["jishishan"])
        other = client.post(f"/api/changes/{change}/approve", json={"reason": "已电话核实"}, headers=h["jishishan"])
        assert other.status_code == missing.status_code == 404
        assert other.json()["detail"].replace(str(change), "N") == missing.json()["detail"].replace("999999", "N")
        assert make.state(record) == before, stage  # nothing changed by the refusals
        listed = client.get("/api/changes", params={"record_id": record}, headers=h[decider]).json()["items"]
        assert [(i["id"], i["decides"]) for i in listed] == [(change, True)]
        r = client.post(f"/api/changes/{change}/approve", json={"reason": "已电话核实"}, headers=h[decider])
        assert r.status_code == 200, (stage, r.text)
        assert r.json()["status"] == "approved" and r.json()["current"] == "个体"
    with runtime.store_scope() as store:
        denied = store.session.exec(select(AuditEntry).where(AuditEntry.result == "denied",
                                                             AuditEntry.target_type == "change")).all()
        assert len(denied) == len(DECIDER) * (len(LEVELS) - 1)


def test_approving_applies_a_new_version_and_the_stage_stays(runtime: Runtime, staffed: TestClient) -> None:
    client, make = staffed, Maker(runtime)
    record = make.record(VILLAGE, stage="township_reviewed")
    approve, reject = make.change(record, "employment", "个体"), make.change(record, "phone", "13100002222")
    county = login(runtime, "dongxiang", client)
    listed = client.get("/api/changes", headers=county).json()
    assert listed["total"] == 2
    by_id = {i["id"]: i for i in listed["items"]}
    assert (by_id[approve]["current"], by_id[approve]["requested"]) == ("务农", "个体")
    assert (by_id[reject]["current"], by_id[reject]["requested"]) == ("（已隐藏）", "（已隐藏）")  # phone is sensitive
    assert by_id[approve]["record"]["subject"] == "王*" and by_id[approve]["record"]["pending_changes"] == 2
    assert "13100002222" not in str(listed) and "王五" not in str(listed)
    detail = client.get(f"/api/changes/{approve}", headers=county).json()
    assert detail["requested_raw"] == "把employment改成个体" and detail["status"] == "pending"
    assert client.get(f"/api/changes/{reject}", headers=county).json()["requested_raw"] is None
    shown = client.post(f"/api/changes/{reject}/reveal", headers=county).json()
    assert (shown["current"], shown["requested"]) == ("13700001234", "13100002222")
    assert client.post(f"/api/changes/{reject}/reveal", headers=login(runtime, "collector", client)).status_code == 403
    # the filters
    assert client.get("/api/changes", params={"stage": "collected"}, headers=county).json()["total"] == 0
    assert client.get("/api/changes", params={"questionnaire": "disabled_update"}, headers=county).json()["total"] == 0
    assert client.get("/api/changes", params={"record_id": record}, headers=login(runtime, "jishishan", client)
                      ).status_code == 404

    assert client.post(f"/api/changes/{approve}/approve", json={"reason": "已电话核实"}, headers=county).status_code == 200
    assert client.post(f"/api/changes/{reject}/reject", json={"reason": "号码不对"}, headers=county).status_code == 200
    for change in (approve, reject):  # deciding twice decides nothing more
        again = client.post(f"/api/changes/{change}/approve", json={"reason": "再次"}, headers=county)
        assert again.status_code == 409, again.text
    with runtime.store_scope() as store:
        row = store.records.get(record)
        assert row.stage == "township_reviewed" and row.status == "submitted"
        employment = store.records.answer_history(record, "employment")
        assert [a.value for a in employment] == ["8", "4"] and employment[-1].status == "changed"
        assert employment[-1].actor == "self:web" and f"change request {approve}" in (employment[-1].reason or "")
        assert [a.value for a in store.records.answer_history(record, "phone")] == ["13700001234"]
        events = store.session.exec(select(WorkflowEvent).where(WorkflowEvent.record_id == record)).all()
        assert [(e.action, e.to_stage) for e in events][-2:] == [("change_approved", None), ("change_rejected", None)]
        audited = store.session.exec(select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.username == "dongxiang")).all()
        assert ("change_approved", f"change {approve} employment") in audited
        assert any(a == "reveal" for a, _ in audited)
        assert all("13100002222" not in d for _, d in audited)
    assert client.get("/api/changes", headers=county).json()["total"] == 0
    # an approved change of a sensitive answer is sealed like any sensitive answer
    sensitive = make.change(record, "phone", "13100003333")
    assert client.post(f"/api/changes/{sensitive}/approve", json={"reason": "本人来电"}, headers=county).status_code == 200
    with runtime.store_scope() as store:
        sealed = store.session.exec(select(Answer).where(Answer.record_id == record, Answer.question_key == "phone",
                                                         Answer.is_current == True)).one()  # noqa: E712
        assert sealed.value_json is None and sealed.value_enc is not None
        assert store.records.current_answers(record)["phone"].value == "13100003333"


def test_a_concurrent_approval_applies_once(runtime: Runtime, staffed: TestClient) -> None:
    make = Maker(runtime)
    record = make.record(VILLAGE, stage="township_reviewed")
    change = make.change(record)
    results: list[int] = []
    with serve(create_app(runtime=runtime)) as one, serve(create_app(runtime=runtime)) as two:
        token = httpx.post(one + "/api/auth/login", json={"username": "dongxiang", "password": PW}).json()["token"]
        warm_up(one, two)
        barrier = threading.Barrier(4)

        def approve(base: str) -> None:
            barrier.wait()
            r = httpx.post(f"{base}/api/changes/{change}/approve", json={"reason": "已电话核实"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
            results.append(r.status_code)

        threads = [threading.Thread(target=approve, args=(base,)) for base in (one, two, one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(results) == [200, 409, 409, 409]
    with runtime.store_scope() as store:
        assert len(store.records.answer_history(record, "employment")) == 2
        assert store.session.exec(select(ChangeRequest).where(ChangeRequest.id == change)).one().status == "approved"
        events = store.session.exec(select(WorkflowEvent).where(WorkflowEvent.action == "change_approved")).all()
        assert len(events) == 1


def test_unknown_huge_and_foreign_change_ids(runtime: Runtime, staffed: TestClient) -> None:
    client, make = staffed, Maker(runtime)
    west = make.change(make.record(JISHISHAN_VILLAGE, stage="township_reviewed"))
    county = login(runtime, "dongxiang", client)
    for path in ("", "/reveal"):
        method = client.get if not path else client.post
        assert method(f"/api/changes/{west}{path}", headers=county).status_code == 404
        assert method(f"/api/changes/99999999999999999999{path}", headers=county).status_code == 422
    assert client.post(f"/api/changes/{west}/reject", json={"reason": "不对"}, headers=county).status_code == 404
    assert client.post(f"/api/changes/{west}/reject", json={"reason": ""}, headers=county).status_code == 422
    assert client.get("/api/changes", headers=county).json()["total"] == 0
    assert client.get("/api/changes", headers=login(runtime, "jishishan", client)).json()["total"] == 1
