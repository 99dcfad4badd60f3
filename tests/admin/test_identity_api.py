"""Blocked identification: the hotline sees its area's blocked persons (masked) and lifts a block once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.identity import ChallengeKind, IdentityChallenge, IdentityThrottle, person_key
from storage.staff import AuditEntry
from tests.admin.conftest import PW, login
from tests.admin.factories import JISHISHAN_VILLAGE, VILLAGE, Maker, warm_up
from tests.server import serve


def throttle(runtime: Runtime, person_id: int) -> tuple[int, bool, bool]:
    with runtime.store_scope() as store:
        row = store.session.exec(select(IdentityThrottle).where(IdentityThrottle.key == person_key(person_id))).one()
        return row.failures, row.locked_until is not None, row.blocked


def open_otps(runtime: Runtime, person_id: int) -> int:
    with runtime.store_scope() as store:
        return len(store.session.exec(select(IdentityChallenge).where(
            IdentityChallenge.person_id == person_id, IdentityChallenge.kind == ChallengeKind.OTP.value,
            IdentityChallenge.used_at == None)).all())  # noqa: E711


def test_the_hotline_lists_and_lifts_blocks_of_its_area(runtime: Runtime, world: dict[str, int]) -> None:
    make = Maker(runtime)
    east = make.person_of(make.record(VILLAGE, name="王五"))
    west = make.person_of(make.record(JISHISHAN_VILLAGE, name="钱八"))
    paused = make.person_of(make.record(VILLAGE, name="周九"))
    make.block(east, failures=6)
    make.block(west)
    with TestClient(create_app(runtime=runtime)) as client:
        hotline = login(runtime, "hotline", client)
        listed = client.get("/api/identity/blocks", headers=hotline)
        assert listed.status_code == 200
        assert [(b["person_id"], b["name"], b["failures"]) for b in listed.json()] == [(east, "王*", 6)]
        assert listed.json()[0]["id_number"].count("*") == 8 and "王五" not in listed.text
        since = datetime.fromisoformat(listed.json()[0]["since"])
        assert since.tzinfo is not None and abs((datetime.now(UTC) - since).total_seconds()) < 120
        assert [b["person_id"] for b in client.get("/api/identity/blocks",
                                                   headers=login(runtime, "jishishan", client)).json()] == [west]
        # the neighbouring county's person is not there for the hotline, nor is anyone who is not blocked
        assert client.post(f"/api/identity/blocks/{west}/lift", headers=hotline).status_code == 404
        assert client.post("/api/identity/blocks/999999/lift", headers=hotline).status_code == 404
        assert client.post("/api/identity/blocks/99999999999/lift", headers=hotline).status_code == 422
        assert client.post(f"/api/identity/blocks/{paused}/lift", headers=hotline).status_code == 409
        for who in ("prefecture", "collector"):  # reviewers and collectors do not lift
            h = login(runtime, who, client)
            assert client.get("/api/identity/blocks", headers=h).status_code == 403
            assert client.post(f"/api/identity/blocks/{east}/lift", headers=h).status_code == 403
        assert throttle(runtime, east) == (6, True, True) and open_otps(runtime, east) == 1

        assert client.post(f"/api/identity/blocks/{east}/lift", headers=hotline).status_code == 204
        assert throttle(runtime, east) == (0, False, False) and open_otps(runtime, east) == 0
        assert client.post(f"/api/identity/blocks/{east}/lift", headers=hotline).status_code == 409  # once
        assert client.get("/api/identity/blocks", headers=hotline).json() == []
    assert throttle(runtime, west) == (5, True, True) and open_otps(runtime, west) == 1
    with runtime.store_scope() as store:
        lifts = store.session.exec(select(AuditEntry).where(AuditEntry.action == "identity_lift")).all()
        assert [(e.username, e.target_id) for e in lifts] == [("hotline", str(east))]
        assert "王" not in lifts[0].detail and make.numbers[east] not in lifts[0].detail
        refused = store.session.exec(select(AuditEntry).where(AuditEntry.action == "read_person",
                                                              AuditEntry.result == "not_found")).all()
        assert {e.target_id for e in refused} >= {str(west), "999999"}


def test_a_concurrent_lift_lifts_once(runtime: Runtime, world: dict[str, int]) -> None:
    make = Maker(runtime)
    east = make.person_of(make.record(VILLAGE))
    make.block(east)
    results: list[int] = []
    with serve(create_app(runtime=runtime)) as one, serve(create_app(runtime=runtime)) as two:
        token = httpx.post(one + "/api/auth/login", json={"username": "hotline", "password": PW}).json()["token"]
        warm_up(one, two)
        barrier = threading.Barrier(4)

        def lift(base: str) -> None:
            barrier.wait()
            r = httpx.post(f"{base}/api/identity/blocks/{east}/lift", headers={"Authorization": f"Bearer {token}"},
                           timeout=60)
            results.append(r.status_code)

        threads = [threading.Thread(target=lift, args=(base,)) for base in (one, two, one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(results) == [204, 409, 409, 409]
    assert throttle(runtime, east) == (0, False, False)
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(AuditEntry).where(AuditEntry.action == "identity_lift")).all()) == 1
