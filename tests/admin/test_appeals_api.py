"""Appeals end to end: a chat's “转人工” reaches the hotline queue of its region, the answer reaches the chat."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Appeal, Outbox
from tests.admin.conftest import DONGXIANG, ID_A, ID_B, login
from tests.conftest import Chat


def test_chat_appeal_reaches_hotline_and_the_answer_reaches_the_chat(runtime: Runtime, world: dict[str, int]) -> None:
    chat = Chat(runtime, "veterans", user="A")  # the person of record A, identified in the fixture
    chat.say("我要转人工，我的抚恤金一直没发")
    assert "人工" in chat.texts()
    with TestClient(create_app(runtime=runtime)) as client:
        other = login(runtime, "jishishan", client)
        assert client.get("/api/appeals", headers=other).json()["total"] == 0  # another county sees nothing
        h = login(runtime, "hotline", client)
        queue = client.get("/api/appeals", headers=h).json()
        assert queue["total"] == 1
        item = queue["items"][0]
        assert item["source"] == "chat" and item["record_id"] == world["A"] and item["status"] == "new"
        assert item["category"] == "pension"  # classified like any other appeal
        assert "抚恤金" in item["text"] and item["deadline"] is not None and not item["overdue"]
        aid = item["id"]
        assert client.get(f"/api/appeals/{aid}", headers=other).status_code == 404
        assert client.post(f"/api/appeals/{aid}/assign", json={"username": "jishishan"}, headers=h).status_code == 422
        assigned = client.post(f"/api/appeals/{aid}/assign", json={"username": "hotline"}, headers=h).json()
        assert assigned["status"] == "assigned" and assigned["assignee"] == "hotline"
        noted = client.post(f"/api/appeals/{aid}/notes", json={"text": "已联系县退役军人事务局核实"}, headers=h).json()
        assert noted["status"] == "in_progress"
        answered = client.post(f"/api/appeals/{aid}/answer", json={"text": "抚恤金已补发，请查收。"}, headers=h).json()
        assert answered["status"] == "answered"
        assert [n["kind"] for n in answered["notes"]] == ["status", "note", "answer"]
        # the reviewer role may read but not act
        pref = login(runtime, "prefecture", client)
        assert client.get(f"/api/appeals/{aid}", headers=pref).status_code == 200
        assert client.post(f"/api/appeals/{aid}/close", headers=pref).status_code == 403
        assert client.post(f"/api/appeals/{aid}/close", headers=h).json()["status"] == "closed"
        assert client.post(f"/api/appeals/{aid}/notes", json={"text": "x"}, headers=h).status_code == 409
    replies = chat.start()  # the person opens the chat again
    assert replies[0].text == "工作人员回复您：抚恤金已补发，请查收。"
    assert "工作人员回复" not in chat.start()[0].text  # delivered once
    with runtime.store_scope() as store:
        row = store.session.exec(select(Outbox)).one()
        assert row.delivered_at is not None and "补发".encode() not in row.text_enc


def test_hotline_call_is_linked_to_the_person_and_classified(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "hotline", client)
        r = client.post("/api/appeals", json={"text": "老人家住房是危房，想申请危房改造", "id_number": ID_A}, headers=h)
        assert r.status_code == 201
        body = r.json()
        assert body["source"] == "hotline" and body["category"] == "housing" and body["person_id"] is not None
        bad = client.post("/api/appeals", json={"text": "想问问", "id_number": "123"}, headers=h)
        assert bad.status_code == 422
        # a caller from the neighbouring county: nothing about that person is linked or shown
        other = client.post("/api/appeals", json={"text": "想问问优待证的事", "id_number": ID_B}, headers=h)
        assert other.status_code == 201
        assert other.json()["person_id"] is None and other.json()["region"] == DONGXIANG
        assert client.get(f"/api/appeals/{other.json()['id']}", headers=h).status_code == 200
        collector = login(runtime, "collector", client)
        assert client.post("/api/appeals", json={"text": "想问问政策"}, headers=collector).status_code == 403
        assert client.get("/api/appeals", params={"category": "housing"}, headers=h).json()["total"] == 1
    with runtime.store_scope() as store:
        appeal = store.session.exec(select(Appeal).where(Appeal.source == "hotline", Appeal.category == "housing")).one()
        assert "危房".encode() not in (appeal.text_enc or b"")
