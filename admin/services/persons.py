"""Persons as staff handle them: placing a person no region places, lifting a blocked identification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from admin.services.access import Scope, not_found
from admin.services.uow import UnitOfWork
from storage import casework
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
