"""The campaign workflow of the plans: collected -> township reviewed -> county spot-checked -> city -> province.

Each level moves the records of its own area one step up; a county draws a reproducible sample of the
township-reviewed records at the campaign's rate and may pass them on only when every sampled record
passed its spot check. Any level can send records back down with a reason. The queue lists what waits
at a stage in the caller's area (masked), for the console's page 审核上报.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from admin.access import Scope, denied, not_found, refusal, require, scope_of
from admin.api.summary import RecordSummary, summaries
from admin.deps import CurrentStaff, RuntimeDep, UowDep
from admin.params import DbId, Offset
from storage.errors import Conflict, Forbidden, InvalidInput, NotFound
from storage.models import Campaign, Record, WorkflowEvent
from storage.staff import Staff

router = APIRouter(prefix="/api/workflow", tags=["workflow"])

#: stage -> (the stage before it, the region level that moves records into it)
STEPS: dict[str, tuple[str, str]] = {
    "township_reviewed": ("collected", "township"),
    "county_checked": ("township_reviewed", "county"),
    "city_accepted": ("county_checked", "prefecture"),
    "province_accepted": ("city_accepted", "province"),
}


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


LEVELS = ("village", "township", "county", "prefecture", "province")  # from the bottom of the tree up


def _level(uow: UowDep, staff: Staff) -> str:
    region = uow.staff.region(staff.region_id)
    return region.level if region else ""


def _deny(uow: UowDep, staff: Staff, detail: str, target: str) -> Forbidden:
    """A 403 for a step the caller's level may not take; the refusal is audited like any other."""
    return denied(staff, detail, "workflow", target)


def _may_send_back(level: str, stage: str) -> bool:
    """Whether staff of a level may send back a record at a stage: only stages reached at their level or below."""
    if stage in ("collected", "returned"):
        return True
    reached_by = STEPS[stage][1] if stage in STEPS else "province"
    return level in LEVELS and LEVELS.index(reached_by) <= LEVELS.index(level)


def _record(uow: UowDep, staff: Staff, scope: Scope, record_id: int) -> Record:
    record = uow.store.session.get(Record, record_id)
    if record is None or not scope.covers(record.region_id):
        raise not_found(uow.staff, staff, "record", record_id)
    return record


def _campaign(uow: UowDep, key: str) -> Campaign:
    campaign = uow.store.campaign_by_key(key)
    if campaign is None:
        raise NotFound(f"no campaign {key!r}")
    return campaign


def draw_sample(campaign: Campaign, region_path: str, record_ids: list[int], rate: float) -> list[int]:
    """The same records for the same campaign, county and candidates every time: ordered by a keyed hash."""
    if not record_ids:
        return []
    size = max(1, math.ceil(rate * len(record_ids)))

    def key(rid: int) -> str:
        return hashlib.sha256(f"{campaign.key}|{region_path}|{rid}".encode()).hexdigest()

    return sorted(sorted(record_ids, key=key)[:size])


def _sample_for(uow: UowDep, campaign: Campaign, region_path: str, ids: list[int]) -> tuple[list[int], dict[int, bool]]:
    sample = draw_sample(campaign, region_path, ids, campaign.spot_check_rate)
    checked: dict[int, bool] = {}
    for event in uow.store.workflow_events(sample):
        if event.action in ("spot_check_passed", "spot_check_failed"):
            checked[event.record_id] = event.action == "spot_check_passed"
    return sample, checked


@router.post("/advance", response_model=MoveOut)
def advance(body: AdvanceIn, staff: CurrentStaff, uow: UowDep) -> MoveOut:
    """Move records of the caller's area one step up; the caller's region level must match the step."""
    require(uow.staff, staff, "review.act")
    before, level = STEPS[body.to]
    if staff.role != "system_admin" and _level(uow, staff) != level:
        raise _deny(uow, staff, f"only {level}-level staff move records to {body.to}", body.to)
    scope = scope_of(uow.staff, staff)
    records = [_record(uow, staff, scope, rid) for rid in body.record_ids]
    refused: dict[int, str] = {}
    if body.to == "county_checked":
        own = uow.staff.region(staff.region_id)
        by_campaign: dict[int, list[Record]] = {}
        for r in records:
            by_campaign.setdefault(r.campaign_id, []).append(r)
        for campaign_id, group in by_campaign.items():
            campaign = uow.store.get_campaign(campaign_id)
            candidates = [r.id or 0 for r in uow.store.records_at_stage(scope.region_ids, campaign_id, before)]
            sample, checked = _sample_for(uow, campaign, own.path if own else "", candidates)
            missing = [rid for rid in sample if not checked.get(rid)]
            if missing:
                for r in group:
                    refused[r.id or 0] = f"spot check not passed yet for records {missing}"
    moved: list[int] = []
    for r in records:
        rid = r.id or 0
        if rid in refused:
            continue
        if r.stage != before:
            refused[rid] = f"the record is at {r.stage or 'in progress'}, not {before}"
        elif body.to == "township_reviewed" and uow.store.flags(rid):
            refused[rid] = "open flags must be resolved first"
        else:
            uow.store.move_record(r, "advance", body.to, staff.id)
            moved.append(rid)
    uow.staff.audit("workflow_advance", staff=staff, target_type="record", detail=f"{body.to}: {len(moved)} moved")
    return MoveOut(moved=moved, refused=refused)


