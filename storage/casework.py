"""Queries of the staff side of identification: change requests waiting in an area, blocked identifications,
declarations, and persons that no region places yet.

Every function takes the region ids a staff member may see (``None`` for the whole tree) and returns
rows; masking and access decisions are the admin layer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from storage.changes import ChangeRequest, ChangeStatus
from storage.identity import Declaration, IdentityStore, IdentityThrottle, aware, person_key
from storage.models import Campaign, Person, Record


def _within(column: Any, region_ids: frozenset[int] | None) -> Any:
    return col(column).in_(sorted(region_ids)) if region_ids is not None else True


# -- change requests -----------------------------------------------------------------------------


def pending_changes_in(
    session: Session, region_ids: frozenset[int] | None, *, questionnaire: str | None = None,
    stages: Sequence[str] | None = None, record_id: int | None = None, limit: int = 100, offset: int = 0,
) -> tuple[int, list[tuple[ChangeRequest, Record, Campaign]]]:
    """Pending change requests of records in the given regions (by the record's current stage), oldest first."""
    query = (
        select(ChangeRequest, Record, Campaign)
        .join(Record, col(Record.id) == col(ChangeRequest.record_id))
        .join(Campaign, col(Campaign.id) == col(Record.campaign_id))
        .where(ChangeRequest.status == ChangeStatus.PENDING.value, _within(Record.region_id, region_ids))
    )
    if questionnaire:
        query = query.where(Campaign.questionnaire == questionnaire)
    if stages is not None:
        query = query.where(col(Record.stage).in_(list(stages)))
    if record_id is not None:
        query = query.where(Record.id == record_id)
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    rows = session.exec(query.order_by(col(ChangeRequest.id)).limit(limit).offset(offset)).all()
    return total, [(c, r, k) for c, r, k in rows]


def pending_change_count(session: Session, region_ids: frozenset[int] | None, campaign_id: int,
                         stages: Sequence[str]) -> int:
    """How many change requests wait on a campaign's records at the given stages in the given regions."""
    query = (select(func.count()).select_from(ChangeRequest)
             .join(Record, col(Record.id) == col(ChangeRequest.record_id))
             .where(ChangeRequest.status == ChangeStatus.PENDING.value, Record.campaign_id == campaign_id,
                    col(Record.stage).in_(list(stages)), _within(Record.region_id, region_ids)))
    return int(session.exec(query).one())


# -- blocked identification ----------------------------------------------------------------------


@dataclass(frozen=True)
class BlockedPerson:
    """A person whose identification is blocked until the hotline lifts it."""

    person: Person
    failures: int
    since: datetime  # the last change of the throttle: the failure that blocked it


def blocked_in(identity: IdentityStore, region_ids: frozenset[int] | None) -> list[BlockedPerson]:
    """The blocked persons placed in the given regions, the longest blocked first."""
    ids = identity.blocked_person_ids()
    if not ids:
        return []
    session = identity.session
    persons = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids),
                                                                   _within(Person.region_id, region_ids))).all()}
    keys = {person_key(pid): pid for pid in persons if pid is not None}
    rows = session.exec(select(IdentityThrottle).where(col(IdentityThrottle.key).in_(sorted(keys)))).all()
    out = [BlockedPerson(persons[keys[t.key]], t.failures, aware(t.updated_at) or t.updated_at)
           for t in rows if t.blocked]
    return sorted(out, key=lambda b: (b.since, b.person.id or 0))


