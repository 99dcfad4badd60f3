"""Opening an interview by ID number neither leaks nor claims; link codes from the collector's console."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.identity import ChallengeKind, Declaration, IdentityChallenge, IdentityStore
from storage.models import Conversation, Person, Record
from storage.staff import AuditEntry
from tests.admin.conftest import ID_A, ID_B, login
from tests.admin.factories import Maker
from tests.admin.test_collect import person_id, staff_id
from tests.helpers import make_id

OPEN = {"questionnaire": "veterans", "mode": "visit", "consent": True}


def shape(node: Any) -> Any:
    """The keys, nulls and types of an answer, without its values."""
    if isinstance(node, dict):
        return {k: shape(v) for k, v in node.items()}
    if isinstance(node, list):
        return [shape(v) for v in node]
    return None if node is None else type(node).__name__


def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    """An interview's state without its conversation and record ids (those differ for any two interviews)."""
    return {k: v for k, v in body.items() if k not in ("id", "record_id")}


def person_state(runtime: Runtime, number: str) -> tuple[object, ...]:
    """A registered person and their records, as nothing may change them."""
    with runtime.store_scope() as store:
        person = store.people.find(number)
        assert person is not None
        records = store.session.exec(select(Record).where(Record.person_id == person.id)).all()
        return (person.region_id, store.people.name(person), store.people.phone(person), person.source,
                sorted((r.id, r.region_id, r.status, r.stage, len(store.records.answer_history(r.id or 0))) for r in records))


def test_an_id_number_of_another_county_answers_exactly_like_an_unknown_one(runtime: Runtime,
                                                                            world: dict[str, int]) -> None:
    unknown = make_id("622926", "19580808", "113")
    before = person_state(runtime, ID_B)
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        new = client.post("/api/interviews", json={**OPEN, "id_number": unknown}, headers=h)
        hidden = client.post("/api/interviews", json={**OPEN, "id_number": ID_B}, headers=h)
        assert new.status_code == hidden.status_code == 201, (new.text, hidden.text)
        a, b = new.json(), hidden.json()
        assert shape(a) == shape(b)
        assert a["person"] == {"id": None, "name": None, "id_number": unknown[:6] + "********" + unknown[-4:],
                               "phone": None, "region": a["person"]["region"]}
        assert b["person"] == {**a["person"], "id_number": ID_B[:6] + "********" + ID_B[-4:]}
        assert {**without_ids(a), "person": None} == {**without_ids(b), "person": None}  # the same words, too
        assert "李四" not in hidden.text and "13800001111" not in hidden.text and "积石山" not in hidden.text
        # read again, answered, and opened again: still alike, and each shows what was said in it
        for body in (a, b):
            state = client.get(f"/api/interviews/{body['id']}", headers=h).json()
            assert state["question"]["key"] == "recipient_kind"
            for text in ("退役士兵", "赵六"):
                state = client.post(f"/api/interviews/{body['id']}/answer", json={"text": text}, headers=h).json()
            assert state["person"]["name"] == "赵六" and state["question"]["key"] == "gender"
        again_a = client.post("/api/interviews", json={**OPEN, "id_number": unknown}, headers=h).json()
        again_b = client.post("/api/interviews", json={**OPEN, "id_number": ID_B}, headers=h).json()
        assert (again_a["id"], again_b["id"]) == (a["id"], b["id"])  # the same interviews continue
        assert {**without_ids(again_a), "person": None} == {**without_ids(again_b), "person": None}
        assert shape(again_a) == shape(again_b) and again_a["person"]["name"] == again_b["person"]["name"] == "赵六"
        # the other mode is a new conversation of the same record: welcomed back alike
        other_a = client.post("/api/interviews", json={**OPEN, "mode": "phone", "id_number": unknown}, headers=h).json()
        other_b = client.post("/api/interviews", json={**OPEN, "mode": "phone", "id_number": ID_B}, headers=h).json()
        assert other_b["record_id"] == b["record_id"] and other_b["id"] != b["id"]
        assert {**without_ids(other_a), "person": None} == {**without_ids(other_b), "person": None}
        assert other_b["replies"][0]["text"].startswith("欢迎回来")
        # the collector's record list tells the two apart by nothing either: no mark, no extra flag
        listed = {i["id"]: i for i in client.get("/api/records", headers=h).json()["items"]}
        new_row, hidden_row = listed[a["record_id"]], listed[b["record_id"]]
        assert hidden_row["declaration"] is None and hidden_row["open_flags"] == new_row["open_flags"]
        details = [client.get(f"/api/records/{x['record_id']}", headers=h).json() for x in (a, b)]
        assert [[f["reason"] for v in d["answers"] for f in v["flags"]] for d in details] == [[], []]
    # B and B's record are untouched; the declaration is a record of its own in the collector's village
    assert person_state(runtime, ID_B) == before
    with runtime.store_scope() as store:
        record = store.records.get(b["record_id"])
        declaration = IdentityStore(store).declaration_of(record.id or 0)
        village = store.regions.by_path("甘肃省/临夏回族自治州/东乡族自治县/东塬乡/东塬村")
        assert record.person_id is None and village is not None and record.region_id == village.id
        assert declaration is not None and declaration.person_id == person_id(runtime, ID_B)
        assert (declaration.source, declaration.opened_by) == ("collector", f"collector:{staff_id(runtime, 'collector')}")
        assert store.records.current_answers(record.id or 0)["id_number"].value == ID_B  # the number the collector typed
        assert [f.reason for f in store.records.flags(record.id or 0)] == ["unverified"]
        users = {c.channel_user_id for c in store.session.exec(select(Conversation)).all()}
        assert f"staff-{staff_id(runtime, 'collector')}-record-{record.id}" in users  # names the record only
        assert not any(u.endswith(f"-person-{person_id(runtime, ID_B)}") for u in users)
        assert len(store.session.exec(select(Declaration)).all()) == 1
        opened = store.session.exec(select(AuditEntry).where(AuditEntry.action == "interview_open")).all()
        assert {str(b["record_id"]), str(a["record_id"])} <= {e.target_id for e in opened}
        assert all(ID_B not in e.detail and "李四" not in e.detail for e in opened)


