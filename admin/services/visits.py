"""Home visits and phone calls as staff enter them, the visit figures of regions, and who needs a home visit.

A collector enters each visit or call of a person of their area (:func:`add_visit`); the visit rate and the
"two home visits a year" of the plans are computed from these events per region (:func:`figures`). The
people who need a home visit (aged 80 or more, disabled, no phone) are listed for their village collector
with their visits of the campaign (:func:`needing`). No FastAPI here: errors are the domain's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from admin.services.access import Scope, not_found, require
from admin.services.uow import UnitOfWork
from storage.errors import InvalidInput, NotFound
from storage.models import Campaign, Person, Record, Region
from storage.staff import Staff
from storage.visits import NeedRow, Outcome, Visit, VisitFigures, VisitMode

VISIT_TARGET = 0.95  # 信息采集入户率达到95%以上
LATE_ENTRY = timedelta(days=366)  # a visit entered afterwards: at most a year back
CLOCK_SLACK = timedelta(minutes=5)  # a device clock a little ahead


class Clock(Protocol):
    """Where "now" comes from (tests move it). Defined here until the campaigns' clock module is merged."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK = SystemClock()


@dataclass(frozen=True)
class NewVisit:
    """A visit or call as the collector enters it."""

    person_id: int
    mode: VisitMode
    outcome: Outcome
    at: datetime | None = None  # when it happened; None: now
    note: str | None = None


@dataclass(frozen=True)
class RegionFigures:
    """The visit figures of one region (its whole subtree)."""

    region: Region
    figures: VisitFigures

    @property
    def visit_rate(self) -> float | None:
        """Persons met at home at least once, of the roster (入户率)."""
        f = self.figures
        return round(f.visited / f.roster, 4) if f.roster else None

    @property
    def two_visit_rate(self) -> float | None:
        """Persons met at home at least twice, of the roster (每年至少两次入户走访)."""
        f = self.figures
        return round(f.visited_twice / f.roster, 4) if f.roster else None

    @property
    def contact_rate(self) -> float | None:
        f = self.figures
        return round(f.contacted / f.roster, 4) if f.roster else None

    @property
    def target_met(self) -> bool | None:
        rate = self.visit_rate
        return None if rate is None else rate >= VISIT_TARGET


def campaign_by_key(uow: UnitOfWork, key: str) -> Campaign:
    """A campaign by key, or NotFound."""
    found = uow.store.campaigns.by_key(key)
    if found is None:
        raise NotFound(f"no campaign {key!r}")
    return found


def home_region(uow: UnitOfWork, campaign: Campaign, person: Person) -> int | None:
    """Where a person belongs for a campaign: their roster entry's region, else their own."""
    entry = uow.store.campaigns.roster_entry(campaign.id or 0, person.id or 0)
    return entry.region_id if entry is not None and entry.region_id else person.region_id


def person_of_area(uow: UnitOfWork, staff: Staff, scope: Scope, campaign: Campaign, person_id: int) -> Person:
    """A person whose home region for the campaign the caller covers, else NotFound (audited)."""
    person = uow.store.session.get(Person, person_id)
    if person is None or not scope.covers(home_region(uow, campaign, person)):
        raise not_found(uow.staff, staff, "person", person_id)
    return person


def add_visit(uow: UnitOfWork, staff: Staff, scope: Scope, campaign: Campaign, visit: NewVisit,
              clock: Clock = SYSTEM_CLOCK) -> Visit:
    """Record a visit or call of a person of the caller's area; audited without personal data."""
    require(uow.staff, staff, "collect")
    person = person_of_area(uow, staff, scope, campaign, visit.person_id)
    now = clock.now()
    at = visit.at or now
    if at.tzinfo is None:
        raise InvalidInput("at: give the time with its offset, e.g. 2026-07-02T10:30:00+08:00")
    if at > now + CLOCK_SLACK:
        raise InvalidInput("at: a visit cannot be in the future")
    if at < now - LATE_ENTRY:
        raise InvalidInput("at: a visit more than a year ago cannot be entered")
    record_id = _record_of(uow, campaign, person)
    done = uow.store.visits.add(
        campaign_id=campaign.id or 0, person_id=person.id or 0, record_id=record_id, staff_id=staff.id or 0,
        at=at, mode=visit.mode, outcome=visit.outcome, note=(visit.note or "").strip() or None)
    uow.staff.audit("visit_add", staff=staff, target_type="person", target_id=person.id,
                    detail=f"{campaign.key} {visit.mode.value} {visit.outcome.value}")
    return done


