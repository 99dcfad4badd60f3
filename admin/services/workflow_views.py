"""The workflow as staff see it: the records waiting at a stage (masked) and a county's spot-check sample.

The rules (steps, levels, the sample) are in :mod:`admin.services.workflow`; the routes are
:mod:`admin.api.workflow`, and the console's page 审核上报 (:mod:`admin.console.workflow`) calls these too.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from admin.runtime import Runtime
from admin.services import workflow as service
from admin.services.access import require, scope_of
from admin.services.summaries import RecordSummary, summaries
from admin.services.uow import UnitOfWork
from admin.services.workflow import STEPS, next_step
from storage.errors import InvalidInput
from storage.models import WorkflowEvent
from storage.staff import Staff


class SampleOut(BaseModel):
    """A county's reproducible spot-check sample."""

    campaign: str
    region: str
    rate: float
    candidates: int
    sample: list[int]
    checked: dict[int, bool]


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


def sample(uow: UnitOfWork, staff: Staff, campaign: str, region: str | None) -> SampleOut:
    """The county's spot-check sample of township-reviewed records (the same every time it is asked)."""
    require(uow.staff, staff, "review.read")
    drawn = service.county_sample(uow, staff, scope_of(uow.staff, staff), campaign, region)
    return SampleOut(campaign=drawn.campaign.key, region=drawn.region.path, rate=drawn.campaign.spot_check_rate,
                     candidates=drawn.candidates, sample=drawn.chosen, checked=drawn.checked)


def queue(uow: UnitOfWork, rt: Runtime, staff: Staff, campaign: str, stage: str | None, limit: int,
          offset: int) -> QueueOut:
    """Records of the caller's area at a stage, oldest first, masked: what waits for the caller's step."""
    require(uow.staff, staff, "review.read")
    found = service.campaign_by_key(uow, campaign)
    step = next_step(uow, staff)
    if stage is None:
        if step is None:
            raise InvalidInput("no workflow step at your level; name a stage")
        stage = STEPS[step][0]
    scope = scope_of(uow.staff, staff)
    rows = uow.store.records.at_stage(scope.region_ids, found.id or 0, stage)
    page = rows[offset:offset + limit]
    returns: dict[int, WorkflowEvent] = {}
    if stage == "returned":
        for event in uow.store.records.workflow_events([r.id or 0 for r in page]):
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
