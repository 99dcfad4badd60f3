"""The campaign workflow of the plans: collected -> township reviewed -> county spot-checked -> city -> province.

Each level moves the records of its own area one step up; a county draws a reproducible sample of the
township-reviewed records at the campaign's rate and may pass them on only when every sampled record
passed its spot check. Any level can send records back down with a reason. The queue lists what waits
at a stage in the caller's area (masked), for the console's page 审核上报. The rules are in
:mod:`admin.services.workflow`; these routes read the request and shape the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from admin.services import workflow as service
from admin.services import workflow_views as views
from admin.services.access import scope_of
from admin.services.workflow import QUEUE_STAGES, STEPS
from admin.services.workflow_views import QueueOut, SampleOut
from admin.web.deps import CurrentStaff, Permitted, RuntimeDep, UowDep
from admin.web.params import DbId, Offset
from storage.staff import Staff

router = APIRouter(prefix="/api/workflow", tags=["workflow"])


class AdvanceIn(BaseModel):
    """Records to move one step up."""

    record_ids: list[DbId] = Field(min_length=1, max_length=1000)
    to: str = Field(pattern="^(" + "|".join(STEPS) + ")$")


class ReturnIn(BaseModel):
    """Records to send back down, and why."""

    record_ids: list[DbId] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=2, max_length=500)


class SpotCheckIn(BaseModel):
    """The result of a county's spot check of one record."""

    record_id: DbId
    passed: bool
    note: str = Field(default="", max_length=500)


class MoveOut(BaseModel):
    """What was moved and what was refused, with the reason."""

    moved: list[int]
    refused: dict[int, str]


class RateIn(BaseModel):
    """The spot-check rate of a campaign."""

    rate: float = Field(gt=0, le=1)


ReviewActor = Annotated[Staff, Depends(Permitted("review.act"))]
ReviewReader = Annotated[Staff, Depends(Permitted("review.read"))]


@router.post("/advance", response_model=MoveOut)
def advance(body: AdvanceIn, staff: ReviewActor, uow: UowDep) -> MoveOut:
    """Move records of the caller's area one step up; the caller's region level must match the step."""
    moves = service.advance(uow, staff, scope_of(uow.staff, staff), list(body.record_ids), body.to)
    return MoveOut(moved=moves.moved, refused=moves.refused)


@router.post("/return", response_model=MoveOut)
def send_back(body: ReturnIn, staff: ReviewActor, uow: UowDep) -> MoveOut:
    """Send records back to the collector with a reason; they come back up when re-submitted."""
    moves = service.send_back(uow, staff, scope_of(uow.staff, staff), list(body.record_ids), body.reason)
    return MoveOut(moved=moves.moved, refused=moves.refused)


@router.get("/sample", response_model=SampleOut)
def sample(staff: CurrentStaff, uow: UowDep, campaign: str,
           region: Annotated[str | None, Query(description="county path; the caller's own by default")] = None,
           ) -> SampleOut:
    """The county's spot-check sample of township-reviewed records (the same every time it is asked)."""
    return views.sample(uow, staff, campaign, region)


@router.post("/spot-check", status_code=204)
def spot_check(body: SpotCheckIn, staff: ReviewActor, uow: UowDep) -> None:
    """Record a spot check; a failed one sends the record back to the township with the note."""
    service.spot_check(uow, staff, scope_of(uow.staff, staff), body.record_id, body.passed, body.note)


@router.put("/rate/{campaign_key}", status_code=204)
def set_rate(campaign_key: str, body: RateIn, staff: CurrentStaff, uow: UowDep) -> None:
    """Set a campaign's spot-check rate (province-level administrators)."""
    service.set_rate(uow, staff, campaign_key, body.rate)


@router.get("/queue", response_model=QueueOut)
def queue(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, campaign: str,
    stage: Annotated[str | None, Query(pattern="^(" + "|".join(QUEUE_STAGES) + ")$",
                                       description="the stage before the caller's step by default")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> QueueOut:
    """Records of the caller's area at a stage, oldest first, masked: what waits for the caller's step."""
    return views.queue(uow, rt, staff, campaign, stage, limit, offset)
