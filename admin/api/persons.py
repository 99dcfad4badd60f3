"""Persons no region places yet (self-registered in a chat without saying where they live): seen only from
the province, and claimed into a region only there, by an administrator, with an audited claim.

Staff of a region below the root see none of them (the list is empty for them, and a claim answers
404 as for a person that does not exist): nobody below the province can claim a person by meeting
their ID number. A claim places the person and their records of open campaigns that no region
places; records already placed stay where they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from admin.services import persons as service
from admin.services.access import require, scope_of
from admin.web.deps import CurrentStaff, Permitted, UowDep
from admin.web.params import DbId
from storage import casework
from storage.crypto import mask_id_number, mask_name
from storage.models import Person
from storage.staff import Staff

router = APIRouter(prefix="/api/persons", tags=["persons"])


class RecordRef(BaseModel):
    """A record of an unplaced person, or a declaration made under their ID number."""

    id: int
    campaign: str
    status: str
    stage: str | None
    region: str | None


class DeclarationRef(BaseModel):
    """A declaration opened under an unplaced person's ID number."""

    id: int
    status: str
    source: str
    record: RecordRef


class UnplacedOut(BaseModel):
    """A person no region places (masked), with their records and the declarations under their number."""

    person_id: int
    name: str | None
    id_number: str
    source: str
    created_at: datetime
    records: list[RecordRef]
    declarations: list[DeclarationRef]


class UnplacedPage(BaseModel):
    """A page of unplaced persons."""

    total: int
    items: list[UnplacedOut]


class ClaimIn(BaseModel):
    """Where the person lives."""

    region: str = Field(min_length=1, max_length=300, description="a region path, e.g. 甘肃省/临夏回族自治州/东乡族自治县")


class ClaimOut(BaseModel):
    """Where the person was placed, and how many of their records moved with them."""

    person_id: int
    region: str
    records_moved: int


@router.get("/unplaced", response_model=UnplacedPage)
def list_unplaced(
    staff: CurrentStaff, uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UnplacedPage:
    """Persons without a region, oldest first (masked); only the province sees any."""
    require(uow.staff, staff, "records.read")
    persons: list[Person] = []
    total = 0
    if scope_of(uow.staff, staff).region_ids is None:  # below the root none of them is in the caller's area
        total, persons = casework.unplaced_persons(uow.store.session, limit=limit, offset=offset)
    ids = [p.id or 0 for p in persons]
    records = casework.records_of(uow.store.session, ids)
    declared = casework.declarations_for(uow.store.session, ids)
    regions: dict[int, str] = {}

    def ref(record_id: int, campaign: str, status: str, stage: str | None, region_id: int | None) -> RecordRef:
        if region_id is not None and region_id not in regions:
            region = uow.staff.region(region_id)
            regions[region_id] = region.path if region else ""
        return RecordRef(id=record_id, campaign=campaign, status=status, stage=stage,
                         region=regions.get(region_id) if region_id is not None else None)

    items = []
    for p in persons:
        pid = p.id or 0
        name = uow.store.people.name(p)
        items.append(UnplacedOut(
            person_id=pid, name=mask_name(name) if name else None, id_number=mask_id_number(uow.store.people.id_number(p)),
            source=p.source, created_at=p.created_at,
            records=[ref(r.id or 0, c.key, r.status, r.stage, r.region_id) for r, c in records[pid]],
            declarations=[DeclarationRef(id=d.id or 0, status=d.status, source=d.source, record=ref(
                r.id or 0, uow.store.campaigns.get(r.campaign_id).key, r.status, r.stage, r.region_id))
                for d, r in declared[pid]]))
    uow.staff.audit("list_unplaced", staff=staff, target_type="person", detail=f"{len(items)} of {total}")
    return UnplacedPage(total=total, items=items)


@router.post("/{person_id}/claim", response_model=ClaimOut)
def claim(person_id: DbId, body: ClaimIn, staff: Annotated[Staff, Depends(Permitted("persons.claim", "person_id"))],
          uow: UowDep) -> ClaimOut:
    """Place an unplaced person in a region (province-level administrators); audited with the region ids."""
    done = service.claim(uow, staff, scope_of(uow.staff, staff), person_id, body.region)
    return ClaimOut(person_id=person_id, region=done.region.path, records_moved=done.records_moved)
