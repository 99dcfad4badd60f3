"""Staff accounts: login with argon2 hashes, expiring tokens, lock-out, logout, the append-only audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime, build_runtime
from admin.web.security import StaffInputError, create_staff
from nlu.tokenizer import Tokenizer
from storage.staff import AuditEntry, LoginLimit, Staff, StaffSession
from storage.staff_repo import StaffStore
from tests.bot.test_engine_other_questionnaires import _load_dongxiang
from tests.conftest import TEST_SECRET, make_settings

COUNTY = "甘肃省/临夏回族自治州/东乡族自治县"
PASSWORD = "correct horse battery"


@pytest.fixture
def staffed(runtime: Runtime, tmp_path: Path) -> Runtime:
    _load_dongxiang(runtime, tmp_path)
    with runtime.store_scope() as store:
        create_staff(StaffStore(store.session), "county_admin", "县管理员", PASSWORD, "region_admin", COUNTY)
    return runtime


def test_login_me_logout(staffed: Runtime) -> None:
    with TestClient(create_app(runtime=staffed)) as client:
        assert client.get("/api/auth/me").status_code == 401
        r = client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD})
        assert r.status_code == 200
        token = r.json()["token"]
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "region_admin" and me["region_path"] == COUNTY
        assert client.get("/api/auth/me").status_code == 200  # the HttpOnly cookie works for the console
        assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
        assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with staffed.store_scope() as store:
        staff = store.session.exec(select(Staff)).one()
        assert staff.password_hash.startswith("$argon2id$") and PASSWORD not in staff.password_hash
        rows = store.session.exec(select(StaffSession)).all()
        assert len(rows) == 1 and rows[0].revoked and token not in rows[0].token_hash
        actions = [(a.action, a.result) for a in store.session.exec(select(AuditEntry)).all()]
        assert actions == [("login", "ok"), ("logout", "ok")]


def test_lockout_after_five_failures_and_expiry(staffed: Runtime) -> None:
    with TestClient(create_app(runtime=staffed)) as client:
        for _ in range(4):
            assert client.post("/api/auth/login", json={"username": "county_admin", "password": "x"}).status_code == 401
        assert client.post("/api/auth/login", json={"username": "county_admin", "password": "x"}).status_code == 423
        # locked: even the right password is refused until the lock ends
        assert client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD}).status_code == 423
        with staffed.store_scope() as store:  # the 15 minutes pass
            for budget in store.session.exec(select(LoginLimit)).all():
                budget.window_ends = datetime.now(UTC) - timedelta(seconds=1)
                store.session.add(budget)
        r = client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD})
        assert r.status_code == 200
        token = r.json()["token"]
        with staffed.store_scope() as store:
            row = store.session.exec(select(StaffSession)).one()
            row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
            store.session.add(row)
        assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert client.post("/api/auth/login", json={"username": "nobody", "password": "x"}).status_code == 401
        assert client.post("/api/auth/login", json={"username": "", "password": "x"}).status_code == 422
    with staffed.store_scope() as store:
        results = [(a.action, a.result, a.detail) for a in store.session.exec(select(AuditEntry)).all()]
    assert results.count(("login", "failed", "wrong password")) == 4
    assert ("login", "failed", "wrong password; locked") in results
    assert ("login", "denied", "locked") in results
    assert ("login", "failed", "unknown user") in results


def test_a_username_without_an_account_locks_like_a_real_one(staffed: Runtime) -> None:
    """Five failures answer 423 whether the account exists or not: the lock-out tells nobody who has one."""
    typed = "secret-password-in-the-wrong-field"
    with TestClient(create_app(runtime=staffed)) as client:
        answers = {}
        for who in ("county_admin", typed):
            codes = [client.post("/api/auth/login", json={"username": who, "password": "x"}) for _ in range(6)]
            answers[who] = [(r.status_code, r.json()["detail"]) for r in codes]
        assert answers["county_admin"] == answers[typed]
        assert [code for code, _ in answers[typed]] == [401, 401, 401, 401, 423, 423]
        # another spelling of the same name shares the counter
        assert client.post("/api/auth/login", json={"username": typed.upper(), "password": "x"}).status_code == 423
    with staffed.store_scope() as store:
        logged = [a.username or "" for a in store.session.exec(select(AuditEntry)).all()]
    assert not any("password" in u for u in logged) and "se…" in logged


def test_audit_log_cannot_be_edited(staffed: Runtime) -> None:
    with staffed.store_scope() as store:
        StaffStore(store.session).audit("export", username="someone")
    for statement in ("UPDATE auditentry SET result = 'x'", "DELETE FROM auditentry"):
        with pytest.raises(DBAPIError), staffed.store_scope() as store:
            store.session.execute(text(statement))
    with staffed.store_scope() as store:
        assert [a.result for a in store.session.exec(select(AuditEntry)).all()] == ["ok"]


def test_staff_input_is_checked(staffed: Runtime) -> None:
    with staffed.store_scope() as store:
        staff = StaffStore(store.session)
        for args, message in [
            (("a", "", PASSWORD, "boss", COUNTY), "unknown role"),
            (("b", "", "short", "collector", COUNTY), "at least"),
            (("c", "", PASSWORD, "collector", "火星"), "no region"),
            (("county_admin", "", PASSWORD, "collector", COUNTY), "taken"),
            (("bad name!", "", PASSWORD, "collector", COUNTY), "username"),
        ]:
            with pytest.raises(StaffInputError, match=message):
                create_staff(staff, *args)
        assert create_staff(staff, "county2", "", PASSWORD, "reviewer", "622926").region_id is not None


def test_staff_add_command(db_url: str, staffed: Runtime) -> None:
    env = {**os.environ, "INTAKE_DATABASE_URL": db_url, "INTAKE_SECRET_KEY": TEST_SECRET}
    cmd = [sys.executable, "-c", "from admin.cli import main; main()", "staff", "add", "collector1",
           "--role", "collector", "--region", COUNTY + "/东塬乡/东塬村", "--password", PASSWORD]
    ok = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert again.returncode == 2 and "taken" in again.stderr


def test_audit_log_is_readable_by_auditors_of_the_region_only(runtime: Runtime, world: dict[str, int]) -> None:
    from tests.admin.conftest import login

    with runtime.store_scope() as store:
        create_staff(StaffStore(store.session), "auditor1", "审计", PASSWORD, "auditor", COUNTY)
    with TestClient(create_app(runtime=runtime)) as client:
        other = login(runtime, "jishishan", client)  # makes a login entry in the other county
        client.get(f"/api/records/{world['A']}", headers=other)  # refused: audited there
        h = client.post("/api/auth/login", json={"username": "auditor1", "password": PASSWORD}).json()["token"]
        entries = client.get("/api/audit", headers={"Authorization": f"Bearer {h}"}).json()
        assert {e["username"] for e in entries} <= {"auditor1", "dongxiang", "hotline", "collector"}
        assert any(e["action"] == "login" and e["username"] == "auditor1" for e in entries)
        collector = login(runtime, "collector", client)
        assert client.get("/api/audit", headers=collector).status_code == 403


def test_the_session_cookie_is_https_only_in_production_and_over_https(staffed: Runtime, tokenizer: Tokenizer) -> None:
    for env, base, secure in (("test", "http://testserver", False), ("test", "https://testserver", True),
                              ("production", "http://testserver", True)):
        rt = build_runtime(make_settings(staffed.settings.database_url, env=env), tokenizer=tokenizer)
        try:
            with TestClient(create_app(runtime=rt), base_url=base) as client:
                r = client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD})
                assert r.status_code == 200
                cookie = r.headers["set-cookie"].lower()
                assert "httponly" in cookie and "samesite=strict" in cookie
                assert ("secure" in cookie.replace("samesite", "")) is secure, (env, base)
        finally:
            rt.close()
