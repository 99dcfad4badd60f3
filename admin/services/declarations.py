"""Deciding a declaration (a record opened under a registered ID number by someone not verified as that person).

The staff whose area covers the registered person decide: *merged* or *dismissed*. The staff of the
declaration's own region only see it (:class:`Forbidden`, audited, when they try); anyone else gets
:class:`NotFound` (audited), as for a declaration that does not exist; a decided one is :class:`Conflict`.
"""

from __future__ import annotations

from dataclasses import dataclass

from admin.services.access import PERMISSIONS, Scope, denied, not_found
from admin.services.uow import UnitOfWork
from storage import casework
from storage.errors import Conflict
from storage.identity import Declaration
from storage.models import Person, Record
from storage.staff import Staff

UNVERIFIED = "unverified"  # the reason of the flag a declaration is opened with


@dataclass(frozen=True)
class Decided:
    """A declaration just decided, with its record and the registered person."""

    declaration: Declaration
    record: Record
    person: Person


def decides(staff: Staff, scope: Scope, person: Person) -> bool:
    """Whether the caller decides declarations made under this person."""
    return staff.role in PERMISSIONS["review.act"] and scope.covers(person.region_id)


def close(uow: UnitOfWork, staff: Staff, scope: Scope, declaration_id: int, status: str, reason: str) -> Decided:
    """Merge or dismiss an open declaration: closes it and its "identity not verified" flag, leaves a workflow event."""
    declaration = casework.get_declaration(uow.store.session, declaration_id)
    record = uow.store.session.get(Record, declaration.record_id) if declaration else None
    person = uow.store.session.get(Person, declaration.person_id) if declaration else None
    if declaration is None or record is None or person is None:
        raise not_found(uow.staff, staff, "declaration", declaration_id)
    if not scope.covers(person.region_id):
        if not scope.covers(record.region_id):
            raise not_found(uow.staff, staff, "declaration", declaration_id)
        raise denied(staff, "a declaration is decided by the staff whose area covers the registered person",
                     "declaration", declaration_id)
    if declaration.status != "open" or not casework.close_declaration(uow.store.session, declaration, status):
        raise Conflict(f"declaration {declaration_id} is already {declaration.status}")
    for flag in uow.store.records.flags(record.id or 0):
        if flag.reason == UNVERIFIED:
            uow.store.records.resolve_flags(record.id or 0, flag.question_key, by=f"staff:{staff.id}", flag_id=flag.id)
    uow.store.records.move(record, f"declaration_{status}", None, staff.id, reason)
    uow.staff.audit(f"declaration_{status}", staff=staff, target_type="record", target_id=record.id,
                    detail=f"declaration {declaration_id}")
    return Decided(declaration, record, person)
