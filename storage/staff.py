"""Tables of the staff side: accounts, login sessions and the append-only audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.models import utcnow

ROLES = ("collector", "reviewer", "hotline", "region_admin", "system_admin", "auditor")


class Staff(SQLModel, table=True):
    """A staff account; every staff member belongs to one region and sees only it and what lies under it."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str
    password_hash: str
    role: str = Field(index=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    active: bool = True
    # Not used since failed logins are counted in LoginLimit; kept so that databases created
    # before still accept new accounts (the columns are NOT NULL there).
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class StaffSession(SQLModel, table=True):
    """A login: only a hash of the bearer token is stored; it expires."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked: bool = False


class AuditEntry(SQLModel, table=True):
    """Who did what to which record, when, with what result. Rows are never updated or deleted."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    staff_id: int | None = Field(default=None, index=True)
    username: str | None = None
    role: str | None = None
    region_id: int | None = None
    action: str = Field(index=True)  # login, read_record, change_answer, export, reveal, denied, ...
    target_type: str | None = None
    target_id: str | None = None
    result: str = "ok"  # ok | denied | not_found | failed
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class LoginLimit(SQLModel, table=True):
    """A login budget: attempts in the current window under one key (a username typed, or a client).

    ``key`` is an HMAC of the username or client address, never the text. An attempt is counted
    *before* its password is checked, by one conditional UPDATE, so that concurrent guesses cannot
    check more than the limit. The budget is spent when ``attempts`` reaches the limit while
    ``window_ends`` lies ahead; the attempt that reaches it moves ``window_ends`` 15 minutes on.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=80)
    attempts: int = 0
    window_ends: datetime
