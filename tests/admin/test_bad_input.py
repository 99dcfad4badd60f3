"""Input no route can hold: ids beyond a database integer, lone UTF-16 surrogates, huge and overlong bodies.

None of it may be a 500, and no error may echo what was sent. Every route of the app is tried,
from the OpenAPI document (path, query and body ids) and from the console's page routes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Integer, String, bindparam, text
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from admin.app import create_app
from admin.runtime import Runtime
from admin.web import errors
from admin.web.body_guard import MAX_JSON_BYTES, SURROGATE, TOO_LARGE, JsonBodyGuard
from storage.db import session_scope
from tests.admin.conftest import PW, login

HUGE = (2**31, 2**63, 2**64 + 1, 10**30)  # one past PostgreSQL's INTEGER, past SQLite's, and far beyond
LONE = '"\\ud800"'  # JSON for a lone high surrogate
WORDS = {"campaign_key": "veterans-2026", "key": "gender", "name": "veterans"}


@pytest.fixture
def admin(runtime: Runtime, world: dict[str, int]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield client, login(runtime, "dongxiang", client)


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return [(method.upper(), path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _path(path: str, op: dict[str, Any], number: int) -> str:
    for p in op.get("parameters", []):
        if p["in"] == "path":
            value = str(number) if p["schema"].get("type") == "integer" else WORDS.get(p["name"], "x")
            path = path.replace("{" + p["name"] + "}", value)
    return path


def test_huge_ids_in_paths_and_queries_are_refused_not_500(admin: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = admin
    tried = 0
    for method, path, op in _operations(client):
        integers = [p for p in op.get("parameters", []) if p["schema"].get("type") == "integer"]
        if not integers:
            continue
        for number in HUGE:
            query = {p["name"]: number for p in integers if p["in"] == "query"}
            r = client.request(method, _path(path, op, number), params=query, headers=headers,
                               json={} if method in ("POST", "PUT") else None)
            assert r.status_code in (404, 422), (method, path, number, r.status_code, r.text[:200])
            tried += 1
    assert tried >= 4 * 20


def test_huge_ids_in_bodies_are_refused_not_500(admin: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = admin
    for number in HUGE:
        for path, body in (("/api/workflow/advance", {"record_ids": [1, number], "to": "county_checked"}),
                           ("/api/workflow/return", {"record_ids": [number], "reason": "重新核对"}),
                           ("/api/workflow/spot-check", {"record_id": number, "passed": True}),
                           ("/api/interviews", {"questionnaire": "veterans", "mode": "phone", "consent": True,
                                                "person_id": number})):
            r = client.post(path, json=body, headers=headers)
            assert r.status_code == 422, (path, number, r.text[:200])
            assert str(number) not in r.text  # not echoed


def test_console_pages_with_huge_ids_are_not_500(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        client.post("/api/auth/login", json={"username": "dongxiang", "password": PW})  # the console's cookie
        for number in HUGE:
            for page in (f"/admin/records/{number}", f"/admin/appeals/{number}", f"/admin/reconcile/{number}",
                         f"/admin/collect/{number}", f"/admin/records?offset={number}", f"/admin/appeals?offset={number}",
                         f"/admin/workflow?offset={number}", f"/admin/collect?offset={number}"):
                r = client.get(page)
                assert r.status_code in (404, 422), (page, r.status_code)
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"/api/interviews/{2**63}/listen") as ws:
            ws.receive_json()


def test_a_lone_surrogate_in_any_json_body_is_400(admin: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = admin
    tried = 0
    for method, path, op in _operations(client):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        for body in ('{"text": ' + LONE + "}", '{"reason": "ok", "note": ' + LONE + "}", "{" + LONE + ": 1}",
                     "[" + LONE + "]"):
            r = client.request(method, _path(path, op, 1), content=body.encode(), headers={
                **headers, "Content-Type": "application/json"})
            assert (r.status_code, r.json()) == (400, {"detail": SURROGATE}), (method, path, body)
            tried += 1
    assert tried >= 4 * 15
    # without a Content-Type FastAPI reads JSON too; a pair of surrogates (an emoji) is fine
    assert client.post("/chat/veterans/messages", content=('{"text": ' + LONE + "}").encode()).status_code == 400
    r = client.post("/chat/veterans/messages", content=b'{"text": "\\ud83d\\ude00"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200


def test_errors_do_not_echo_the_input(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        secret = "my-real-password-" * 20  # too long: 340 characters
        r = client.post("/api/auth/login", json={"username": "someone", "password": secret})
        assert r.status_code == 422 and "my-real-password" not in r.text
        assert r.json()["detail"][0] == {"type": "string_too_long", "loc": ["body", "password"],
                                         "msg": "String should have at most 256 characters", "ctx": {"max_length": 256}}
        long_text = "很长的回答" * 1000
        r = client.post("/chat/veterans/messages", json={"text": long_text})
        assert r.status_code == 422 and "很长的回答" not in r.text and len(r.content) < 500
        r = client.post("/api/auth/login", json={"username": ["a"] * 3, "password": {"nested": "secret-value"}})
        assert r.status_code == 422 and "secret-value" not in r.text


def test_json_bodies_over_1_mib_are_refused_unread(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        big = json.dumps({"text": "答" * (MAX_JSON_BYTES // 2)}).encode()
        r = client.post("/chat/veterans/messages", content=big, headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()) == (413, {"detail": TOO_LARGE})



def test_the_body_guard_stops_reading_past_the_limit() -> None:
    """A chunked JSON body without Content-Length: reading stops at the first chunk past 1 MiB."""
    received = 0
    reached: list[str] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append("app")

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"x" * (64 * 1024), "more_body": received < 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/chat/veterans/messages",
             "headers": [(b"content-type", b"application/json")]}
    anyio.run(JsonBodyGuard(app), scope, receive, send)
    assert reached == [] and sent[0]["status"] == 413 and received == MAX_JSON_BYTES // (64 * 1024) + 1


def test_the_safety_net_maps_database_range_errors_to_422(runtime: Runtime) -> None:
    """What a route forgot to bound still is no 500: PostgreSQL's integer out of range, SQLite's overflow, NUL."""
    app = FastAPI()
    errors.install(app)

    @app.get("/probe/{number}")
    def probe(number: int, word: str = "") -> dict[str, int]:
        with session_scope(runtime.db) as session:
            query = text("SELECT count(*) FROM campaign WHERE id = :n OR key = :w").bindparams(
                bindparam("n", type_=Integer), bindparam("w", type_=String))  # typed, as the ORM binds them
            found = session.execute(query, {"n": number, "w": word}).scalar_one()
        return {"found": int(found)}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/probe/1").json() == {"found": 0}
        for number in (2**31, 2**63, 2**64):
            r = client.get(f"/probe/{number}")
            assert (r.status_code, r.json().get("detail")) == (422, errors.OUT_OF_RANGE) or (
                runtime.db.dialect.name == "sqlite" and number == 2**31 and r.status_code == 200), number
        r = client.get("/probe/1", params={"word": "a\x00b"})  # SQLite takes NUL, PostgreSQL refuses it
        assert r.status_code == (200 if runtime.db.dialect.name == "sqlite" else 422)


def test_odd_json_and_odd_urls_are_not_500(admin: tuple[TestClient, dict[str, str]]) -> None:
    """Attacks kept as tests: deep nesting, non-finite numbers, huge integers, NUL and surrogate escapes in URLs."""
    client, headers = admin
    json_headers = {**headers, "Content-Type": "application/json"}
    bodies = (b"[" * 100_000 + b"]" * 100_000, b'{"text": NaN}', b'{"username": 1e999, "password": "x"}',
              b'{"text": "a", "message_id": ' + b"9" * 5000 + b"}", b'{"text": "\\u0000"}', b"\xff\xfe{}")
    for body in bodies:
        for path in ("/chat/veterans/messages", "/api/auth/login", "/api/workflow/advance", "/api/appeals"):
            r = client.post(path, content=body, headers=json_headers)
            assert r.status_code < 500, (path, body[:30], r.status_code)
    for url in ("/api/records?campaign=%00", "/api/records?campaign=%ED%A0%80", "/api/stats?campaign=%00&question=x",
                "/api/exports/%00.csv", "/api/workflow/queue?campaign=%00", "/api/reconcile/runs?campaign=%00",
                "/chat/%ED%A0%80", "/api/interviews/roster?questionnaire=%00"):
        r = client.get(url, headers=headers)
        assert r.status_code < 500, (url, r.status_code)
