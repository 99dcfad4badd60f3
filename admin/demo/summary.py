"""What the demo database holds, counted from the database itself (for `intake demo`'s report)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from admin.demo.world import MARKER, STAFF, DemoSummary, StaffRow
from admin.runtime import Runtime
from storage.models import Appeal, Campaign, Flag, Person, Record, Region, RosterEntry
from storage.repo import Store
from storage.staff_repo import StaffStore


def _counts_by(store: Store, column: Any, *where: Any) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)
    for condition in where:
        query = query.where(condition)
    return {str(k): int(n) for k, n in store.session.exec(query).all() if k is not None}


def count(store: Store, model: Any) -> int:
    return int(store.session.exec(select(func.count()).select_from(model)).one())


def summarise(store: Store, already_loaded: bool) -> DemoSummary:
    """What the database holds now, from the database itself."""
    keys = {c.id: c.key for c in store.session.exec(select(Campaign)).all()}
    roster = _counts_by(store, RosterEntry.campaign_id)
    records = _counts_by(store, Record.campaign_id)
    staff_store = StaffStore(store.session)
    rows = []
    for username, _, _, _ in STAFF:
        staff = staff_store.by_username(username)
        if staff is not None:
            region = staff_store.region(staff.region_id)
            rows.append(StaffRow(staff.username, staff.display_name, staff.role, region.path if region else ""))
    status = _counts_by(store, Record.status)
    return DemoSummary(
        already_loaded=already_loaded,
        regions=count(store, Region),
        people=count(store, Person),
        roster={keys.get(int(k), k): n for k, n in roster.items()},
        records={keys.get(int(k), k): n for k, n in records.items()},
        submitted=status.get("submitted", 0),
        in_progress=status.get("in_progress", 0),
        stages=_counts_by(store, Record.stage),
        channels=_counts_by(store, Record.first_channel),
        flags=_counts_by(store, Flag.reason),
        open_flags=int(store.session.exec(select(func.count()).select_from(Flag)
                                          .where(Flag.status == "open")).one()),
        appeals=_counts_by(store, Appeal.source),
        staff=rows,
    )



def loaded_summary(runtime: Runtime) -> DemoSummary | None:
    """What the demo holds when it is already loaded (its accounts exist), else None."""
    with runtime.store_scope() as store:
        if StaffStore(store.session).by_username(MARKER) is None:
            return None
        return summarise(store, already_loaded=True)

