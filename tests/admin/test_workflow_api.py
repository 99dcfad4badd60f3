"""The review workflow up the levels, with a reproducible county spot-check sample and sending back."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from admin.services.workflow import draw_sample
from admin.web.security import create_staff
from storage.models import Record, WorkflowEvent
from storage.staff import AuditEntry
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, PW, login
from tests.helpers import make_id

TOWNSHIP = DONGXIANG + "/东塬乡"


def _submitted_records(runtime: Runtime, n: int) -> list[int]:
    """n submitted veterans records of people in villages of 东塬乡."""
    ids = []
    with runtime.store_scope() as store:
        staff = StaffStore(store.session)
        create_staff(staff, "township", "乡镇审核员", PW, "reviewer", TOWNSHIP)
        create_staff(staff, "province", "省管理员", PW, "region_admin", "甘肃省")
        village = store.regions.by_path(TOWNSHIP + "/刘牙村")
        campaign = store.campaigns.by_key("veterans-2026")
        assert village is not None and campaign is not None
        for i in range(n):
            person = store.people.create(make_id("622926", "19600101", f"{100 + i:03d}"), region_id=village.id)
            record, _ = store.records.ensure(campaign, f"person:{person.id}", channel="visit", person_id=person.id,
                                         region_id=village.id)
            store.records.submit(record, 2026)
            ids.append(record.id or 0)
    return ids


def test_workflow_up_the_levels(runtime: Runtime, world: dict[str, int]) -> None:
    ids = _submitted_records(runtime, 6)
    with TestClient(create_app(runtime=runtime)) as client:
        town = login(runtime, "township", client)
        county = login(runtime, "dongxiang", client)
        other = login(runtime, "jishishan", client)
        city = login(runtime, "prefecture", client)
        prov = login(runtime, "province", client)

        # a county cannot do the township's step; the other county cannot see these records at all
        r = client.post("/api/workflow/advance", json={"record_ids": ids, "to": "township_reviewed"}, headers=county)
        assert r.status_code == 403
        r = client.post("/api/workflow/advance", json={"record_ids": ids[:1], "to": "county_checked"}, headers=other)
        assert r.status_code == 404
        # record A is still in progress (and has an open flag): refused with the reason
        r = client.post("/api/workflow/advance", json={"record_ids": [*ids, world["A"]], "to": "township_reviewed"},
                        headers=town).json()
        assert r["moved"] == ids and "in progress" in r["refused"][str(world["A"])]

        assert client.put("/api/workflow/rate/veterans-2026", json={"rate": 0.3}, headers=county).status_code == 403
        assert client.put("/api/workflow/rate/veterans-2026", json={"rate": 0.3}, headers=prov).status_code == 204
        s1 = client.get("/api/workflow/sample", params={"campaign": "veterans-2026"}, headers=county).json()
        s2 = client.get("/api/workflow/sample", params={"campaign": "veterans-2026"}, headers=county).json()
        assert s1 == s2 and s1["candidates"] == 6 and len(s1["sample"]) == 2 and s1["rate"] == 0.3
        assert set(s1["sample"]) <= set(ids) and s1["checked"] == {}

        r = client.post("/api/workflow/advance", json={"record_ids": ids, "to": "county_checked"}, headers=county).json()
        assert r["moved"] == [] and all("spot check" in v for v in r["refused"].values())
        passed, failed = s1["sample"]
        assert client.post("/api/workflow/spot-check", json={"record_id": passed, "passed": True},
                           headers=county).status_code == 204
        assert client.post("/api/workflow/spot-check", json={"record_id": failed, "passed": False,
                                                              "note": "住房面积与入户不符"}, headers=county).status_code == 204
        # the failed one went back down; the sample is drawn again over the remaining five
        s3 = client.get("/api/workflow/sample", params={"campaign": "veterans-2026"}, headers=county).json()
        assert s3["candidates"] == 5
        for rid in s3["sample"]:
            if rid != passed:
                client.post("/api/workflow/spot-check", json={"record_id": rid, "passed": True}, headers=county)
        rest = [i for i in ids if i != failed]
        r = client.post("/api/workflow/advance", json={"record_ids": rest, "to": "county_checked"}, headers=county).json()
        assert r["moved"] == rest
        r = client.post("/api/workflow/advance", json={"record_ids": rest, "to": "province_accepted"}, headers=prov)
        assert r.json()["moved"] == [] and len(r.json()["refused"]) == 5  # the city has not accepted them yet
        assert client.post("/api/workflow/advance", json={"record_ids": rest, "to": "city_accepted"},
                           headers=city).json()["moved"] == rest
        assert client.post("/api/workflow/advance", json={"record_ids": rest, "to": "province_accepted"},
                           headers=prov).json()["moved"] == rest
        # the city cannot undo the province's acceptance; the province can send a record back
        back = client.post("/api/workflow/return", json={"record_ids": rest[:1], "reason": "照片不清楚"},
                           headers=city).json()
        assert back["moved"] == [] and "above" in back["refused"][str(rest[0])]
        back = client.post("/api/workflow/return", json={"record_ids": rest[:1], "reason": "照片不清楚"},
                           headers=prov).json()
        assert back["moved"] == rest[:1]
        again = client.post("/api/workflow/return", json={"record_ids": rest[:1], "reason": "再退一次"},
                            headers=prov).json()
        assert again["moved"] == [] and "already" in again["refused"][str(rest[0])]
        # one record out of reach: nothing is sent back at all
        r = client.post("/api/workflow/return", json={"record_ids": [rest[1], world["B"]], "reason": "核实"},
                        headers=county)
        assert r.status_code == 404
    with runtime.store_scope() as store:
        stages = {r.id: r.stage for r in store.session.exec(select(Record)).all()}
        events = store.session.exec(select(WorkflowEvent).where(WorkflowEvent.record_id == failed)).all()
    assert stages[failed] == "returned" and stages[rest[0]] == "returned"
    assert all(stages[i] == "province_accepted" for i in rest[1:])  # rest[1] untouched by the refused request
    assert [(e.action, e.to_stage) for e in events] == [
        ("advance", "township_reviewed"), ("spot_check_failed", "returned")]
    assert events[-1].reason == "住房面积与入户不符"


def test_sample_is_reproducible_and_sized_by_rate(runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        campaign = store.campaigns.ensure("veterans", "1", 2026, "t", None)
    ids = list(range(1, 41))
    a = draw_sample(campaign, "甘肃省/兰州市/城关区", ids, 0.1)
    assert a == draw_sample(campaign, "甘肃省/兰州市/城关区", list(reversed(ids)), 0.1) and len(a) == 4
    assert a != draw_sample(campaign, "甘肃省/兰州市/七里河区", ids, 0.1)  # another county, another draw
    assert draw_sample(campaign, "x", [7], 0.1) == [7] and draw_sample(campaign, "x", [], 0.5) == []


def test_a_returned_record_comes_back_up_when_submitted_again(runtime: Runtime, world: dict[str, int]) -> None:
    ids = _submitted_records(runtime, 1)
    with TestClient(create_app(runtime=runtime)) as client:
        town = login(runtime, "township", client)
        county = login(runtime, "dongxiang", client)
        assert client.post("/api/workflow/advance", json={"record_ids": ids, "to": "township_reviewed"},
                           headers=town).json()["moved"] == ids
        assert client.post("/api/workflow/return", json={"record_ids": ids, "reason": "电话号码不对"},
                           headers=county).json()["moved"] == ids
        refused = client.post("/api/workflow/advance", json={"record_ids": ids, "to": "township_reviewed"},
                              headers=town).json()
        assert refused["moved"] == [] and "returned" in refused["refused"][str(ids[0])]
        # a township reviewer may not take the county's step: refused and audited
        assert client.post("/api/workflow/spot-check", json={"record_id": ids[0], "passed": True},
                           headers=town).status_code == 403
    with runtime.store_scope() as store:
        record = store.records.get(ids[0])
        store.records.submit(record, 2026)  # corrected and submitted again
        denied = store.session.exec(select(AuditEntry).where(AuditEntry.username == "township",
                                                             AuditEntry.result == "denied")).all()
        assert [a.target_type for a in denied] == ["workflow"]
    with TestClient(create_app(runtime=runtime)) as client:
        town = login(runtime, "township", client)
        assert client.post("/api/workflow/advance", json={"record_ids": ids, "to": "township_reviewed"},
                           headers=town).json()["moved"] == ids


def _submitted_elsewhere(runtime: Runtime, path: str, birth: str) -> int:
    """One submitted veterans record of a person placed in another region."""
    with runtime.store_scope() as store:
        region = store.regions.by_path(path)
        campaign = store.campaigns.by_key("veterans-2026")
        assert region is not None and campaign is not None
        person = store.people.create(make_id("622926", birth, "201"), region_id=region.id)
        record, _ = store.records.ensure(campaign, f"person:{person.id}", channel="visit", person_id=person.id,
                                     region_id=region.id)
        store.records.submit(record, 2026)
        return record.id or 0


def test_queue_lists_what_waits_for_the_callers_step_in_their_area_only(
    runtime: Runtime, world: dict[str, int]
) -> None:
    ids = _submitted_records(runtime, 3)
    wujia = _submitted_elsewhere(runtime, DONGXIANG + "/五家乡/上庄村", "19580202")  # another township
    with runtime.store_scope() as store:
        store.records.submit(store.records.get(world["B"]), 2026)  # the other county's record, also collected
    with TestClient(create_app(runtime=runtime)) as client:
        town = login(runtime, "township", client)
        county = login(runtime, "dongxiang", client)
        other = login(runtime, "jishishan", client)
        prov = login(runtime, "province", client)
        params = {"campaign": "veterans-2026"}

        q = client.get("/api/workflow/queue", params=params, headers=town).json()
        assert q["stage"] == "collected" and q["next"] == "township_reviewed" and q["total"] == 3
        assert [i["id"] for i in q["items"]] == ids  # not 五家乡's record, not the other county's
        item = q["items"][0]
        assert item["subject"] == "" and item["id_number"].count("*") == 8 and item["submitted_at"]
        assert item["region"] == TOWNSHIP + "/刘牙村" and item["open_flags"] == 0

        # the county's own step waits at township_reviewed; it may look at the collected ones without a step
        assert client.get("/api/workflow/queue", params=params, headers=county).json()["total"] == 0
        collected = client.get("/api/workflow/queue", params={**params, "stage": "collected"}, headers=county).json()
        assert [i["id"] for i in collected["items"]] == [*ids, wujia] and collected["next"] is None
        blind = client.get("/api/workflow/queue", params={**params, "stage": "collected"}, headers=other).json()
        assert [i["id"] for i in blind["items"]] == [world["B"]]
        paged = client.get("/api/workflow/queue", params={**params, "stage": "collected", "limit": 2, "offset": 2},
                           headers=county).json()
        assert paged["total"] == 4 and [i["id"] for i in paged["items"]] == [ids[2], wujia]

        client.post("/api/workflow/advance", json={"record_ids": ids, "to": "township_reviewed"}, headers=town)
        client.post("/api/workflow/return", json={"record_ids": ids[:1], "reason": "电话号码不对"}, headers=county)
        waiting = client.get("/api/workflow/queue", params=params, headers=county).json()
        assert waiting["stage"] == "township_reviewed" and waiting["next"] == "county_checked"
        assert [i["id"] for i in waiting["items"]] == ids[1:]
        back = client.get("/api/workflow/queue", params={**params, "stage": "returned"}, headers=town).json()
        assert [(i["id"], i["returned_reason"]) for i in back["items"]] == [(ids[0], "电话号码不对")]
        assert back["items"][0]["returned_at"] and back["next"] is None
        assert client.get("/api/workflow/queue", params=params, headers=prov).json()["stage"] == "city_accepted"

        for who in ("collector", "hotline"):
            r = client.get("/api/workflow/queue", params=params, headers=login(runtime, who, client))
            assert r.status_code == 403
        assert client.get("/api/workflow/queue", params={**params, "stage": "nowhere"}, headers=town).status_code == 422
        assert client.get("/api/workflow/queue", params={"campaign": "nope-2026"}, headers=town).status_code == 404
        # a village-level reviewer has no step of their own and must name the stage
        with runtime.store_scope() as store:
            create_staff(StaffStore(store.session), "villager", "村审核员", PW, "reviewer", TOWNSHIP + "/刘牙村")
        village = login(runtime, "villager", client)
        assert client.get("/api/workflow/queue", params=params, headers=village).status_code == 422
    with runtime.store_scope() as store:
        seen = store.session.exec(select(AuditEntry).where(AuditEntry.action == "workflow_queue",
                                                           AuditEntry.username == "township")).all()
    assert [a.detail for a in seen] == ["veterans-2026 collected: 3 of 3", "veterans-2026 returned: 1 of 1"]