def test_a_county_collector_cannot_claim_a_person_no_region_places(runtime: Runtime, world: dict[str, int]) -> None:
    make = Maker(runtime)
    unplaced = make.record(None, stage=None, name="孙七", phone="13600007777")
    number = make.numbers[make.person_of(unplaced)]
    before = person_state(runtime, number)
    with TestClient(create_app(runtime=runtime)) as client:
        for who in ("collector", "dongxiang"):
            r = client.post("/api/interviews", json={**OPEN, "id_number": number}, headers=login(runtime, who, client))
            assert r.status_code == 201, r.text
            body = r.json()
            assert body["person"]["name"] is None and body["person"]["phone"] is None and body["person"]["id"] is None
            assert "孙七" not in r.text and "13600007777" not in r.text and body["record_id"] != unplaced
            # their record of the person stays out of reach
            assert client.get(f"/api/records/{unplaced}", headers=login(runtime, who, client)).status_code == 404
    assert person_state(runtime, number) == before  # still placed nowhere, record and all
    with runtime.store_scope() as store:
        person = store.people.find(number)
        assert person is not None and person.region_id is None
        assert len(IdentityStore(store).declarations_for(person.id or 0)) == 2


def test_an_id_number_of_the_callers_area_opens_the_persons_own_record(runtime: Runtime,
                                                                      world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        r = client.post("/api/interviews", json={**OPEN, "id_number": ID_A}, headers=login(runtime, "collector", client))
        assert r.status_code == 201
        body = r.json()
        assert body["record_id"] == world["A"] and body["person"]["name"] == "张三"
        assert body["person"]["phone"] == "13912345678" and body["person"]["id"] == person_id(runtime, ID_A)
    with runtime.store_scope() as store:
        assert store.session.exec(select(Declaration)).all() == []


def test_a_link_code_for_the_person_interviewed(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        own = client.post("/api/interviews", json={**OPEN, "person_id": person_id(runtime, ID_A)}, headers=h).json()
        declared = client.post("/api/interviews", json={**OPEN, "id_number": ID_B}, headers=h).json()
        first = client.post(f"/api/interviews/{own['id']}/link-code", headers=h)
        assert first.status_code == 201 and first.headers["cache-control"] == "no-store"
        code = first.json()["code"]
        assert re.fullmatch(r"\d{8}", code)
        assert first.json()["message"] == f"绑定码 {code}，15分钟内有效。请对方在微信或网页里发送：绑定 {code}"
        expires = datetime.fromisoformat(first.json()["expires_at"])
        assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
        second = client.post(f"/api/interviews/{own['id']}/link-code", headers=h).json()["code"]
        # not for a declaration, not for hotline staff, not in someone else's interview
        refused = client.post(f"/api/interviews/{declared['id']}/link-code", headers=h)
        assert refused.status_code == 409 and "declaration" in refused.json()["detail"]
        hotline = client.post(f"/api/interviews/{own['id']}/link-code", headers=login(runtime, "hotline", client))
        assert hotline.status_code == 403
        county = client.post(f"/api/interviews/{own['id']}/link-code", headers=login(runtime, "dongxiang", client))
        assert county.status_code == 404
        assert client.post("/api/interviews/99999999999/link-code", headers=h).status_code == 422  # not a row id
        assert client.post("/api/interviews", json={**OPEN, "person_id": 99999999999}, headers=h).status_code == 422
    now = datetime.now(UTC)
    with runtime.store_scope() as store:
        identity = IdentityStore(store)
        assert identity.link_challenge(code, now) is None  # retired by the second code
        live = identity.link_challenge(second, now)
        assert live is not None and live.person_id == person_id(runtime, ID_A)
        assert live.staff_id == staff_id(runtime, "collector") and live.code_index != second
        rows = store.session.exec(select(IdentityChallenge).where(
            IdentityChallenge.kind == ChallengeKind.LINK.value)).all()
        assert len(rows) == 2 and {r.person_id for r in rows} == {person_id(runtime, ID_A)}  # none for the declaration
        made = store.session.exec(select(AuditEntry).where(AuditEntry.action == "link_code")).all()
        assert [e.target_id for e in made] == [str(person_id(runtime, ID_A))] * 2
        assert all(code not in e.detail and second not in e.detail for e in made)
        b = store.people.find(ID_B)
        assert b is not None and store.session.exec(select(Person).where(Person.id == b.id)).one().region_id


def test_the_same_collector_continues_the_same_declaration_after_it_was_decided(runtime: Runtime,
                                                                              world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        first = client.post("/api/interviews", json={**OPEN, "id_number": ID_B}, headers=h).json()
        listed = client.get("/api/declarations", headers=login(runtime, "jishishan", client)).json()["items"]
        assert [d["record"]["id"] for d in listed] == [first["record_id"]]
        dismissed = client.post(f"/api/declarations/{listed[0]['id']}/dismiss", json={"reason": "不是本人"},
                                headers=login(runtime, "jishishan", client))
        assert dismissed.status_code == 200
        again = client.post("/api/interviews", json={**OPEN, "id_number": ID_B}, headers=h).json()
        assert (again["id"], again["record_id"]) == (first["id"], first["record_id"])
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(Declaration)).all()) == 1
