"""Home visits and phone calls (走访): entered by collectors, listed for a person and for the caller's area; the
visit figures of regions; the people who need a home visit, for their village collector."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from admin.services import visits as service
from admin.services.access import scope_of
from admin.web.deps import CurrentStaff, UowDep
from admin.web.params import DbId, Offset
from storage.crypto import mask_name, mask_phone
from storage.visits import Outcome, Visit, VisitMode

router = APIRouter(prefix="/api/visits", tags=["visits"])
CampaignKey = Annotated[str, Query(min_length=1, max_length=80, description="a campaign key, e.g. veterans-2026")]
Limit = Annotated[int, Query(ge=1, le=200)]


class VisitIn(BaseModel):
    """A home visit or phone call as the collector enters it."""

    campaign: str = Field(min_length=1, max_length=80)
    person_id: DbId
    mode: VisitMode
    outcome: Outcome
    at: datetime | None = Field(default=None, description="when it happened, with its offset; default now")
    note: str | None = Field(default=None, max_length=500)


class VisitOut(BaseModel):
    """A visit or call; the note (sealed at rest) only in a person's own list."""

    id: int
    person_id: int
    record_id: int | None
    staff_id: int
    at: datetime
    mode: VisitMode
    outcome: Outcome
    note: str | None = None


class VisitPage(BaseModel):
    total: int
    items: list[VisitOut]


class FiguresRow(BaseModel):
    """The visit figures of a region (its whole subtree), over the persons on the campaign's roster there."""

    region: str
    roster: int
    contacted: int  # met at least once, at home or on the phone
    visited: int  # met at home at least once
    visited_twice: int  # met at home at least twice
    contact_rate: float | None
    visit_rate: float | None  # 入户率, target 95%
    two_visit_rate: float | None  # 每年至少两次入户走访
    visit_target_met: bool | None


class NeedOut(BaseModel):
    """A person who needs a home visit (masked), why, and their visits of the campaign."""

    person_id: int
    name: str | None
    phone: str | None
    region: str | None
    aged: bool
    disabled: bool
    no_phone: bool
    home_visits_met: int
    last_visit_at: datetime | None


class NeedPage(BaseModel):
    total: int
    items: list[NeedOut]


def visit_out(v: Visit, with_note: bool) -> VisitOut:
    return VisitOut(id=v.id, person_id=v.person_id, record_id=v.record_id, staff_id=v.staff_id, at=v.at,
                    mode=v.mode, outcome=v.outcome, note=v.note if with_note else None)


@router.post("", response_model=VisitOut, status_code=201)
def add_visit(body: VisitIn, staff: CurrentStaff, uow: UowDep) -> VisitOut:
    """Record a home visit or call of a person of the caller's area (collectors, reviewers, admins)."""
    campaign = service.campaign_by_key(uow, body.campaign)
    done = service.add_visit(uow, staff, scope_of(uow.staff, staff), campaign, service.NewVisit(
        person_id=body.person_id, mode=body.mode, outcome=body.outcome, at=body.at, note=body.note))
    return visit_out(done, with_note=True)


@router.get("", response_model=VisitPage)
def area_visits(staff: CurrentStaff, uow: UowDep, campaign: CampaignKey, limit: Limit = 50,
                offset: Offset = 0) -> VisitPage:
    """The campaign's visits to persons of the caller's area, newest first."""
    found = service.campaign_by_key(uow, campaign)
    total, rows = service.visits_in_area(uow, staff, scope_of(uow.staff, staff), found, limit=limit, offset=offset)
    return VisitPage(total=total, items=[visit_out(v, with_note=False) for v in rows])


@router.get("/person/{person_id}", response_model=VisitPage)
def person_visits(person_id: DbId, staff: CurrentStaff, uow: UowDep, campaign: CampaignKey) -> VisitPage:
    """A person's visits in the campaign, newest first, with notes (a person of the caller's area)."""
    found = service.campaign_by_key(uow, campaign)
    rows = service.visits_of_person(uow, staff, scope_of(uow.staff, staff), found, person_id)
    return VisitPage(total=len(rows), items=[visit_out(v, with_note=True) for v in rows])


@router.get("/figures", response_model=list[FiguresRow])
def figures(staff: CurrentStaff, uow: UowDep, campaign: CampaignKey) -> list[FiguresRow]:
    """The caller's region and each region under it: persons contacted, visited at home once and twice."""
    found = service.campaign_by_key(uow, campaign)
    return [figures_row(r) for r in service.figures(uow, staff, found)]


def figures_row(r: service.RegionFigures) -> FiguresRow:
    f = r.figures
    return FiguresRow(region=r.region.path, roster=f.roster, contacted=f.contacted, visited=f.visited,
                      visited_twice=f.visited_twice, contact_rate=r.contact_rate, visit_rate=r.visit_rate,
                      two_visit_rate=r.two_visit_rate, visit_target_met=r.target_met)


@router.get("/needs", response_model=NeedPage)
def needs(staff: CurrentStaff, uow: UowDep, campaign: CampaignKey, limit: Limit = 100,
          offset: Offset = 0) -> NeedPage:
    """Persons of the caller's area who need a home visit (aged 80+, disabled, no phone), fewest visits first."""
    found = service.campaign_by_key(uow, campaign)
    total, rows = service.needing(uow, staff, scope_of(uow.staff, staff), found, limit=limit, offset=offset)
    paths: dict[int, str | None] = {}
    items = []
    for r in rows:
        if r.region_id is not None and r.region_id not in paths:
            region = uow.staff.region(r.region_id)
            paths[r.region_id] = region.path if region else None
        items.append(NeedOut(person_id=r.person_id, name=mask_name(r.name) if r.name else None,
                             phone=mask_phone(r.phone) if r.phone else None,
                             region=paths.get(r.region_id) if r.region_id is not None else None,
                             aged=r.aged, disabled=r.disabled, no_phone=r.no_phone,
                             home_visits_met=r.home_visits_met, last_visit_at=r.last_visit_at))
    return NeedPage(total=total, items=items)
