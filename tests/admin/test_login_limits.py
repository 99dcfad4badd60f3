"""Login budgets under concurrency: a burst of guesses checks at most the limit, per username and per client;
argon2 checks are capped.

The bursts are real concurrent HTTP requests (threads) against the app served by uvicorn on
loopback, on SQLite and PostgreSQL. What was checked is read from the audit log: every password
checked leaves a "failed" or "ok" login entry, a refused attempt a "denied" one.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from admin.web.login import MAX_CLIENT_FAILURES, MAX_FAILED_LOGINS, LoginGate, LoginService
from admin.web.security import AuthError, create_staff
from storage.staff import AuditEntry
from storage.staff_repo import StaffStore
from tests.bot.test_engine_other_questionnaires import _load_dongxiang
from tests.server import serve

T = TypeVar("T")
COUNTY = "甘肃省/临夏回族自治州/东乡族自治县"
PASSWORD = "correct horse battery"


@pytest.fixture
def staffed(runtime: Runtime, tmp_path: Path) -> Runtime:
    _load_dongxiang(runtime, tmp_path)
    with runtime.store_scope() as store:
        staff = StaffStore(store.session)
        create_staff(staff, "county_admin", "县管理员", PASSWORD, "region_admin", COUNTY)
        create_staff(staff, "other_admin", "县管理员二", PASSWORD, "region_admin", COUNTY)
    return runtime


@pytest.fixture
def base_url(staffed: Runtime) -> Iterator[str]:
    # these tests count budgets, not the gate: a patient gate, so that a slow (busy) machine gives no 503
    with serve(create_app(runtime=staffed, login_gate=LoginGate(wait=120))) as url:
        yield url


def _burst(base_url: str, attempts: list[tuple[str, str]], client: str | None = "198.51.100.7") -> list[int]:
    """POST every (username, password) at once from one client address (each from its own when None);
    the status codes, in order."""
    start = threading.Barrier(len(attempts))

    def one(numbered: tuple[int, tuple[str, str]]) -> int:
        n, (username, password) = numbered
        with httpx.Client(base_url=base_url, timeout=120) as http:
            start.wait()
            r = http.post("/api/auth/login", json={"username": username, "password": password},
                          headers={"X-Forwarded-For": client or f"203.0.113.{n + 1}"})  # uvicorn trusts it from loopback
            return r.status_code

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(one, enumerate(attempts)))


def _checked(rt: Runtime) -> Counter[str]:
    """How many logins were checked and failed ("failed"), succeeded ("ok") or refused unchecked ("denied")."""
    with rt.store_scope() as store:
        return Counter(a.result for a in store.session.exec(select(AuditEntry).where(AuditEntry.action == "login")))


def test_a_burst_of_wrong_passwords_checks_at_most_the_limit(staffed: Runtime, base_url: str) -> None:
    codes = _burst(base_url, [("county_admin", f"guess {i}") for i in range(40)])
    assert set(codes) <= {401, 423} and codes.count(401) <= MAX_FAILED_LOGINS - 1
    checked = _checked(staffed)
    assert checked["failed"] == MAX_FAILED_LOGINS and checked["ok"] == 0
    assert checked["denied"] == 40 - MAX_FAILED_LOGINS


def test_a_burst_from_many_addresses_checks_at_most_the_limit(staffed: Runtime, base_url: str) -> None:
    """An attacker with many addresses (a botnet) gets no more guesses at one account."""
    codes = _burst(base_url, [("county_admin", f"guess {i}") for i in range(40)], client=None)
    assert set(codes) <= {401, 423}
    assert _checked(staffed)["failed"] == MAX_FAILED_LOGINS


def test_the_right_password_in_a_burst_of_wrong_ones(staffed: Runtime, base_url: str) -> None:
    """Sent together, at most the limit is checked; once the limit is reached, the right one is refused too."""
    attempts = [("county_admin", f"guess {i}") for i in range(19)] + [("county_admin", PASSWORD)]
    codes = _burst(base_url, attempts)
    checked = _checked(staffed)
    with staffed.store_scope() as store:  # in the order they were decided
        results = [a.result for a in store.session.exec(select(AuditEntry).where(AuditEntry.action == "login")
                                                        .order_by(AuditEntry.id))]  # type: ignore[arg-type]
    checks = [r for r in results if r in ("failed", "ok")]
    # at most the limit is checked before the right password; only its success gives the budget back
    before_ok = checks.index("ok") if "ok" in checks else len(checks)
    assert before_ok <= MAX_FAILED_LOGINS - (1 if "ok" in checks else 0)
    assert codes.count(200) == checked["ok"] <= 1
    if checked["ok"] == 0:  # the right one came after the limit was reached: the lock holds
        assert codes[-1] == 423
    # now the limit is reached (or reached again): a burst with the right password logs nobody in
    _burst(base_url, [("county_admin", f"more {i}") for i in range(MAX_FAILED_LOGINS)])
    codes = _burst(base_url, [("county_admin", PASSWORD)] + [("county_admin", f"late {i}") for i in range(9)])
    assert codes == [423] * 10


def test_a_username_without_an_account_has_the_same_budget(staffed: Runtime, base_url: str) -> None:
    real = _burst(base_url, [("county_admin", f"guess {i}") for i in range(12)], client="198.51.100.1")
    fake = _burst(base_url, [("no_such_user", f"guess {i}") for i in range(12)], client="198.51.100.2")
    assert sorted(real) == sorted(fake) and real.count(423) >= 12 - MAX_FAILED_LOGINS + 1


def test_one_client_guessing_many_usernames_is_limited(staffed: Runtime, base_url: str) -> None:
    """Guesses spread over many usernames from one address: at most MAX_CLIENT_FAILURES are checked."""
    codes = _burst(base_url, [(f"user{i}", "guess") for i in range(40)])
    assert codes.count(429) == 40 - MAX_CLIENT_FAILURES and codes.count(401) == MAX_CLIENT_FAILURES
    assert _checked(staffed)["failed"] == MAX_CLIENT_FAILURES
    with httpx.Client(base_url=base_url) as http:
        # the limited client cannot log in even with the right password; another client can
        r = http.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD},
                      headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 15 * 60
        assert r.json()["detail"] == "too many failed logins from this address: try again later"
        r = http.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD},
                      headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 200


def test_logging_in_gives_the_client_its_attempt_back(staffed: Runtime) -> None:
    """Staff of one office share an address: their successful logins do not use up its budget."""
    with TestClient(create_app(runtime=staffed), client=("192.0.2.10", 4000)) as client:
        for _ in range(MAX_CLIENT_FAILURES + 5):
            r = client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD})
            assert r.status_code == 200
        for i in range(MAX_FAILED_LOGINS - 1):  # a few typing errors of another member of staff
            assert client.post("/api/auth/login", json={"username": "other_admin", "password": f"x{i}"}).status_code == 401
        assert client.post("/api/auth/login", json={"username": "other_admin", "password": PASSWORD}).status_code == 200


def test_the_gate_runs_at_most_its_slots_at_once() -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            if running == 2:
                release.set()
        release.wait(timeout=30)
        with lock:
            running -= 1
        return 1

    async def main() -> list[int]:
        gate = LoginGate(slots=2, wait=60)
        results: list[int] = []

        async def one() -> None:
            results.append(await gate.run(work))

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(one)
        return results

    assert anyio.run(main) == [1] * 8
    assert most == 2


def test_a_login_without_a_turn_is_answered_503_and_counts_nothing(staffed: Runtime) -> None:
    """When every slot stays taken, excess logins wait briefly, get 503 with Retry-After, and lock nothing."""
    blocked = threading.Event()

    async def main() -> list[str]:
        gate = LoginGate(slots=1, wait=0.2)
        service = LoginService(staffed.db, staffed.settings.secret_key, gate)
        reasons: list[str] = []

        async def hold() -> None:
            await gate.run(lambda: blocked.wait(timeout=30))

        async def attempt() -> None:
            try:
                await service.log_in("county_admin", PASSWORD, "192.0.2.1", datetime.now(UTC))
            except AuthError as exc:
                reasons.append(f"{exc.reason}:{exc.retry_after}")

        async with anyio.create_task_group() as tg:
            tg.start_soon(hold)
            await anyio.sleep(0.05)  # the holder has the only slot
            for _ in range(3):  # three rounds: more than the limit in all, each within it
                async with anyio.create_task_group() as inner:
                    for _ in range(MAX_FAILED_LOGINS - 1):
                        inner.start_soon(attempt)
            blocked.set()
        return reasons

    assert anyio.run(main) == ["busy:2"] * (3 * (MAX_FAILED_LOGINS - 1))
    with TestClient(create_app(runtime=staffed)) as client:  # the attempts were given back: not locked
        assert client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD}).status_code == 200
    assert _checked(staffed)["failed"] == 0


def test_busy_is_503_with_retry_after(staffed: Runtime) -> None:
    app = create_app(runtime=staffed)
    with TestClient(app) as client:
        class Full(LoginGate):
            async def run(self, work: Callable[[], T]) -> T:
                raise AuthError("busy", retry_after=2)

        app.state.login.gate = Full()
        r = client.post("/api/auth/login", json={"username": "county_admin", "password": PASSWORD})
        assert r.status_code == 503 and r.headers["retry-after"] == "2"
        assert r.json()["detail"] == "too many logins at once: try again in a few seconds"
