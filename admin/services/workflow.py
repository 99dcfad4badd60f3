"""The campaign workflow's rules: who moves which records up or back down, spot-check samples and checks.

collected -> township reviewed -> county spot-checked -> city -> province. Each level moves the records
of its own area one step up; a county draws a reproducible sample of the township-reviewed records at
the campaign's rate and may pass them on only when every sampled record passed its spot check. Any
level can send records back down with a reason. Refusals are domain errors (audited where the plans
want them on record); per-record refusals of a batch are reported, not raised.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from admin.services.access import Scope, denied, not_found, refusal
from admin.services.uow import UnitOfWork
from storage.errors import Conflict, Forbidden, InvalidInput, NotFound
from storage.models import Campaign, Record, Region
from storage.staff import Staff

#: stage -> (the stage before it, the region level that moves records into it)
STEPS: dict[str, tuple[str, str]] = {
    "township_reviewed": ("collected", "township"),
    "county_checked": ("township_reviewed", "county"),
    "city_accepted": ("county_checked", "prefecture"),
    "province_accepted": ("city_accepted", "province"),
}
#: stages a queue can be asked for: every stage of the workflow, and records sent back
QUEUE_STAGES = ("collected", *STEPS, "returned")
LEVELS = ("village", "township", "county", "prefecture", "province")  # from the bottom of the tree up


@dataclass
class Moves:
    """What a batch moved, and what it refused with the reason."""

    moved: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """A county's reproducible spot-check sample and which of it was checked (passed or not)."""

    campaign: Campaign
    region: Region
    candidates: int
    chosen: list[int]
    checked: dict[int, bool]


def level_of(uow: UnitOfWork, staff: Staff) -> str:
    """The level of the staff member's region (village … province), '' when it is missing."""
    region = uow.staff.region(staff.region_id)
    return region.level if region else ""


def next_step(uow: UnitOfWork, staff: Staff) -> str | None:
    """The step the caller's region level takes (the stage it moves records into), or None at other levels."""
    level = level_of(uow, staff)
    return next((to for to, (_, lvl) in STEPS.items() if lvl == level), None)


def may_send_back(level: str, stage: str) -> bool:
    """Whether staff of a level may send back a record at a stage: only stages reached at their level or below."""
    if stage in ("collected", "returned"):
        return True
    reached_by = STEPS[stage][1] if stage in STEPS else "province"
    return level in LEVELS and LEVELS.index(reached_by) <= LEVELS.index(level)


def visible_record(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int) -> Record:
    """A record of the caller's area, or NotFound (audited)."""
    record = uow.store.session.get(Record, record_id)
    if record is None or not scope.covers(record.region_id):
        raise not_found(uow.staff, staff, "record", record_id)
    return record


def campaign_by_key(uow: UnitOfWork, key: str) -> Campaign:
    """A campaign by key, or NotFound."""
    campaign = uow.store.campaigns.by_key(key)
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


def sample_for(uow: UnitOfWork, campaign: Campaign, region_path: str, ids: list[int]) -> tuple[list[int], dict[int, bool]]:
    """The sample of some candidates and the spot checks already made of it."""
    sample = draw_sample(campaign, region_path, ids, campaign.spot_check_rate)
    checked: dict[int, bool] = {}
    for event in uow.store.records.workflow_events(sample):
        if event.action in ("spot_check_passed", "spot_check_failed"):
            checked[event.record_id] = event.action == "spot_check_passed"
    return sample, checked


def advance(uow: UnitOfWork, staff: Staff, scope: Scope, record_ids: list[int], to: str) -> Moves:
    """Move records of the caller's area one step up; the caller's region level must match the step."""
    before, level = STEPS[to]
    if staff.role != "system_admin" and level_of(uow, staff) != level:
        raise denied(staff, f"only {level}-level staff move records to {to}", "workflow", to)
    records = [visible_record(uow, staff, scope, rid) for rid in record_ids]
    out = Moves()
    if to == "county_checked":
        own = uow.staff.region(staff.region_id)
        by_campaign: dict[int, list[Record]] = {}
        for r in records:
            by_campaign.setdefault(r.campaign_id, []).append(r)
        for campaign_id, group in by_campaign.items():
            campaign = uow.store.campaigns.get(campaign_id)
            candidates = [r.id or 0 for r in uow.store.records.at_stage(scope.region_ids, campaign_id, before)]
            sample, checked = sample_for(uow, campaign, own.path if own else "", candidates)
            missing = [rid for rid in sample if not checked.get(rid)]
            if missing:
                for r in group:
                    out.refused[r.id or 0] = f"spot check not passed yet for records {missing}"
    for r in records:
        rid = r.id or 0
        if rid in out.refused:
            continue
        if r.stage != before:
            out.refused[rid] = f"the record is at {r.stage or 'in progress'}, not {before}"
        elif to == "township_reviewed" and uow.store.records.flags(rid):
            out.refused[rid] = "open flags must be resolved first"
        else:
            uow.store.records.move(r, "advance", to, staff.id)
            out.moved.append(rid)
    uow.staff.audit("workflow_advance", staff=staff, target_type="record", detail=f"{to}: {len(out.moved)} moved")
    return out


