"""The domain's errors as staff see them: RFC 9457 problems from the API, Chinese pages in the console.

A row a store cannot find is 404 whichever store raised it (it used to be a 500); a refusal is
audited while everything else the request did is rolled back (one commit per request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from admin.services.access import require
from admin.services.uow import UnitOfWork
from admin.web.deps import CurrentStaff, Permitted, UowDep
from admin.web.errors import PROBLEM_JSON
from admin.web.security import create_staff
from storage.changes import ChangeStore
from storage.errors import (
    Conflict,
    Forbidden,
    IntakeError,
    InvalidInput,
    NotFound,
    TooLarge,
    TooMany,
    Unavailable,
)
from storage.staff import AuditEntry, Staff
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, PW
from tests.bot.test_engine_other_questionnaires import _load_dongxiang

MISSING = 987654

#: what each store raises for a row it does not have
LOOKUPS: dict[str, Callable[[UnitOfWork], object]] = {
    "person": lambda uow: uow.store.people.get(MISSING),
    "campaign": lambda uow: uow.store.campaigns.get(MISSING),
    "record": lambda uow: uow.store.records.get(MISSING),
    "blob": lambda uow: uow.store.blobs.read(MISSING),
    "change request": lambda uow: ChangeStore(uow.store).get(MISSING),
}


def _probe_app(runtime: Runtime) -> FastAPI:
    """The real app with two extra routes that reach the stores the way a route or service does."""
    app = create_app(runtime=runtime)

    @app.get("/api/probe/lookup/{kind}")
    def lookup(kind: str, staff: CurrentStaff, uow: UowDep) -> dict[str, str]:
        LOOKUPS[kind](uow)
        return {"found": kind}

    @app.post("/api/probe/write-then-refuse")
    def write_then_refuse(staff: CurrentStaff, uow: UowDep) -> None:
        uow.staff.audit("probe_write", staff=staff)  # work done before the refusal: must not be kept
        require(uow.staff, staff, "export", "probe")

    @app.get("/api/probe/permitted/{record_id}")
    def permitted(record_id: int, staff: Annotated[Staff, Depends(Permitted("records.reveal", "record_id"))]) -> None:
        return None

    return app


@pytest.fixture
def client(runtime: Runtime, tmp_path: Path) -> Iterator[TestClient]:
    _load_dongxiang(runtime, tmp_path)
    with runtime.store_scope() as store:
        create_staff(StaffStore(store.session), "admin", "管理员", PW, "region_admin", DONGXIANG)
        create_staff(StaffStore(store.session), "collector", "采集员", PW, "collector", DONGXIANG)
    with TestClient(_probe_app(runtime), raise_server_exceptions=False) as c:
        yield c


def _login(client: TestClient, who: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": who, "password": PW})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _audit(runtime: Runtime) -> list[tuple[str, str | None, str]]:
    with runtime.store_scope() as store:
        rows = store.session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
        return [(e.action, e.target_id, e.result) for e in rows]


def test_a_row_no_store_has_is_404_for_every_resource_type(client: TestClient) -> None:
    h = _login(client, "admin")
    for kind in LOOKUPS:
        r = client.get(f"/api/probe/lookup/{kind}", headers=h)
        assert r.status_code == 404, (kind, r.status_code, r.text)
        assert r.headers["content-type"] == PROBLEM_JSON
        assert r.json() == {"type": "urn:intake:problem:NotFound", "title": "Not found", "status": 404,
                            "detail": f"{kind} {MISSING}"}


#: every route that names a row by id, with a valid body: a missing row is a 404 problem, never a 500
MISSING_ROWS = [
    ("GET", f"/api/records/{MISSING}", None),
    ("POST", f"/api/records/{MISSING}/reveal", {"key": "name"}),
    ("POST", f"/api/records/{MISSING}/answers/gender", {"text": "男", "reason": "电话核实"}),
    ("GET", f"/api/records/{MISSING}/blobs/{MISSING}", None),
    ("POST", f"/api/flags/{MISSING}/approve", None),
    ("GET", f"/api/appeals/{MISSING}", None),
    ("POST", f"/api/appeals/{MISSING}/assign", {"username": "admin"}),
    ("POST", f"/api/appeals/{MISSING}/notes", {"text": "回过电话"}),
    ("POST", f"/api/appeals/{MISSING}/answer", {"text": "已经办好了"}),
    ("POST", f"/api/appeals/{MISSING}/close", None),
    ("GET", f"/api/appeals/{MISSING}/recording", None),
    ("GET", f"/api/changes/{MISSING}", None),
    ("POST", f"/api/changes/{MISSING}/reveal", None),
    ("POST", f"/api/changes/{MISSING}/approve", {"reason": "电话核实"}),
    ("POST", f"/api/changes/{MISSING}/reject", {"reason": "电话核实"}),
    ("POST", f"/api/declarations/{MISSING}/merge", {"reason": "电话核实"}),
    ("POST", f"/api/declarations/{MISSING}/dismiss", {"reason": "电话核实"}),
    ("POST", f"/api/persons/{MISSING}/claim", {"region": DONGXIANG}),
    ("POST", f"/api/identity/blocks/{MISSING}/lift", None),
    ("GET", f"/api/reconcile/runs/{MISSING}", None),
    ("GET", f"/api/reconcile/runs/{MISSING}/items", None),
    ("POST", f"/api/reconcile/items/{MISSING}/resolve", {"note": "已核实"}),
    ("GET", f"/api/interviews/{MISSING}", None),
    ("POST", f"/api/interviews/{MISSING}/answer", {"text": "男"}),
    ("GET", "/api/workflow/sample?campaign=no-such-campaign", None),
]


def test_every_route_answers_a_missing_row_with_a_404_problem(client: TestClient) -> None:
    h = _login(client, "admin")
    for method, path, body in MISSING_ROWS:
        r = client.request(method, path, json=body, headers=h)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.headers["content-type"] == PROBLEM_JSON, path
        problem = r.json()
        assert (problem["type"], problem["title"], problem["status"]) == ("urn:intake:problem:NotFound", "Not found", 404)
        assert problem["detail"].startswith("no "), (path, problem)


def test_the_api_answers_problems_with_the_detail_tests_and_clients_read(client: TestClient,
                                                                        runtime: Runtime) -> None:
    r = client.get("/api/records")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.json() == {"type": "urn:intake:problem:Unauthorized", "title": "Unauthorized", "status": 401,
                        "detail": "login required"}
    h = _login(client, "admin")
    gone = client.get(f"/api/records/{MISSING}", headers=h)
    assert gone.status_code == 404 and gone.json()["detail"] == f"no record {MISSING}"
    assert ("read_record", str(MISSING), "not_found") in _audit(runtime)  # kept although the request failed
    unknown = client.get("/api/no-such-route", headers=h)  # a framework 404 is a problem too
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM_JSON
    assert unknown.json() == {"type": "about:blank", "title": "Not found", "status": 404, "detail": "Not Found"}


def test_a_refusal_is_audited_and_nothing_else_of_the_request_is_kept(client: TestClient, runtime: Runtime) -> None:
    h = _login(client, "collector")
    r = client.post("/api/probe/write-then-refuse", headers=h)
    assert r.status_code == 403, r.text
    assert r.json()["type"] == "urn:intake:problem:Forbidden"
    assert r.json()["detail"] == "your role (collector) may not do this (export)"
    actions = _audit(runtime)
    assert ("denied", "probe", "denied") in actions
    assert not any(action == "probe_write" for action, _, _ in actions)


def test_a_permission_dependency_refuses_before_the_route_runs_and_audits_the_target(client: TestClient,
                                                                                     runtime: Runtime) -> None:
    assert client.get("/api/probe/permitted/7", headers=_login(client, "collector")).status_code == 403
    assert ("denied", "7", "denied") in _audit(runtime)
    assert client.get("/api/probe/permitted/7", headers=_login(client, "admin")).status_code == 200


def test_the_console_shows_a_missing_record_as_a_chinese_page(client: TestClient) -> None:
    _login(client, "admin")  # the login also sets the console's session cookie
    page = client.get(f"/admin/records/{MISSING}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "没有找到这条信息" in page.text


def test_the_console_refuses_in_chinese_and_keeps_only_the_refusal(client: TestClient, runtime: Runtime) -> None:
    _login(client, "collector")
    page = client.get("/admin/exports")
    assert page.status_code == 403
    assert "您的岗位（采集员）没有使用这个功能的权限" in page.text
    assert ("denied", None, "denied") in _audit(runtime)  # the refusal is on record, as from the API


@pytest.mark.parametrize(("error", "status"), [
    (InvalidInput("x"), 422), (TooLarge("x"), 413), (Forbidden("x"), 403), (NotFound("x"), 404),
    (Conflict("x"), 409), (TooMany("x", retry_after=5), 429), (Unavailable("x"), 503), (IntakeError("x"), 500),
])
def test_every_branch_of_the_tree_has_its_status_and_a_chinese_message(error: IntakeError, status: int) -> None:
    assert error.status == status and error.detail == "x"
    assert error.user_message and all(not ch.isascii() for ch in error.user_message[:2])
    assert NotFound("x", message_zh="没有这个人。").user_message == "没有这个人。"
