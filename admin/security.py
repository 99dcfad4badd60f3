"""Staff authentication: argon2 password hashes, expiring bearer tokens, lock-out after failed logins."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from storage.staff import ROLES, Staff
from storage.staff_repo import StaffStore

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # stateless and thread-safe: parameters only


class AuthError(Exception):
    """Login refused; ``reason`` is invalid | locked | inactive."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StaffInputError(ValueError):
    """A staff account cannot be created as asked (bad role, weak password, unknown region)."""


@dataclass(frozen=True)
class Login:
    """A successful login: the bearer token (shown once) and when it expires."""

    staff: Staff
    token: str
    expires_at: datetime


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    if len(password) < MIN_PASSWORD:
        raise StaffInputError(f"the password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """What is stored of a bearer token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def typed_username(username: str) -> str:
    """What the audit log keeps of a username that has no account: its first characters (a password
    typed into the wrong field must not be logged)."""
    return (username[:2] + "…") if len(username) > 2 else "…"


def _is_locked(locked_until: datetime | None, now: datetime) -> bool:
    until = _aware(locked_until)
    return until is not None and until > now


def _one_more_failure(failures: int, now: datetime) -> tuple[int, datetime | None]:
    """The failure count and lock after one more wrong password: the fifth locks for 15 minutes."""
    if failures + 1 >= MAX_FAILED_LOGINS:
        return 0, now + timedelta(minutes=LOCK_MINUTES)
    return failures + 1, None


def _unknown_user(store: StaffStore, username: str, now: datetime) -> str:
    """Count a failure under a username without an account, locking it as a real one would be."""
    row = store.throttle(hashlib.sha256(username.strip().lower().encode()).hexdigest())
    if _is_locked(row.locked_until, now):
        store.audit("login", username=typed_username(username), result="denied", detail="unknown user; locked")
        return "locked"
    row.failures, row.locked_until = _one_more_failure(row.failures, now)
    store.save_throttle(row)
    store.audit("login", username=typed_username(username), result="failed", detail="unknown user")
    return "invalid" if row.locked_until is None else "locked"


def authenticate(store: StaffStore, username: str, password: str, now: datetime) -> Login:
    """Check a password; five failures lock the account for 15 minutes. Every attempt is audited."""
    staff = store.by_username(username)
    if staff is None:
        _hasher.hash("timing-equaliser")  # about the same time as a real check
        raise AuthError(_unknown_user(store, username, now))
    if _is_locked(staff.locked_until, now):
        store.audit("login", staff=staff, result="denied", detail="locked")
        raise AuthError("locked")
    if not staff.active:
        store.audit("login", staff=staff, result="denied", detail="inactive")
        raise AuthError("inactive")
    try:
        _hasher.verify(staff.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        staff.failed_logins, staff.locked_until = _one_more_failure(staff.failed_logins, now)
        store.save(staff)
        locked = staff.locked_until is not None
        store.audit("login", staff=staff, result="failed", detail="wrong password; locked" if locked else "wrong password")
        raise AuthError("locked" if locked else "invalid") from None
    staff.failed_logins = 0
    staff.locked_until = None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    store.save(staff)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    store.open_session(token_hash(token), staff.id or 0, expires)
    store.audit("login", staff=staff)
    return Login(staff, token, expires)


def staff_for_token(store: StaffStore, token: str, now: datetime) -> Staff | None:
    """The active staff member a bearer token belongs to, if it is valid and not expired."""
    row = store.session_by_hash(token_hash(token))
    if row is None or row.revoked:
        return None
    expires = _aware(row.expires_at)
    if expires is None or expires <= now:
        return None
    staff = store.get(row.staff_id)
    if staff is None or not staff.active:
        return None
    return staff


def logout(store: StaffStore, token: str) -> None:
    """Revoke a bearer token."""
    row = store.session_by_hash(token_hash(token))
    if row is not None:
        store.revoke(row)


def create_staff(
    store: StaffStore, username: str, display_name: str, password: str, role: str, region_path_or_code: str
) -> Staff:
    """Create a staff account in a region (given by full path or county-level code)."""
    if role not in ROLES:
        raise StaffInputError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        raise StaffInputError("the username must be letters, digits, '.' or '_' (at most 64)")
    if store.by_username(username) is not None:
        raise StaffInputError(f"the username {username!r} is taken")
    region = store.region_by_path(region_path_or_code) or store.region_by_code(region_path_or_code)
    if region is None or region.id is None:
        raise StaffInputError(f"no region {region_path_or_code!r} (give the full path or the code)")
    return store.add_staff(username, display_name or username, hash_password(password), role, region.id)
