"""Reads and writes of the staff side: accounts, sessions, the audit log and region scopes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Table, case, update
from sqlmodel import Session, col, or_, select

from storage.models import Region
from storage.staff import AuditEntry, LoginLimit, Staff, StaffSession
from storage.upsert import insert_ignore

_LIMITS: Table = LoginLimit.__table__  # type: ignore[attr-defined]


class StaffStore:
    """Repository over one session for staff accounts, logins and the audit log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_staff(
        self, username: str, display_name: str, password_hash: str, role: str, region_id: int
    ) -> Staff:
        """Create a staff account."""
        staff = Staff(username=username, display_name=display_name, password_hash=password_hash, role=role,
                      region_id=region_id)
        self.session.add(staff)
        self.session.flush()
        return staff

    def by_username(self, username: str) -> Staff | None:
        """A staff account by login name."""
        return self.session.exec(select(Staff).where(Staff.username == username)).first()

    # -- login budgets (see LoginLimit) ---------------------------------------------------

    def reserve_attempt(self, key: str, limit: int, window: timedelta, now: datetime) -> bool:
        """Count one login attempt under ``key`` before its password is checked; False when the budget is spent.

        One conditional UPDATE, atomic on SQLite and PostgreSQL and across processes: of concurrent
        attempts, at most ``limit`` succeed within a window.
        """
        at = now
        insert_ignore(self.session, _LIMITS, ["key"], {"key": key, "attempts": 0, "window_ends": at})
        c = _LIMITS.c
        over = c.window_ends <= at
        result = self.session.execute(
            update(_LIMITS)
            .where(c.key == key, or_(over, c.attempts < limit))
            .values(attempts=case((over, 1), else_=c.attempts + 1),
                    window_ends=case((or_(over, c.attempts + 1 >= limit), at + window), else_=c.window_ends))
        )
        return bool(getattr(result, "rowcount", 0))

    def give_back_attempt(self, key: str) -> None:
        """Return an attempt that checked no password (or, for a client, one that logged in)."""
        c = _LIMITS.c
        self.session.execute(update(_LIMITS).where(c.key == key, c.attempts > 0).values(attempts=c.attempts - 1))

    def clear_attempts(self, key: str) -> None:
        """Forget the attempts under ``key`` (the right password was given)."""
        self.session.execute(update(_LIMITS).where(_LIMITS.c.key == key).values(attempts=0))

    def attempts_left(self, key: str, limit: int, now: datetime) -> tuple[int, datetime | None]:
        """How many attempts ``key`` has left in its window, and when the window ends."""
        row = self.session.exec(select(LoginLimit).where(LoginLimit.key == key)).first()
        if row is None or row.window_ends <= now:
            return limit, None
        return max(limit - row.attempts, 0), row.window_ends

    def get(self, staff_id: int) -> Staff | None:
        """A staff account by id."""
        return self.session.get(Staff, staff_id)

    def save(self, staff: Staff) -> None:
        """Store changes to an account (failed logins, lock, password)."""
        self.session.add(staff)
        self.session.flush()

    def open_session(self, token_hash: str, staff_id: int, expires_at: datetime) -> StaffSession:
        """Record a login."""
        row = StaffSession(token_hash=token_hash, staff_id=staff_id, expires_at=expires_at)
        self.session.add(row)
        self.session.flush()
        return row

    def session_by_hash(self, token_hash: str) -> StaffSession | None:
        """A login by the hash of its token."""
        return self.session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash)).first()

    def revoke(self, row: StaffSession) -> None:
        """End a login."""
        row.revoked = True
        self.session.add(row)
        self.session.flush()

    def audit(
        self,
        action: str,
        *,
        staff: Staff | None = None,
        username: str | None = None,
        target_type: str | None = None,
        target_id: str | int | None = None,
        result: str = "ok",
        detail: str = "",
    ) -> AuditEntry:
        """Append an entry to the audit log (never personal data in ``detail``)."""
        entry = AuditEntry(
            staff_id=staff.id if staff else None,
            username=staff.username if staff else username,
            role=staff.role if staff else None,
            region_id=staff.region_id if staff else None,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            result=result,
            detail=detail,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def audit_entries(self, region_ids: Sequence[int] | None = None, limit: int = 200) -> Sequence[AuditEntry]:
        """The newest audit entries, of staff in the given regions when given."""
        query = select(AuditEntry)
        if region_ids is not None:
            query = query.where(or_(col(AuditEntry.region_id).in_(region_ids), col(AuditEntry.region_id).is_(None)))
        return self.session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all()

    # -- regions ------------------------------------------------------------------------

    def region(self, region_id: int) -> Region | None:
        """A region by id."""
        return self.session.get(Region, region_id)

    def region_by_path(self, path: str) -> Region | None:
        """A region by its full path."""
        return self.session.exec(select(Region).where(Region.path == path)).first()

    def region_by_code(self, code: str) -> Region | None:
        """A region by its code (codes are given down to county level)."""
        return self.session.exec(select(Region).where(Region.code == code)).first()

    def subtree_ids(self, region: Region) -> list[int]:
        """The ids of a region and every region under it."""
        rows = self.session.exec(
            select(Region.id).where(or_(Region.path == region.path, col(Region.path).startswith(region.path + "/")))
        ).all()
        return [r for r in rows if r is not None]
