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

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from admin.services import declaration_views as views
from admin.services.declaration_views import DeclarationOut, DeclarationPage
from admin.web.deps import CurrentStaff, Permitted, RuntimeDep, UowDep
from admin.web.params import MAX_ID, DbId
from storage.staff import Staff

router = APIRouter(prefix="/api/declarations", tags=["declarations"])


class CloseIn(BaseModel):
    """Why a declaration is merged or dismissed."""

    reason: str = Field(min_length=2, max_length=500)


@router.get("", response_model=DeclarationPage)
def list_declarations(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    status: Annotated[str | None, Query(pattern="^(open|merged|dismissed)$")] = "open",
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="declarations under one person")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeclarationPage:
    """Declarations made in the caller's area or under a person of it, newest first (masked)."""
    return views.list_declarations(uow, rt, staff, status, person_id, limit, offset)


Decider = Annotated[Staff, Depends(Permitted("review.act", "declaration_id"))]


@router.post("/{declaration_id}/merge", response_model=DeclarationOut)
def merge(declaration_id: DbId, body: CloseIn, staff: Decider, uow: UowDep, rt: RuntimeDep) -> DeclarationOut:
    """Mark a declaration as the registered person's own (its answers are not copied into their record)."""
    return views.close(uow, rt, staff, declaration_id, "merged", body.reason)


@router.post("/{declaration_id}/dismiss", response_model=DeclarationOut)
def dismiss(declaration_id: DbId, body: CloseIn, staff: Decider, uow: UowDep, rt: RuntimeDep) -> DeclarationOut:
    """Mark a declaration as not the registered person's; the record stays as a record in its own right."""
    return views.close(uow, rt, staff, declaration_id, "dismissed", body.reason)