def _record_of(uow: UnitOfWork, campaign: Campaign, person: Person) -> int | None:
    """The person's record in the campaign, if one was begun (a visit opens none)."""
    return uow.store.visits.record_of(campaign.id or 0, person.id or 0)


def visits_of_person(uow: UnitOfWork, staff: Staff, scope: Scope, campaign: Campaign, person_id: int) -> list[Visit]:
    """A person's visits in the campaign, newest first (a person of the caller's area only)."""
    require(uow.staff, staff, "records.read")
    person_of_area(uow, staff, scope, campaign, person_id)
    return uow.store.visits.of_person(campaign.id or 0, person_id)


def visits_in_area(uow: UnitOfWork, staff: Staff, scope: Scope, campaign: Campaign, *, limit: int,
                   offset: int) -> tuple[int, list[Visit]]:
    """The visits of the campaign to persons of the caller's area, newest first."""
    require(uow.staff, staff, "records.read")
    return uow.store.visits.in_regions(campaign.id or 0, scope.region_ids,
                                                                  limit=limit, offset=offset)


def figures(uow: UnitOfWork, staff: Staff, campaign: Campaign) -> list[RegionFigures]:
    """The caller's region and each region directly under it, with its visit figures."""
    require(uow.staff, staff, "records.read")
    own = uow.staff.region(staff.region_id)
    if own is None:
        raise NotFound("the account's region is missing")
    out = []
    for region in [own, *uow.store.regions.children(own.id or 0)]:
        ids = None if staff.role == "system_admin" and region is own and own.parent_id is None else \
            uow.staff.subtree_ids(region)
        out.append(region_figures(uow, campaign, region, ids))
    return out


def region_figures(uow: UnitOfWork, campaign: Campaign, region: Region, ids: list[int] | None) -> RegionFigures:
    """The visit figures of a region given by the ids of its subtree (None: everything)."""
    return RegionFigures(region, uow.store.visits.figures(campaign.id or 0, ids))


def needing(uow: UnitOfWork, staff: Staff, scope: Scope, campaign: Campaign, *, limit: int,
            offset: int) -> tuple[int, list[NeedRow]]:
    """The persons of the caller's area who need a home visit, fewest home visits first (values in clear)."""
    require(uow.staff, staff, "collect")
    total, rows = uow.store.visits.needing(campaign.id or 0, scope.region_ids,
                                                                      limit=limit, offset=offset)
    uow.staff.audit("visit_needs_read", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=f"{len(rows)} of {total}")
    return total, rows


def refresh_needs(uow: UnitOfWork, campaign: Campaign, person_ids: list[int]) -> None:
    """Compute again why these persons need a home visit (after an import, an interview, a submission)."""
    uow.store.visits.refresh_needs(campaign, person_ids)


def campaign_of_record(uow: UnitOfWork, record_id: int) -> Campaign | None:
    """The campaign of a record, if the record exists."""
    record = uow.store.session.get(Record, record_id)
    return uow.store.campaigns.get(record.campaign_id) if record is not None else None


def interview_opened(uow: UnitOfWork, record_id: int | None) -> None:
    """Compute again whether the person interviewed needs a home visit (their phone may be known now)."""
    record = uow.store.session.get(Record, record_id) if record_id is not None else None
    if record is not None and record.person_id is not None:
        refresh_needs(uow, uow.store.campaigns.get(record.campaign_id), [record.person_id])