def lock_person(session: Session, person_id: int) -> Person | None:
    """A person's row, locked for this transaction (FOR UPDATE; SQLite serialises writers anyway)."""
    query = select(Person).where(Person.id == person_id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


# -- declarations --------------------------------------------------------------------------------


def declarations_in(
    session: Session, region_ids: frozenset[int] | None, *, status: str | None = None, limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[tuple[Declaration, Record, Person]]]:
    """Declarations whose record or whose registered person lies in the given regions, newest first."""
    query = (
        select(Declaration, Record, Person)
        .join(Record, col(Record.id) == col(Declaration.record_id))
        .join(Person, col(Person.id) == col(Declaration.person_id))
    )
    if region_ids is not None:
        query = query.where(or_(_within(Record.region_id, region_ids), _within(Person.region_id, region_ids)))
    if status is not None:
        query = query.where(Declaration.status == status)
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    rows = session.exec(query.order_by(col(Declaration.id).desc()).limit(limit).offset(offset)).all()
    return total, [(d, r, p) for d, r, p in rows]


def declaration_by(session: Session, person_id: int, campaign_id: int, opened_by: str) -> Record | None:
    """The latest declaration record someone opened under a person's ID number in a campaign, if any
    (whatever was decided on it since: the same opener continues the same record)."""
    return session.exec(
        select(Record).join(Declaration, col(Declaration.record_id) == col(Record.id))
        .where(Declaration.person_id == person_id, Declaration.opened_by == opened_by,
               Record.campaign_id == campaign_id)
        .order_by(col(Declaration.id).desc())
    ).first()


def get_declaration(session: Session, declaration_id: int) -> Declaration | None:
    """A declaration by id."""
    return session.get(Declaration, declaration_id)


def close_declaration(session: Session, declaration: Declaration, status: str) -> bool:
    """Close an open declaration as merged or dismissed; False when it was no longer open (one decision wins)."""
    done = session.execute(update(Declaration).where(col(Declaration.id) == declaration.id,
                                                     col(Declaration.status) == "open").values(status=status))
    session.refresh(declaration)
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


# -- persons no region places ----------------------------------------------------------------------


def unplaced_persons(session: Session, *, limit: int = 100, offset: int = 0) -> tuple[int, list[Person]]:
    """Persons without a region, oldest first, and how many there are."""
    query = select(Person).where(col(Person.region_id).is_(None))
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    return total, list(session.exec(query.order_by(col(Person.id)).limit(limit).offset(offset)).all())


def records_of(session: Session, person_ids: Sequence[int]) -> dict[int, list[tuple[Record, Campaign]]]:
    """The records of persons with their campaigns, in id order."""
    out: dict[int, list[tuple[Record, Campaign]]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return out
    rows = session.exec(select(Record, Campaign).join(Campaign, col(Campaign.id) == col(Record.campaign_id))
                        .where(col(Record.person_id).in_(list(person_ids))).order_by(col(Record.id))).all()
    for record, campaign in rows:
        out[record.person_id or 0].append((record, campaign))
    return out


def declarations_for(session: Session, person_ids: Sequence[int]) -> dict[int, list[tuple[Declaration, Record]]]:
    """The declarations opened under persons' ID numbers, with their records, oldest first."""
    out: dict[int, list[tuple[Declaration, Record]]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return out
    rows = session.exec(select(Declaration, Record).join(Record, col(Record.id) == col(Declaration.record_id))
                        .where(col(Declaration.person_id).in_(list(person_ids))).order_by(col(Declaration.id))).all()
    for declaration, record in rows:
        out[declaration.person_id].append((declaration, record))
    return out


def claim_person(session: Session, person_id: int, region_id: int) -> int | None:
    """Place a person no region places yet, and their unplaced records of open campaigns.

    Returns how many records moved, or None when the person is placed already (of two concurrent
    claims, one wins: the person is taken by one conditional update).
    """
    done = session.execute(update(Person).where(col(Person.id) == person_id, col(Person.region_id).is_(None))
                           .values(region_id=region_id))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return None
    open_campaigns = select(Campaign.id).where(Campaign.status == "open")
    moved = session.execute(update(Record).where(
        col(Record.person_id) == person_id, col(Record.region_id).is_(None),
        col(Record.campaign_id).in_(open_campaigns)).values(region_id=region_id)
        .execution_options(synchronize_session=False))
    session.expire_all()  # rows already loaded show the move
    return int(moved.rowcount)  # type: ignore[attr-defined]