@router.post("/return", response_model=MoveOut)
def send_back(body: ReturnIn, staff: CurrentStaff, uow: UowDep) -> MoveOut:
    """Send records back to the collector with a reason; they come back up when re-submitted."""
    require(uow.staff, staff, "review.act")
    scope = scope_of(uow.staff, staff)
    level = "province" if staff.role == "system_admin" else _level(uow, staff)
    records = [_record(uow, staff, scope, rid) for rid in body.record_ids]  # all visible, or nothing moves
    moved: list[int] = []
    refused: dict[int, str] = {}
    for r in records:
        rid = r.id or 0
        if r.stage is None:
            refused[rid] = "the record is not submitted"
        elif r.stage == "returned":
            refused[rid] = "the record has already been sent back"
        elif not _may_send_back(level, r.stage):
            refused[rid] = f"the record is at {r.stage}, above what {level or 'your'}-level staff send back"
        else:
            uow.store.move_record(r, "return", "returned", staff.id, body.reason)
            moved.append(rid)
    uow.staff.audit("workflow_return", staff=staff, target_type="record", detail=f"{len(moved)} returned")
    return MoveOut(moved=moved, refused=refused)


@router.get("/sample", response_model=SampleOut)
def sample(staff: CurrentStaff, uow: UowDep, campaign: str,
           region: Annotated[str | None, Query(description="county path; the caller's own by default")] = None,
           ) -> SampleOut:
    """The county's spot-check sample of township-reviewed records (the same every time it is asked)."""
    require(uow.staff, staff, "review.read")
    found = _campaign(uow, campaign)
    scope = scope_of(uow.staff, staff)
    target = uow.staff.region_by_path(region) if region else uow.staff.region(staff.region_id)
    if target is None or not scope.covers(target.id):
        raise not_found(uow.staff, staff, "region", region or staff.region_id)
    if target.level != "county":
        raise InvalidInput("spot checks are drawn per county")
    ids = [r.id or 0 for r in uow.store.records_at_stage(uow.staff.subtree_ids(target), found.id or 0,
                                                           "township_reviewed")]
    chosen, checked = _sample_for(uow, found, target.path, ids)
    return SampleOut(campaign=found.key, region=target.path, rate=found.spot_check_rate, candidates=len(ids),
                     sample=chosen, checked=checked)


@router.post("/spot-check", status_code=204)
def spot_check(body: SpotCheckIn, staff: CurrentStaff, uow: UowDep) -> None:
    """Record a spot check; a failed one sends the record back to the township with the note."""
    require(uow.staff, staff, "review.act")
    if staff.role != "system_admin" and _level(uow, staff) != "county":
        raise _deny(uow, staff, "spot checks are made by county-level staff", str(body.record_id))
    r = _record(uow, staff, scope_of(uow.staff, staff), body.record_id)
    if r.stage != "township_reviewed":
        raise Conflict(f"the record is at {r.stage}, not township_reviewed")
    if body.passed:
        uow.store.move_record(r, "spot_check_passed", None, staff.id, body.note)
    else:
        uow.store.move_record(r, "spot_check_failed", "returned", staff.id, body.note or "spot check failed")
    uow.staff.audit("spot_check", staff=staff, target_type="record", target_id=body.record_id,
                    detail="passed" if body.passed else "failed")


@router.put("/rate/{campaign_key}", status_code=204)
def set_rate(campaign_key: str, body: RateIn, staff: CurrentStaff, uow: UowDep) -> None:
    """Set a campaign's spot-check rate (province-level administrators)."""
    allowed = staff.role == "system_admin" or (staff.role == "region_admin" and _level(uow, staff) == "province")
    if not allowed:
        raise Forbidden("only province-level administrators set the rate").audited(
            refusal(staff, "denied", "campaign", campaign_key, detail="spot-check rate"))
    campaign = _campaign(uow, campaign_key)
    campaign.spot_check_rate = body.rate
    uow.store.session.add(campaign)
    uow.staff.audit("set_spot_check_rate", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=str(body.rate))


#: stages a queue can be asked for: every stage of the workflow, and records sent back
QUEUE_STAGES = ("collected", *STEPS, "returned")


def next_step(uow: UowDep, staff: Staff) -> str | None:
    """The step the caller's region level takes (the stage it moves records into), or None at other levels."""
    level = _level(uow, staff)
    return next((to for to, (_, lvl) in STEPS.items() if lvl == level), None)


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
    require(uow.staff, staff, "review.read")
    found = _campaign(uow, campaign)
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
