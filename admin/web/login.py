"""Logging in: every attempt is counted before its password is checked, and argon2 runs a few at a time.

A login takes three short steps, each in its own transaction so that no database lock is held
while a password is being checked:

1. *reserve*: one attempt is counted under the client (its address) and under the username typed
   (whether or not it has an account, so that a 423 tells nobody who has one), each by one
   conditional UPDATE (:meth:`StaffStore.reserve_attempt`). A burst of concurrent guesses, from
   one process or many, can therefore check at most the limit: the others are refused before
   anything is checked.
2. *check*: argon2 (64 MiB each) under the :class:`LoginGate`, which lets a few run at once; a
   request that cannot get a turn within a few seconds gets its attempts back and 503.
3. *finish*: a wrong password keeps its attempt (the fifth within 15 minutes locks the username);
   the right one clears the username's attempts and gives the client's back, opens the session
   and is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import anyio
from sqlalchemy.engine import Engine as DbEngine

from admin.web.security import SESSION_HOURS, AuthError, Login, check_password, token_hash, typed_username
from storage.db import session_scope
from storage.staff_repo import StaffStore

T = TypeVar("T")

MAX_FAILED_LOGINS = 5  # per username, within LOCK_WINDOW
MAX_CLIENT_FAILURES = 20  # per client address, within LOCK_WINDOW (an office behind one address has several staff)
LOCK_WINDOW = timedelta(minutes=15)
ARGON2_AT_ONCE = 2  # argon2 checks running at once: 2 × 64 MiB at most (the machine has 2 cores)
ARGON2_WAIT = 5.0  # seconds a login may wait for its turn before it is answered 503
BUSY_RETRY_AFTER = 2  # seconds, in the 503's Retry-After


class LoginGate:
    """At most ``slots`` password checks at once; others wait up to ``wait`` seconds, then AuthError("busy").

    Waiting holds no worker thread (an anyio semaphore on the event loop), so a burst of logins
    cannot starve the other requests of threads or the server of memory.
    """

    def __init__(self, slots: int = ARGON2_AT_ONCE, wait: float = ARGON2_WAIT) -> None:
        self._slots = anyio.Semaphore(slots, max_value=slots)
        self._wait = wait

    async def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a worker thread when a slot is free within the wait; AuthError("busy") otherwise."""
        acquired = False
        with anyio.move_on_after(self._wait):  # only the wait for a turn: a started check always finishes
            await self._slots.acquire()
            acquired = True
        if not acquired:
            raise AuthError("busy", retry_after=BUSY_RETRY_AFTER)
        try:
            return await anyio.to_thread.run_sync(work)
        finally:
            self._slots.release()


@dataclass(frozen=True)
class _Attempt:
    """A reserved attempt: the keys it was counted under and the account it names, if any."""

    user_key: str
    client_key: str
    staff_id: int | None
    password_hash: str | None


def _key(secret: str, kind: str, value: str) -> str:
    """What a budget is stored under: an HMAC, never the username or address itself."""
    return kind + ":" + hmac.new(secret.encode(), f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()


def _retry_after(window_ends: datetime | None, now: datetime) -> int:
    if window_ends is None:
        return 1
    return max(1, math.ceil((window_ends - now).total_seconds()))


class LoginService:
    """Logs staff in against the database, within the attempt budgets and the gate."""

    def __init__(self, db: DbEngine, secret: str, gate: LoginGate) -> None:
        self.db = db
        self.secret = secret
        self.gate = gate

    async def log_in(self, username: str, password: str, client: str, now: datetime) -> Login:
        """A login, or AuthError: invalid | locked | inactive | client_limited | busy (every attempt audited)."""
        attempt = await anyio.to_thread.run_sync(self._reserve, username, client, now)
        try:
            ok, new_hash = await self.gate.run(lambda: check_password(attempt.password_hash, password))
        except AuthError:
            await anyio.to_thread.run_sync(self._give_back, attempt)
            raise
        return await anyio.to_thread.run_sync(self._finish, attempt, username, ok, new_hash, now)

    def _reserve(self, username: str, client: str, now: datetime) -> _Attempt:
        user_key = _key(self.secret, "user", username.strip().lower())
        client_key = _key(self.secret, "client", client)
        refused: AuthError | None = None
        with session_scope(self.db) as session:
            store = StaffStore(session)
            # the client first, then the username: every transaction locks the two rows in this order
            staff = None
            if not store.reserve_attempt(client_key, MAX_CLIENT_FAILURES, LOCK_WINDOW, now):
                _, ends = store.attempts_left(client_key, MAX_CLIENT_FAILURES, now)
                store.audit("login", username=typed_username(username), result="denied", detail="client limited")
                refused = AuthError("client_limited", retry_after=_retry_after(ends, now))
            else:
                staff = store.by_username(username)
                if not store.reserve_attempt(user_key, MAX_FAILED_LOGINS, LOCK_WINDOW, now):
                    store.give_back_attempt(client_key)
                    if staff is None:
                        store.audit("login", username=typed_username(username), result="denied",
                                    detail="unknown user; locked")
                    else:
                        store.audit("login", staff=staff, result="denied", detail="locked")
                    refused = AuthError("locked")
        if refused is not None:
            raise refused
        return _Attempt(user_key, client_key, staff.id if staff else None, staff.password_hash if staff else None)

    def _give_back(self, attempt: _Attempt) -> None:
        with session_scope(self.db) as session:
            store = StaffStore(session)
            store.give_back_attempt(attempt.client_key)
            store.give_back_attempt(attempt.user_key)

    def _finish(self, attempt: _Attempt, username: str, ok: bool, new_hash: str | None, now: datetime) -> Login:
        refused: AuthError | None = None
        with session_scope(self.db) as session:
            store = StaffStore(session)
            staff = store.get(attempt.staff_id) if attempt.staff_id is not None else None
            if not ok or staff is None:
                left, _ = store.attempts_left(attempt.user_key, MAX_FAILED_LOGINS, now)
                if staff is None:
                    store.audit("login", username=typed_username(username), result="failed", detail="unknown user")
                else:
                    store.audit("login", staff=staff, result="failed",
                                detail="wrong password; locked" if left == 0 else "wrong password")
                refused = AuthError("locked" if left == 0 else "invalid")
            else:
                # the client's row first, then the username's, as in _reserve: the opposite order deadlocks
                store.give_back_attempt(attempt.client_key)
                store.clear_attempts(attempt.user_key)
                if not staff.active:
                    store.audit("login", staff=staff, result="denied", detail="inactive")
                    refused = AuthError("inactive")
                else:
                    if new_hash is not None:
                        staff.password_hash = new_hash
                        store.save(staff)
                    token = secrets.token_urlsafe(32)
                    expires = now + timedelta(hours=SESSION_HOURS)
                    store.open_session(token_hash(token), staff.id or 0, expires)
                    store.audit("login", staff=staff)
                    region = store.region(staff.region_id)
                    region_path = region.path if region else ""
        if refused is not None:
            raise refused
        assert staff is not None
        return Login(staff, token, expires, region_path)
