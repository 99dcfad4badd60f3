"""Staff authentication: argon2 password hashes, expiring bearer tokens, the console's CSRF token.

Logging in (attempts counted before the password is checked, argon2 verifications capped) is
:mod:`admin.web.login`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from storage.errors import InvalidInput, Unauthorized
from storage.staff import ROLES, Staff
from storage.staff_repo import StaffStore

SESSION_HOURS = 8
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # stateless and thread-safe: parameters only
# A hash of a random, forgotten password with the hasher's parameters: checking a password against it
# costs what checking a real account's does, so a username without an account answers as slowly.
_NO_ACCOUNT_HASH = "$argon2id$v=19$m=65536,t=3,p=4$j89RZF0OabXTN71PpZNFtQ$P+krOavynkHO4RPnXiwCFlqDg9QBo1jfBh8vckwbw34"


class AuthError(Unauthorized):
    """Login refused; ``reason`` is invalid | locked | inactive | client_limited | busy."""

    def __init__(self, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class StaffInputError(InvalidInput, ValueError):
    """A staff account cannot be created as asked (bad role, weak password, unknown region)."""


@dataclass(frozen=True)
class Login:
    """A successful login: the bearer token (shown once) and when it expires."""

    staff: Staff
    token: str
    expires_at: datetime
    region_path: str = ""


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


def check_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches (a missing hash never does, at the same cost); a new hash when due.

    This is the expensive step (argon2: 64 MiB and tens of milliseconds): run it under the
    login gate (:class:`admin.web.login.LoginGate`).
    """
    try:
        _hasher.verify(password_hash or _NO_ACCOUNT_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if password_hash is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None)


def csrf_token(secret: str, session_token: str) -> str:
    """The console's CSRF token of a login: an HMAC of its session token (nothing to store, dies with it)."""
    return hmac.new(secret.encode(), b"csrf\0" + session_token.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def typed_username(username: str) -> str:
    """What the audit log keeps of a username that has no account: its first characters (a password
    typed into the wrong field must not be logged)."""
    return (username[:2] + "…") if len(username) > 2 else "…"


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
