"""Change requests: what a person asked to change after submitting, decided by the reviewers of the record's stage.

Once a record is submitted, a person's change is kept as a :class:`storage.changes.ChangeRequest`
and waits for the reviewers of the level that acts next on the record (``STEPS`` of the workflow):
a record at ``collected`` (or sent back, ``returned``) is the township's, ``township_reviewed`` the
county's, ``county_checked`` the prefecture's, ``city_accepted`` and ``province_accepted`` the
province's (the rules: :mod:`admin.services.changes`). They need ``review.act`` and the record in
their area; another level gets 403 (audited), another region 404. Approving applies the value as a new version of the answer; either decision
leaves a workflow event and the stage stays. Lists and reads show values masked; ``reveal`` shows
them in clear to roles with ``records.reveal``, audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from admin.services import change_views as views
from admin.services.change_views import ChangeDetail, ChangePage, RevealOut
from admin.services.workflow import QUEUE_STAGES
from admin.web.deps import CurrentStaff, Permitted, RuntimeDep, UowDep
from admin.web.params import MAX_ID, DbId
from storage.staff import Staff

router = APIRouter(prefix="/api/changes", tags=["changes"])
Decider = Annotated[Staff, Depends(Permitted("review.act", "change_id"))]


class DecisionIn(BaseModel):
    """Why a change request is approved or rejected."""

    reason: str = Field(min_length=2, max_length=500)


@router.get("", response_model=ChangePage)
def list_changes(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    questionnaire: Annotated[str | None, Query(max_length=64)] = None,
    stage: Annotated[str | None, Query(pattern="^(" + "|".join(QUEUE_STAGES) + ")$",
                                       description="the record's current stage")] = None,
    record_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the change requests of one record")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ChangePage:
    """Pending change requests of records in the caller's area, oldest first, values masked."""
    return views.list_changes(uow, rt, staff, questionnaire, stage, record_id, limit, offset)


@router.get("/{change_id}", response_model=ChangeDetail)
def read_change(change_id: DbId, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> ChangeDetail:
    """One change request: the value now and the value asked for, masked."""
    return views.read_change(uow, rt, staff, change_id)


@router.post("/{change_id}/reveal", response_model=RevealOut)
def reveal_change(change_id: DbId, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> RevealOut:
    """Both values of a change request in clear; always audited."""
    return views.reveal_change(uow, rt, staff, change_id)


@router.post("/{change_id}/approve", response_model=ChangeDetail)
def approve_change(change_id: DbId, body: DecisionIn, staff: Decider, uow: UowDep, rt: RuntimeDep) -> ChangeDetail:
    """Apply the change as a new version of the answer (the record's stage stays where it is)."""
    return views.decide(uow, rt, staff, change_id, approve=True, reason=body.reason)


@router.post("/{change_id}/reject", response_model=ChangeDetail)
def reject_change(change_id: DbId, body: DecisionIn, staff: Decider, uow: UowDep, rt: RuntimeDep) -> ChangeDetail:
    """Keep the answer as it is; the request is closed with the reason."""
    return views.decide(uow, rt, staff, change_id, approve=False, reason=body.reason)
