"""Persons as staff handle them: placing a person no region places, the blocked identifications and lifting one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from admin.services.access import Scope, not_found, require, scope_of
from admin.services.uow import UnitOfWork
from storage import casework
from storage.crypto import mask_id_number, mask_name
from storage.errors import Conflict, InvalidInput
from storage.identity import IdentityStore
from storage.models import Person, Region
from storage.staff import Staff


@dataclass(frozen=True)
class Claimed:
    """Where a person was placed, and how many of their records moved with them."""

    region: Region
    records_moved: int


def visible_person(uow: UnitOfWork, staff: Staff, scope: Scope, person_id: int) -> Person:
    """A person of the caller's area (an unplaced one from the root), or NotFound (audited)."""
    person = uow.store.session.get(Person, person_id)
    if person is None or not scope.covers(person.region_id):
        raise not_found(uow.staff, staff, "person", person_id)
    return person


def claim(uow: UnitOfWork, staff: Staff, scope: Scope, person_id: int, region_path: str) -> Claimed:
    """Place an unplaced person in a region of the caller's area; audited with the region ids."""
    person = visible_person(uow, staff, scope, person_id)
    if person.region_id is not None:
        raise Conflict(f"person {person_id} is already placed in a region")
    region = uow.staff.region_by_path(region_path)
    if region is None or not scope.covers(region.id):
        raise InvalidInput(f"no region {region_path!r}")
    moved = casework.claim_person(uow.store.session, person_id, region.id or 0)
    if moved is None:  # placed meanwhile by a concurrent claim
        raise Conflict(f"person {person_id} is already placed in a region")
    uow.staff.audit("claim_person", staff=staff, target_type="person", target_id=person_id,
                    detail=f"region none -> {region.id}; {moved} record(s) moved")
    return Claimed(region, moved)


def lift_block(uow: UnitOfWork, staff: Staff, scope: Scope, person_id: int) -> None:
    """Lift a person's blocked identification (after the caller was checked by phone); Conflict if not blocked."""
    visible_person(uow, staff, scope, person_id)
    if not IdentityStore(uow.store).lift(person_id, datetime.now(UTC)):
        raise Conflict(f"the identification of person {person_id} is not blocked")
    uow.staff.audit("identity_lift", staff=staff, target_type="person", target_id=person_id,
                    detail="failures, pause and block reset; open one-time codes retired")


class BlockedOut(BaseModel):
    """A person whose identification is blocked (masked)."""

    person_id: int
    name: str | None
    id_number: str
    region: str | None
    failures: int
    since: datetime  # when the failure that blocked it happened


def list_blocks(uow: UnitOfWork, staff: Staff) -> list[BlockedOut]:
    """The persons of the caller's area whose identification is blocked, the longest blocked first."""
    require(uow.staff, staff, "identity.lift")
    blocked = casework.blocked_in(IdentityStore(uow.store), scope_of(uow.staff, staff).region_ids)
    out = []
    for b in blocked:
        name = uow.store.people.name(b.person)
        region = uow.staff.region(b.person.region_id) if b.person.region_id else None
        out.append(BlockedOut(person_id=b.person.id or 0, name=mask_name(name) if name else None,
                              id_number=mask_id_number(uow.store.people.id_number(b.person)),
                              region=region.path if region else None, failures=b.failures, since=b.since))
    uow.staff.audit("list_identity_blocks", staff=staff, target_type="person", detail=f"{len(out)} blocked")
    return out
