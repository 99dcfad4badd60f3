"""CSRF: what the console's cookie authenticates changes nothing unless the request comes from the console.

The four actions reproduced from outside (approve a flag, close an appeal, import a department's
list, log out) are forged with the cookie: from a foreign Origin, without an Origin or Referer,
without the token and with another login's token; each is refused with 403 and changes nothing.
The same request with the page's token from this site works, and bearer-token clients need neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from admin.web.csrf import BAD_TOKEN, FOREIGN_ORIGIN, NO_ORIGIN, NO_TOKEN
from storage.models import Appeal, Flag
from storage.reconcile import ReconcileRun
from storage.staff import StaffSession
from tests.admin.conftest import DONGXIANG, ID_A, PW

SITE = "http://testserver"


@dataclass
class Console:
    """A browser logged in to the console (the cookie in the client) and the token its pages carry."""

    client: TestClient
    runtime: Runtime
    csrf: str
    bearer: str

    def page_token(self) -> str:
        """The CSRF token as a console page carries it."""
        html = self.client.get("/admin").text
        found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html)
        assert found is not None, "the console page carries no CSRF token"
        return found.group(1)


@pytest.fixture
def console(runtime: Runtime, world: dict[str, int]) -> Iterator[Console]:
    with TestClient(create_app(runtime=runtime)) as client:
        r = client.post("/api/auth/login", json={"username": "dongxiang", "password": PW})
        assert r.status_code == 200 and "intake_staff" in client.cookies
        yield Console(client, runtime, r.json()["csrf_token"], r.json()["token"])


def _open_flag(rt: Runtime) -> int:
    with rt.store_scope() as store:
        flags = store.session.exec(select(Flag).where(Flag.status == "open")).all()
        return next(f.id for f in flags if f.id is not None)


def _new_appeal(rt: Runtime) -> int:
    with rt.store_scope() as store:
        region = store.regions.by_path(DONGXIANG)
        assert region is not None
        return store.appeals.create(source="hotline", text="想问问补贴的事", region_id=region.id).id or 0


@dataclass(frozen=True)
class Action:
    """A state-changing request of the console, and how to see whether it happened."""

    name: str
    send: Callable[[TestClient, dict[str, str]], Response]
    done: Callable[[Runtime], bool]


def actions(c: Console) -> list[Action]:
    flag, appeal = _open_flag(c.runtime), _new_appeal(c.runtime)
    listing = ("低保名单.csv", f"身份证号,是否低保\n{ID_A},是\n".encode())
    form = {"campaign": "veterans-2026", "department": "dibao",
            "mapping": '{"id_column": "身份证号", "columns": {"是否低保": "dibao"}}'}

    def flag_done(rt: Runtime) -> bool:
        with rt.store_scope() as store:
            return store.session.get(Flag, flag).status != "open"  # type: ignore[union-attr]

    def appeal_done(rt: Runtime) -> bool:
        with rt.store_scope() as store:
            return store.session.get(Appeal, appeal).status == "closed"  # type: ignore[union-attr]

    def imported(rt: Runtime) -> bool:
        with rt.store_scope() as store:
            return store.session.exec(select(ReconcileRun)).first() is not None

    def logged_out(rt: Runtime) -> bool:
        with rt.store_scope() as store:
            return any(s.revoked for s in store.session.exec(select(StaffSession)))

    return [
        Action("approve flag", lambda cl, h: cl.post(f"/api/flags/{flag}/approve", headers=h), flag_done),
        Action("close appeal", lambda cl, h: cl.post(f"/api/appeals/{appeal}/close", headers=h), appeal_done),
        Action("import list", lambda cl, h: cl.post("/api/reconcile", headers=h, files={"file": listing}, data=form),
               imported),
        Action("logout", lambda cl, h: cl.post("/api/auth/logout", headers=h), logged_out),
    ]


def test_forged_requests_with_the_cookie_are_refused(console: Console) -> None:
    other = "0" * 64  # a well-formed token of no login
    forged = [
        ({"Origin": "https://evil.example"}, FOREIGN_ORIGIN),
        ({"Origin": "https://evil.example", "X-CSRF-Token": console.csrf}, FOREIGN_ORIGIN),
        ({"Origin": "null", "X-CSRF-Token": console.csrf}, FOREIGN_ORIGIN),
        ({"Origin": "http://testserver.evil.example", "X-CSRF-Token": console.csrf}, FOREIGN_ORIGIN),
        ({"Referer": "https://evil.example/admin", "X-CSRF-Token": console.csrf}, FOREIGN_ORIGIN),
        ({"X-CSRF-Token": console.csrf}, NO_ORIGIN),
        ({"Origin": SITE}, NO_TOKEN),
        ({"Origin": SITE, "X-CSRF-Token": other}, BAD_TOKEN),
    ]
    for action in actions(console):
        for headers, detail in forged:
            r = action.send(console.client, headers)
            assert (r.status_code, r.json()) == (403, {"detail": detail}), (action.name, headers)
            assert not action.done(console.runtime), (action.name, headers)


def test_the_consoles_own_requests_work(console: Console) -> None:
    token = console.page_token()
    assert token == console.csrf
    for action in actions(console):
        headers = {"Origin": SITE, "X-CSRF-Token": token} if action.name != "import list" else \
            {"Referer": SITE + "/admin/reconcile", "X-CSRF-Token": token}  # Referer when a browser sends no Origin
        r = action.send(console.client, headers)
        assert r.status_code in (200, 201, 204), (action.name, r.text)
        assert action.done(console.runtime), action.name


def test_bearer_clients_need_no_token_nor_origin(console: Console) -> None:
    bearer = {"Authorization": f"Bearer {console.bearer}"}
    console.client.cookies.clear()
    for action in actions(console):
        r = action.send(console.client, bearer)
        assert r.status_code in (200, 201, 204), (action.name, r.text)
        assert action.done(console.runtime), action.name


def test_without_a_cookie_a_request_is_just_unauthenticated(console: Console) -> None:
    console.client.cookies.clear()
    r = console.client.post(f"/api/flags/{_open_flag(console.runtime)}/approve", headers={"Origin": "https://evil.example"})
    assert r.status_code == 401


def test_a_forged_cross_site_login_is_refused(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        body = {"username": "dongxiang", "password": PW}
        r = client.post("/api/auth/login", json=body, headers={"Origin": "https://evil.example"})
        assert (r.status_code, r.json()) == (403, {"detail": FOREIGN_ORIGIN}) and "intake_staff" not in client.cookies
        assert client.post("/api/auth/login", json=body, headers={"Origin": SITE}).status_code == 200
        assert client.post("/api/auth/login", json=body).status_code == 200  # API clients send no Origin


def test_the_chat_is_not_affected_by_a_staff_cookie(console: Console) -> None:
    """A member of staff may fill a questionnaire in the same browser: the chat does not use the staff cookie."""
    r = console.client.post("/chat/veterans/messages", json={"text": "你好"}, headers={"Origin": SITE})
    assert r.status_code == 200


def test_more_forgeries_are_refused(console: Console) -> None:
    """Attacks kept as tests: another port of this host, an empty bearer header beside the cookie, a PUT."""
    flag = _open_flag(console.runtime)
    for headers in ({"Origin": SITE + ":8080", "X-CSRF-Token": console.csrf},
                    {"Origin": "https://testserver", "X-CSRF-Token": "x" * 64},
                    {"Authorization": "Bearer ", "Origin": "https://evil.example"},
                    {"Authorization": "Basic Zm9vOmJhcg==", "Origin": "https://evil.example"}):
        r = console.client.post(f"/api/flags/{flag}/approve", headers=headers)
        assert r.status_code == 403, headers
    r = console.client.put("/api/workflow/rate/veterans-2026", json={"rate": 0.5}, headers={"Origin": SITE})
    assert (r.status_code, r.json()) == (403, {"detail": NO_TOKEN})
    with console.runtime.store_scope() as store:
        assert store.session.get(Flag, flag).status == "open"  # type: ignore[union-attr]
