"""Persons no region places are seen and claimed only from the province; declarations are shown with their
own answers, and decided by the staff of the registered person."""

from __future__ import annotations

import threading

import httpx
from fastapi.testclient import TestClient
from sqlmodel import col, select

from admin.app import create_app
from admin.runtime import Runtime
from storage.identity import Declaration
from storage.models import Person, Record, WorkflowEvent
from storage.staff import AuditEntry
from tests.admin.conftest import DONGXIANG, JISHISHAN, PW, login
from tests.admin.factories import JISHISHAN_VILLAGE, PROVINCE, VILLAGE, Maker, add_staff, warm_up
from tests.server import serve


def _region_id(runtime: Runtime, path: str) -> int:
    with runtime.store_scope() as store:
        region = store.regions.by_path(path)
        assert region is not None and region.id is not None
        return region.id


def test_unplaced_persons_are_seen_and_claimed_only_from_the_province(runtime: Runtime, world: dict[str, int]) -> None:
    add_staff(runtime, "province", "region_admin", PROVINCE)
    add_staff(runtime, "province.reviewer", "reviewer", PROVINCE)
    make = Maker(runtime)
    record = make.record(None, stage=None, name="孙七")
    person = make.person_of(record)
    declared, declaration = make.declaration(person, VILLAGE)
    with runtime.store_scope() as store:  # last year's campaign is closed: its record stays where it is
        old = store.campaigns.ensure("veterans", "2025.1", 2025, "2025", None)
        old.status = "closed"
        store.session.add(old)
        closed, _ = store.records.ensure(old, f"person:{person}", channel="web", person_id=person)
        closed_id = closed.id
    with TestClient(create_app(runtime=runtime)) as client:
        province = login(runtime, "province", client)
        listed = client.get("/api/persons/unplaced", headers=province)
        assert listed.status_code == 200 and listed.json()["total"] == 1
        item = listed.json()["items"][0]
        assert (item["person_id"], item["name"], item["source"]) == (person, "孙*", "self")
        assert [r["id"] for r in item["records"]] == [record, closed_id]
        assert [(d["id"], d["record"]["id"], d["status"]) for d in item["declarations"]] == [(declaration, declared,
                                                                                              "open")]
        assert "孙七" not in listed.text and make.numbers[person] not in listed.text
        for who in ("dongxiang", "jishishan", "prefecture", "collector", "hotline"):  # below the root: none
            h = login(runtime, who, client)
            assert client.get("/api/persons/unplaced", headers=h).json() == {"total": 0, "items": []}
        claim = {"region": DONGXIANG}
        assert client.post(f"/api/persons/{person}/claim", json=claim,
                           headers=login(runtime, "dongxiang", client)).status_code == 404
        for who in ("province.reviewer", "prefecture", "collector", "hotline"):
            assert client.post(f"/api/persons/{person}/claim", json=claim,
                               headers=login(runtime, who, client)).status_code == 403, who
        assert client.post(f"/api/persons/{person}/claim", json={"region": "甘肃省/兰州市/城关区"},
                           headers=province).status_code == 422
        assert client.post("/api/persons/99999999999/claim", json=claim, headers=province).status_code == 422
        assert client.post("/api/persons/999999/claim", json=claim, headers=province).status_code == 404
        with runtime.store_scope() as store:
            assert store.people.get(person).region_id is None

        done = client.post(f"/api/persons/{person}/claim", json={"region": VILLAGE}, headers=province)
        assert done.status_code == 200, done.text
        assert done.json() == {"person_id": person, "region": VILLAGE, "records_moved": 1}
        again = client.post(f"/api/persons/{person}/claim", json={"region": JISHISHAN}, headers=province)
        assert again.status_code == 409
        # the county now sees the person's record; the other county still does not
        assert client.get(f"/api/records/{record}", headers=login(runtime, "dongxiang", client)).status_code == 200
        assert client.get(f"/api/records/{record}", headers=login(runtime, "jishishan", client)).status_code == 404
        assert client.post(f"/api/persons/{person}/claim", json=claim,
                           headers=login(runtime, "dongxiang", client)).status_code == 409  # placed, in their area
    village = _region_id(runtime, VILLAGE)
    with runtime.store_scope() as store:
        assert store.people.get(person).region_id == village
        assert store.records.get(record).region_id == village
        assert store.records.get(closed_id or 0).region_id is None
        claims = store.session.exec(select(AuditEntry).where(AuditEntry.action == "claim_person")).all()
        assert [(e.username, e.target_id, e.detail) for e in claims] == [
            ("province", str(person), f"region none -> {village}; 1 record(s) moved")]


