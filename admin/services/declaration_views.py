"""Declarations as staff see them: their records masked, and whether the caller decides on them.

The rules (who sees a declaration, who decides) are in :mod:`admin.services.declarations`; the routes
are :mod:`admin.api.declarations`, and the console's record page lists a person's declarations here.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from admin.runtime import Runtime
from admin.services import declarations as service
from admin.services.access import Scope, not_found, require, scope_of
from admin.services.summaries import RecordSummary, summaries
from admin.services.uow import UnitOfWork
from storage import casework
from storage.identity import Declaration
from storage.models import Person, Record
from storage.staff import Staff


class DeclarationOut(BaseModel):
    """A declaration: its record (its own answers, masked) and whether the caller decides on it."""

    id: int
    status: str  # open | merged | dismissed
    source: str  # self | collector
    channel: str
    opened_at: datetime
    record: RecordSummary  # record.declaration.person: the registered person, where the caller covers them
    decides: bool


class DeclarationPage(BaseModel):
    """A page of declarations."""

    total: int
    items: list[DeclarationOut]


_decides = service.decides


def _out(uow: UnitOfWork, rt: Runtime, staff: Staff, scope: Scope,
         rows: list[tuple[Declaration, Record, Person]]) -> list[DeclarationOut]:
    shown = summaries(uow, rt.questionnaires, scope, [r for _, r, _ in rows])
    return [DeclarationOut(id=d.id or 0, status=d.status, source=d.source, channel=d.channel, opened_at=d.created_at,
                           record=s, decides=d.status == "open" and _decides(staff, scope, p))
            for (d, _, p), s in zip(rows, shown, strict=True)]


def list_declarations(uow: UnitOfWork, rt: Runtime, staff: Staff, status: str | None = "open",
                      person_id: int | None = None, limit: int = 50, offset: int = 0) -> DeclarationPage:
    """Declarations made in the caller's area or under a person of it, newest first (masked)."""
    require(uow.staff, staff, "records.read")
    scope = scope_of(uow.staff, staff)
    if person_id is not None:
        person = uow.store.session.get(Person, person_id)
        if person is None or not scope.covers(person.region_id):
            raise not_found(uow.staff, staff, "person", person_id)
        rows = [(d, r, person) for d, r in casework.declarations_for(uow.store.session, [person_id])[person_id]
                if status is None or d.status == status]
        total, rows = len(rows), rows[offset:offset + limit]
    else:
        total, rows = casework.declarations_in(uow.store.session, scope.region_ids, status=status, limit=limit,
                                               offset=offset)
    uow.staff.audit("list_declarations", staff=staff, target_type="record", detail=f"{len(rows)} of {total}")
    return DeclarationPage(total=total, items=_out(uow, rt, staff, scope, rows))


def close(uow: UnitOfWork, rt: Runtime, staff: Staff, declaration_id: int, status: str, reason: str) -> DeclarationOut:
    """Merge or dismiss a declaration (the rules: :mod:`admin.services.declarations`); it as it now is."""
    scope = scope_of(uow.staff, staff)
    done = service.close(uow, staff, scope, declaration_id, status, reason)
    return _out(uow, rt, staff, scope, [(done.declaration, done.record, done.person)])[0]