def send_back(uow: UnitOfWork, staff: Staff, scope: Scope, record_ids: list[int], reason: str) -> Moves:
    """Send records back to the collector with a reason; they come back up when re-submitted."""
    level = "province" if staff.role == "system_admin" else level_of(uow, staff)
    records = [visible_record(uow, staff, scope, rid) for rid in record_ids]  # all visible, or nothing moves
    out = Moves()
    for r in records:
        rid = r.id or 0
        if r.stage is None:
            out.refused[rid] = "the record is not submitted"
        elif r.stage == "returned":
            out.refused[rid] = "the record has already been sent back"
        elif not may_send_back(level, r.stage):
            out.refused[rid] = f"the record is at {r.stage}, above what {level or 'your'}-level staff send back"
        else:
            uow.store.records.move(r, "return", "returned", staff.id, reason)
            out.moved.append(rid)
    uow.staff.audit("workflow_return", staff=staff, target_type="record", detail=f"{len(out.moved)} returned")
    return out


def county_sample(uow: UnitOfWork, staff: Staff, scope: Scope, campaign_key: str, region: str | None) -> Sample:
    """The county's spot-check sample of township-reviewed records (the same every time it is asked)."""
    found = campaign_by_key(uow, campaign_key)
    target = uow.staff.region_by_path(region) if region else uow.staff.region(staff.region_id)
    if target is None or not scope.covers(target.id):
        raise not_found(uow.staff, staff, "region", region or staff.region_id)
    if target.level != "county":
        raise InvalidInput("spot checks are drawn per county")
    ids = [r.id or 0 for r in uow.store.records.at_stage(uow.staff.subtree_ids(target), found.id or 0,
                                                           "township_reviewed")]
    chosen, checked = sample_for(uow, found, target.path, ids)
    return Sample(found, target, len(ids), chosen, checked)


def spot_check(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int, passed: bool, note: str) -> None:
    """Record a spot check; a failed one sends the record back to the township with the note."""
    if staff.role != "system_admin" and level_of(uow, staff) != "county":
        raise denied(staff, "spot checks are made by county-level staff", "workflow", str(record_id))
    r = visible_record(uow, staff, scope, record_id)
    if r.stage != "township_reviewed":
        raise Conflict(f"the record is at {r.stage}, not township_reviewed")
    if passed:
        uow.store.records.move(r, "spot_check_passed", None, staff.id, note)
    else:
        uow.store.records.move(r, "spot_check_failed", "returned", staff.id, note or "spot check failed")
    uow.staff.audit("spot_check", staff=staff, target_type="record", target_id=record_id,
                    detail="passed" if passed else "failed")


def may_set_rate(uow: UnitOfWork, staff: Staff) -> bool:
    """Whether the caller sets campaigns' spot-check rates (province-level administrators)."""
    return staff.role == "system_admin" or (staff.role == "region_admin" and level_of(uow, staff) == "province")


def set_rate(uow: UnitOfWork, staff: Staff, campaign_key: str, rate: float) -> None:
    """Set a campaign's spot-check rate (province-level administrators only)."""
    if not may_set_rate(uow, staff):
        raise Forbidden("only province-level administrators set the rate").audited(
            refusal(staff, "denied", "campaign", campaign_key, detail="spot-check rate"))
    campaign = campaign_by_key(uow, campaign_key)
    campaign.spot_check_rate = rate
    uow.store.session.add(campaign)
    uow.staff.audit("set_spot_check_rate", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=str(rate))