def test_concurrent_claims_place_the_person_once(runtime: Runtime, world: dict[str, int]) -> None:
    add_staff(runtime, "province", "region_admin", PROVINCE)
    make = Maker(runtime)
    record = make.record(None, stage=None)
    person = make.person_of(record)
    results: list[tuple[str, int]] = []
    with serve(create_app(runtime=runtime)) as one, serve(create_app(runtime=runtime)) as two:
        token = httpx.post(one + "/api/auth/login", json={"username": "province", "password": PW}).json()["token"]
        warm_up(one, two)
        barrier = threading.Barrier(4)

        def claim(base: str, region: str) -> None:
            barrier.wait()
            r = httpx.post(f"{base}/api/persons/{person}/claim", json={"region": region},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
            results.append((region, r.status_code))

        threads = [threading.Thread(target=claim, args=args) for args in (
            (one, DONGXIANG), (two, JISHISHAN), (one, JISHISHAN), (two, DONGXIANG))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(code for _, code in results) == [200, 409, 409, 409]
    winner = next(region for region, code in results if code == 200)
    with runtime.store_scope() as store:
        assert store.people.get(person).region_id == store.records.get(record).region_id == _region_id(runtime, winner)
        assert len(store.session.exec(select(AuditEntry).where(AuditEntry.action == "claim_person")).all()) == 1


def test_declarations_show_their_own_answers_and_the_persons_side_decides(runtime: Runtime,
                                                                         world: dict[str, int]) -> None:
    make = Maker(runtime)
    own = make.record(VILLAGE, name="王五")
    person = make.person_of(own)
    declared, declaration = make.declaration(person, JISHISHAN_VILLAGE, name="赵六")  # made in the other county
    west_person = make.person_of(make.record(JISHISHAN_VILLAGE, name="钱八"))
    west_declared, west_declaration = make.declaration(west_person, JISHISHAN_VILLAGE)
    masked = make.numbers[person][:6] + "********" + make.numbers[person][-4:]
    with TestClient(create_app(runtime=runtime)) as client:
        west = login(runtime, "jishishan", client)
        east = login(runtime, "dongxiang", client)
        # the declaration's own county lists it with its own answers, marked, and nothing of the person
        items = {i["id"]: i for i in client.get("/api/records", headers=west).json()["items"]}
        mine = items[declared]
        assert (mine["subject"], mine["id_number"]) == ("赵*", masked)
        assert mine["declaration"]["status"] == "open" and mine["declaration"]["person"] is None
        assert "王" not in str(mine)
        # the person's county sees it under their person, with the link, and may read it
        listed = client.get("/api/declarations", headers=east).json()
        assert [(d["id"], d["decides"]) for d in listed["items"]] == [(declaration, True)]
        link = listed["items"][0]["record"]["declaration"]["person"]
        assert link == {"person_id": person, "name": "王*", "id_number": masked, "region": VILLAGE, "record_ids": [own]}
        assert client.get("/api/declarations", params={"person_id": person}, headers=east).json()["total"] == 1
        assert client.get("/api/declarations", params={"person_id": person}, headers=west).status_code == 404
        assert [d["decides"] for d in client.get("/api/declarations", headers=west).json()["items"]] == [True, False]
        detail = client.get(f"/api/records/{declared}", headers=east)
        assert detail.status_code == 200 and detail.json()["summary"]["declaration"]["person"]["person_id"] == person
        assert client.get(f"/api/records/{west_declared}", headers=east).status_code == 404
        # only the person's side decides; the declaration's county is refused, strangers get 404
        before = make.state(declared)
        r = client.post(f"/api/declarations/{declaration}/merge", json={"reason": "是本人"}, headers=west)
        assert r.status_code == 403 and "registered person" in r.json()["detail"]
        assert client.post(f"/api/declarations/{west_declaration}/merge", json={"reason": "是本人"},
                           headers=east).status_code == 404
        assert client.post("/api/declarations/999999/merge", json={"reason": "是本人"}, headers=east).status_code == 404
        assert client.post(f"/api/declarations/{declaration}/merge", json={"reason": "是本人"},
                           headers=login(runtime, "collector", client)).status_code == 403
        assert make.state(declared) == before
        # nor can the declaration's county close its "not verified" flag by accepting it as a flag
        with runtime.store_scope() as store:
            unverified = next(f for f in store.records.flags(declared) if f.reason == "unverified")
        refused = client.post(f"/api/flags/{unverified.id}/approve", headers=west)
        assert refused.status_code == 409 and "registered person" in refused.json()["detail"]
        assert make.state(declared) == before

        done = client.post(f"/api/declarations/{declaration}/dismiss", json={"reason": "不是本人"}, headers=east)
        assert done.status_code == 200 and done.json()["status"] == "dismissed" and not done.json()["decides"]
        again = client.post(f"/api/declarations/{declaration}/merge", json={"reason": "是本人"}, headers=east)
        assert again.status_code == 409
        merged = client.post(f"/api/declarations/{west_declaration}/merge", json={"reason": "是本人"}, headers=west)
        assert merged.status_code == 200 and merged.json()["status"] == "merged"
    with runtime.store_scope() as store:
        rows = {d.id: d.status for d in store.session.exec(select(Declaration)).all()}
        assert rows == {declaration: "dismissed", west_declaration: "merged"}
        assert [f.reason for f in store.records.flags(declared)] == []  # the "not verified" flag is closed
        events = store.session.exec(select(WorkflowEvent).where(WorkflowEvent.record_id == declared)).all()
        assert [(e.action, e.reason) for e in events] == [("declaration_dismissed", "不是本人")]
        # the registered person and their record are as they were
        assert store.people.get(person).region_id == _region_id(runtime, VILLAGE)
        assert store.session.exec(select(Record).where(Record.person_id == person)).one().id == own
        assert store.session.get(Person, person) is not None
        audited = store.session.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("declaration_"))).all()
        assert {(e.username, e.action) for e in audited} == {("dongxiang", "declaration_dismissed"),
                                                             ("jishishan", "declaration_merged")}
