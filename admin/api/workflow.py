"""The campaign workflow of the plans: collected -> township reviewed -> county spot-checked -> city -> province.

Each level moves the records of its own area one step up; a county draws a reproducible sample of the
township-reviewed records at the campaign's rate and may pass them on only when every sampled record
passed its spot check. Any level can send records back down with a reason. The queue lists what waits
at a stage in the caller's area (masked), for the console's page 审核上报. The rules are in
:mod:`admin.services.workflow`; these routes read the request and shape the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from admin.services import workflow as service
from admin.services.access import require, scope_of
from admin.services.summaries import RecordSummary, summaries
from admin.services.workflow import QUEUE_STAGES, STEPS, draw_sample, next_step
from admin.web.deps import CurrentStaff, Permitted, RuntimeDep, UowDep
from admin.web.params import DbId, Offset
from storage.errors import InvalidInput
from storage.models import WorkflowEvent
from storage.staff import Staff

router = APIRouter(prefix="/api/workflow", tags=["workflow"])

__all__ = ["QUEUE_STAGES", "STEPS", "draw_sample", "next_step", "router"]

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


class SampleOut(BaseModel):
    """A county's reproducible spot-check sample."""

    campaign: str
    region: str
    rate: float
    candidates: int
    sample: list[int]
    checked: dict[int, bool]


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
    require(uow.staff, staff, "review.read")  # checked here too: the console calls this function
    drawn = service.county_sample(uow, staff, scope_of(uow.staff, staff), campaign, region)
    return SampleOut(campaign=drawn.campaign.key, region=drawn.region.path, rate=drawn.campaign.spot_check_rate,
                     candidates=drawn.candidates, sample=drawn.chosen, checked=drawn.checked)


@router.post("/spot-check", status_code=204)
def spot_check(body: SpotCheckIn, staff: ReviewActor, uow: UowDep) -> None:
    """Record a spot check; a failed one sends the record back to the township with the note."""
    service.spot_check(uow, staff, scope_of(uow.staff, staff), body.record_id, body.passed, body.note)


@router.put("/rate/{campaign_key}", status_code=204)
def set_rate(campaign_key: str, body: RateIn, staff: CurrentStaff, uow: UowDep) -> None:
    """Set a campaign's spot-check rate (province-level administrators)."""
    service.set_rate(uow, staff, campaign_key, body.rate)


class QueueItem(RecordSummary):
    """A record waiting at a workflow stage (masked), with when it was submitted and, if sent back, why."""

    stage: str
    submitted_at: datetime | None
    returned_reason: str | None = None
    returned_at: datetime | None = None
    returned_by: int | None = None


class QueueOut(BaseModel):
    """The records of the caller's area at one stage, and the step the caller may move them to."""

    campaign: str
    stage: str
    next: str | None
    total: int
    items: list[QueueItem]


@router.get("/queue", response_model=QueueOut)
def queue(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, campaign: str,
    stage: Annotated[str | None, Query(pattern="^(" + "|".join(QUEUE_STAGES) + ")$",
                                       description="the stage before the caller's step by default")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> QueueOut:
    """Records of the caller's area at a stage, oldest first, masked: what waits for the caller's step."""
    require(uow.staff, staff, "review.read")  # checked here too: the console calls this function
    found = service.campaign_by_key(uow, campaign)
    step = next_step(uow, staff)
    if stage is None:
        if step is None:
            raise InvalidInput("no workflow step at your level; name a stage")
        stage = STEPS[step][0]
    scope = scope_of(uow.staff, staff)
    rows = uow.store.records_at_stage(scope.region_ids, found.id or 0, stage)
    page = rows[offset:offset + limit]
    returns: dict[int, WorkflowEvent] = {}
    if stage == "returned":
        for event in uow.store.workflow_events([r.id or 0 for r in page]):
            if event.to_stage == "returned":
                returns[event.record_id] = event  # the latest one wins: events come oldest first
    items = []
    for r, shown in zip(page, summaries(uow, rt.questionnaires, scope, page), strict=True):
        back = returns.get(r.id or 0)
        items.append(QueueItem(
            **shown.model_dump(), stage=stage, submitted_at=r.submitted_at,
            returned_reason=back.reason if back else None, returned_at=back.created_at if back else None,
            returned_by=back.staff_id if back else None))
    moves_to = step if step is not None and STEPS[step][0] == stage else None
    uow.staff.audit("workflow_queue", staff=staff, target_type="record",
                    detail=f"{found.key} {stage}: {len(items)} of {len(rows)}")
    return QueueOut(campaign=found.key, stage=stage, next=moves_to, total=len(rows), items=items)
