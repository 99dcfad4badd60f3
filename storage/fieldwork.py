"""Queries of the collector's console: the people a campaign must reach in a region, and interviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from storage.models import Conversation, Person, Record, Region, RosterEntry
from storage.repo import Store


@dataclass(frozen=True)
class RosterRow:
    """One person on a campaign's roster, with the state of their record (values in clear: mask to show)."""

    person_id: int
    region_path: str | None
    name: str | None
    id_number: str
    phone: str | None
    record_id: int | None
    record_status: str | None  # None: not started; in_progress | submitted


def roster_page(
    store: Store, campaign_id: int, region_ids: frozenset[int] | None, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[RosterRow]]:
    """The roster of a campaign within the given regions (None: all), people not yet done first."""
    where: list[Any] = [RosterEntry.campaign_id == campaign_id]
    if region_ids is not None:
        where.append(col(RosterEntry.region_id).in_(sorted(region_ids)))
    total = int(store.session.exec(select(func.count()).select_from(RosterEntry).where(*where)).one())
    done = Record.status == "submitted"
    rows = store.session.exec(
        select(RosterEntry, Person, Record, Region)
        .join(Person, col(Person.id) == col(RosterEntry.person_id))
        .join(Record, (col(Record.person_id) == col(Person.id)) & (col(Record.campaign_id) == campaign_id),
              isouter=True)
        .join(Region, col(Region.id) == col(RosterEntry.region_id), isouter=True)
        .where(*where)
        .order_by(func.coalesce(done, False), col(RosterEntry.id))
        .limit(limit)
        .offset(offset)
    ).all()
    out = []
    for _entry, person, record, region in rows:
        out.append(RosterRow(
            person_id=person.id or 0,
            region_path=region.path if region is not None else None,
            name=store.people.name(person),
            id_number=store.people.id_number(person),
            phone=store.people.phone(person),
            record_id=record.id if record is not None else None,
            record_status=record.status if record is not None else None,
        ))
    return total, out


@dataclass(frozen=True)
class InterviewUser:
    """Whose interview a conversation is: the collector, and the person or (a declaration) the record."""

    staff_id: int
    person_id: int | None
    record_id: int | None


def interview_user(staff_id: int, person_id: int) -> str:
    """The conversation user id of a collector's interview of a person (no personal data in it)."""
    return f"staff-{staff_id}-person-{person_id}"


def declaration_interview_user(staff_id: int, record_id: int) -> str:
    """The conversation user id of a collector's interview filling a declaration: it names the record only,
    never the person registered under the number."""
    return f"staff-{staff_id}-record-{record_id}"


def parse_interview_user(user_id: str) -> InterviewUser | None:
    """Whose interview a conversation user id names, or None for other conversations."""
    parts = user_id.split("-")
    if len(parts) != 4 or parts[0] != "staff" or parts[2] not in ("person", "record"):
        return None
    if not (parts[1].isdigit() and parts[3].isdigit()):
        return None
    staff_id, target = int(parts[1]), int(parts[3])
    if parts[2] == "person":
        return InterviewUser(staff_id, target, None)
    return InterviewUser(staff_id, None, target)


def get_conversation(store: Store, conversation_id: int) -> Conversation | None:
    """A conversation by id."""
    return store.session.get(Conversation, conversation_id)
