"""Declarations: records opened under a registered ID number by someone not verified as that person.

A declaration is seen by the staff of its own region (marked 身份未核实（申报）, nothing of the
registered person in it) and by the staff whose area covers the registered person (the province
covers persons no region places), who see which person it was opened under and decide on it:
*merged* (it was that person; the answers are compared with the person's own record by hand: merging
answers into that record is left to a later issue) or *dismissed* (it was not). Either closes the
declaration and its "identity not verified" flag, and leaves a workflow event; the record itself
stays as it is. Anyone else gets 404, as for a declaration that does not exist (the rules:
:mod:`admin.services.declarations`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from admin.runtime import Runtime
from admin.services import declarations as service
from admin.services.access import Scope, not_found, require, scope_of
from admin.services.summaries import RecordSummary, summaries
from admin.web.deps import CurrentStaff, Permitted, RuntimeDep, UnitOfWork, UowDep
from admin.web.params import MAX_ID, DbId
from storage import casework
from storage.identity import Declaration
from storage.models import Person, Record
from storage.staff import Staff

router = APIRouter(prefix="/api/declarations", tags=["declarations"])



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


class CloseIn(BaseModel):
    """Why a declaration is merged or dismissed."""

    reason: str = Field(min_length=2, max_length=500)


_decides = service.decides


def _out(uow: UnitOfWork, rt: Runtime, staff: Staff, scope: Scope,
         rows: list[tuple[Declaration, Record, Person]]) -> list[DeclarationOut]:
    shown = summaries(uow, rt.questionnaires, scope, [r for _, r, _ in rows])
    return [DeclarationOut(id=d.id or 0, status=d.status, source=d.source, channel=d.channel, opened_at=d.created_at,
                           record=s, decides=d.status == "open" and _decides(staff, scope, p))
            for (d, _, p), s in zip(rows, shown, strict=True)]


@router.get("", response_model=DeclarationPage)
def list_declarations(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    status: Annotated[str | None, Query(pattern="^(open|merged|dismissed)$")] = "open",
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="declarations under one person")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeclarationPage:
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


def _close(declaration_id: int, body: CloseIn, staff: Staff, uow: UnitOfWork, rt: Runtime,
           status: str) -> DeclarationOut:
    scope = scope_of(uow.staff, staff)
    done = service.close(uow, staff, scope, declaration_id, status, body.reason)
    return _out(uow, rt, staff, scope, [(done.declaration, done.record, done.person)])[0]


Decider = Annotated[Staff, Depends(Permitted("review.act", "declaration_id"))]


@router.post("/{declaration_id}/merge", response_model=DeclarationOut)
def merge(declaration_id: DbId, body: CloseIn, staff: Decider, uow: UowDep, rt: RuntimeDep) -> DeclarationOut:
    """Mark a declaration as the registered person's own (its answers are not copied into their record)."""
    return _close(declaration_id, body, staff, uow, rt, "merged")


@router.post("/{declaration_id}/dismiss", response_model=DeclarationOut)
def dismiss(declaration_id: DbId, body: CloseIn, staff: Decider, uow: UowDep, rt: RuntimeDep) -> DeclarationOut:
    """Mark a declaration as not the registered person's; the record stays as a record in its own right."""
    return _close(declaration_id, body, staff, uow, rt, "dismissed")
