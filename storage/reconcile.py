"""Cross-department reconciliation: runs (one imported department list each) and their items (tasks).

An item is one finding of a run: a "problem" (a value that disagrees with the department's) or
"missing" data (a roster person not yet collected, a field we lack, a person not on the roster).
It is placed in a region (the record's or the roster entry's), so that the collector of that
village sees it as a task; its resolution (who, when, a note) is tracked. Personal values (ID
number, name, both values, the note) are sealed like answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary, Text, func, insert
from sqlmodel import Field, Session, SQLModel, col, or_, select

from storage.crypto import Vault
from storage.models import Person, Record, RosterEntry, utcnow

_CHUNK = 500  # ids per IN (...) query

DEPARTMENTS = ("dibao", "social_security", "housing", "poverty", "hukou")
KINDS = ("problem", "missing")
#: reason code -> the kind of list it belongs to
REASONS: dict[str, str] = {
    "value_mismatch": "problem",
    "unparseable_department_value": "problem",
    "not_collected": "missing",
    "field_missing": "missing",
    "not_on_roster": "missing",
}


def _blob() -> Column:
    return Column(LargeBinary, nullable=True)


class ReconcileRun(SQLModel, table=True):
    """One department list compared with a campaign's roster and records, as seen from the importer's region."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    department: str = Field(index=True)  # one of DEPARTMENTS
    file_name: str
    mapping_json: str = Field(sa_column=Column(Text, nullable=False))  # column headers -> question keys
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    region_id: int = Field(foreign_key="region.id", index=True)  # the importer's region: the run's scope
    rows: int = 0  # data rows read (blank rows not counted)
    matched: int = 0  # rows matched to a roster person in scope
    rejected_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # [[line, code, message]]
    created_at: datetime = Field(default_factory=utcnow)


class ReconcileItem(SQLModel, table=True):
    """One finding of a run, and a task for the collector of its region until resolved."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="reconcilerun.id", index=True)
    kind: str = Field(index=True)  # problem | missing
    reason: str = Field(index=True)  # a key of REASONS
    line: int | None = None  # the row of the department file, when the finding comes from one
    question_key: str | None = None
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    record_id: int | None = Field(default=None, foreign_key="record.id", index=True)
    roster_entry_id: int | None = Field(default=None, foreign_key="rosterentry.id")
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    id_number_enc: bytes | None = Field(default=None, sa_column=_blob())
    name_enc: bytes | None = Field(default=None, sa_column=_blob())
    ours_enc: bytes | None = Field(default=None, sa_column=_blob())  # our current value, as display text
    theirs_enc: bytes | None = Field(default=None, sa_column=_blob())  # the department's value, as display text
    theirs_raw_enc: bytes | None = Field(default=None, sa_column=_blob())  # the department's cell as written
    status: str = Field(default="open", index=True)  # open | resolved
    resolved_by: int | None = Field(default=None, foreign_key="staff.id")
    resolved_at: datetime | None = None
    note_enc: bytes | None = Field(default=None, sa_column=_blob())
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class NewItem:
    """A finding to store, in clear (sealed by :meth:`ReconcileStore.add_items`)."""

    reason: str
    region_id: int | None
    line: int | None = None
    question_key: str | None = None
    person_id: int | None = None
    record_id: int | None = None
    roster_entry_id: int | None = None
    id_number: str | None = None
    name: str | None = None
    ours: str | None = None
    theirs: str | None = None
    theirs_raw: str | None = None


@dataclass(frozen=True)
class OpenedItem:
    """An item with its sealed values opened."""

    item: ReconcileItem
    id_number: str | None
    name: str | None
    ours: str | None
    theirs: str | None
    theirs_raw: str | None
    note: str | None


class ReconcileStore:
    """Repository over one session for reconciliation runs and items; commit is the caller's."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault

    def _seal(self, text: str | None) -> bytes | None:
        return self.vault.seal(text) if text is not None else None

    def _open(self, sealed: bytes | None) -> str | None:
        return self.vault.open(sealed) if sealed is not None else None

    # -- look-ups of a run's matching, batched ------------------------------------------

    def persons_by_index(self, indexes: Sequence[str]) -> dict[str, Person]:
        """Persons by the blind index of their ID number."""
        found: dict[str, Person] = {}
        unique = sorted(set(indexes))
        for i in range(0, len(unique), _CHUNK):
            rows = self.session.exec(select(Person).where(col(Person.id_index).in_(unique[i:i + _CHUNK]))).all()
            found.update((p.id_index, p) for p in rows)
        return found

    def persons_by_number(self, numbers: Sequence[str]) -> dict[str, Person]:
        """Persons by ID number, indexed under any key of the keyring (a rotation may be under way)."""
        wanted: dict[str, str] = {}
        for number in set(numbers):
            for index in self.vault.blind_indexes(number.upper(), "id"):
                wanted[index] = number
        return {wanted[index]: person for index, person in self.persons_by_index(list(wanted)).items()}

    def persons_by_id(self, person_ids: Sequence[int]) -> dict[int, Person]:
        """Persons by id."""
        found: dict[int, Person] = {}
        unique = sorted(set(person_ids))
        for i in range(0, len(unique), _CHUNK):
            rows = self.session.exec(select(Person).where(col(Person.id).in_(unique[i:i + _CHUNK]))).all()
            found.update((p.id or 0, p) for p in rows)
        return found

    def roster_of(self, campaign_id: int, person_ids: Sequence[int],
                  region_ids: frozenset[int] | None) -> dict[int, RosterEntry]:
        """The campaign's roster entries of these persons placed in the regions (all when None), by person id."""
        found: dict[int, RosterEntry] = {}
        unique = sorted(set(person_ids))
        for i in range(0, len(unique), _CHUNK):
            query = select(RosterEntry).where(RosterEntry.campaign_id == campaign_id,
                                              col(RosterEntry.person_id).in_(unique[i:i + _CHUNK]))
            if region_ids is not None:
                query = query.where(col(RosterEntry.region_id).in_(sorted(region_ids)))
            found.update((e.person_id, e) for e in self.session.exec(query).all())
        return found

    def roster_page(self, campaign_id: int, region_ids: frozenset[int] | None, *, after: int,
                    limit: int) -> list[RosterEntry]:
        """The next ``limit`` roster entries with an id above ``after``, placed in the regions, in id order."""
        query = select(RosterEntry).where(RosterEntry.campaign_id == campaign_id, col(RosterEntry.id) > after)
        if region_ids is not None:
            query = query.where(col(RosterEntry.region_id).in_(sorted(region_ids)))
        return list(self.session.exec(query.order_by(col(RosterEntry.id)).limit(limit)).all())

    def records_of(self, campaign_id: int, person_ids: Sequence[int]) -> dict[int, Record]:
        """The campaign's record of each of these persons that has one, by person id."""
        found: dict[int, Record] = {}
        unique = sorted(set(person_ids))
        for i in range(0, len(unique), _CHUNK):
            rows = self.session.exec(select(Record).where(
                Record.campaign_id == campaign_id, col(Record.person_id).in_(unique[i:i + _CHUNK]))).all()
            found.update((r.person_id, r) for r in rows if r.person_id is not None)
        return found

    # -- runs and items -------------------------------------------------------------------

    def create_run(
        self, *, campaign_id: int, department: str, file_name: str, mapping: dict[str, Any],
        staff_id: int | None, region_id: int, rows: int, matched: int, rejected: Sequence[tuple[int, str, str]],
    ) -> ReconcileRun:
        """Record a run (the mapping and rejected-row reasons hold no personal data)."""
        run = ReconcileRun(
            campaign_id=campaign_id, department=department, file_name=file_name,
            mapping_json=json.dumps(mapping, ensure_ascii=False), staff_id=staff_id, region_id=region_id,
            rows=rows, matched=matched, rejected_json=json.dumps([list(r) for r in rejected], ensure_ascii=False),
        )
        self.session.add(run)
        self.session.flush()
        return run

    def sealed(self, new: NewItem) -> dict[str, Any]:
        """A finding as the columns of its row, every personal value sealed (what an import keeps on disk)."""
        return {"kind": REASONS[new.reason], "reason": new.reason, "line": new.line, "question_key": new.question_key,
                "person_id": new.person_id, "record_id": new.record_id, "roster_entry_id": new.roster_entry_id,
                "region_id": new.region_id, "id_number_enc": self._seal(new.id_number),
                "name_enc": self._seal(new.name), "ours_enc": self._seal(new.ours),
                "theirs_enc": self._seal(new.theirs), "theirs_raw_enc": self._seal(new.theirs_raw)}

    def insert_sealed(self, run: ReconcileRun, rows: Sequence[dict[str, Any]]) -> None:
        """Store sealed findings of a run in one statement, without keeping ORM objects for them."""
        if rows:
            created = utcnow()
            self.session.execute(insert(ReconcileItem), [
                {**r, "run_id": run.id, "status": "open", "created_at": created} for r in rows])

    def add_items(self, run: ReconcileRun, items: Sequence[NewItem]) -> int:
        """Store a run's findings, sealing every personal value; returns how many."""
        self.insert_sealed(run, [self.sealed(new) for new in items])
        return len(items)

    def get_run(self, run_id: int) -> ReconcileRun | None:
        """A run by id."""
        return self.session.get(ReconcileRun, run_id)

    def get_item(self, item_id: int) -> ReconcileItem | None:
        """An item by id."""
        return self.session.get(ReconcileItem, item_id)

    def runs_visible(
        self, region_ids: frozenset[int] | None, *, campaign_id: int | None = None, department: str | None = None,
        limit: int = 100,
    ) -> list[ReconcileRun]:
        """Runs imported inside the regions, or with at least one item there (all when None), newest first."""
        query = select(ReconcileRun)
        if campaign_id is not None:
            query = query.where(ReconcileRun.campaign_id == campaign_id)
        if department is not None:
            query = query.where(ReconcileRun.department == department)
        if region_ids is not None:
            ids = sorted(region_ids)
            with_items = select(ReconcileItem.run_id).where(col(ReconcileItem.region_id).in_(ids))
            query = query.where(or_(col(ReconcileRun.region_id).in_(ids), col(ReconcileRun.id).in_(with_items)))
        return list(self.session.exec(query.order_by(col(ReconcileRun.id).desc()).limit(limit)).all())

    def run_visible(self, run: ReconcileRun, region_ids: frozenset[int] | None) -> bool:
        """Whether a run was imported inside the regions or has an item there."""
        if region_ids is None or run.region_id in region_ids:
            return True
        hit = self.session.exec(select(ReconcileItem.id).where(
            ReconcileItem.run_id == run.id, col(ReconcileItem.region_id).in_(sorted(region_ids)))).first()
        return hit is not None

    def counts(self, run_id: int, region_ids: frozenset[int] | None) -> list[tuple[str, str, str, int]]:
        """(kind, reason, status, count) of a run's items inside the regions (all when None)."""
        query = (select(ReconcileItem.kind, ReconcileItem.reason, ReconcileItem.status, func.count())
                 .where(ReconcileItem.run_id == run_id))
        if region_ids is not None:
            query = query.where(col(ReconcileItem.region_id).in_(sorted(region_ids)))
        query = query.group_by(col(ReconcileItem.kind), col(ReconcileItem.reason), col(ReconcileItem.status))
        return [(k, r, s, int(n)) for k, r, s, n in self.session.exec(query).all()]

    def items(
        self, run_id: int, region_ids: frozenset[int] | None, *, kind: str | None = None,
        reason: str | None = None, status: str | None = None, limit: int = 200, offset: int = 0,
    ) -> tuple[list[ReconcileItem], int]:
        """A page of a run's items inside the regions, in id order, and the total."""
        query = select(ReconcileItem).where(ReconcileItem.run_id == run_id)
        if region_ids is not None:
            query = query.where(col(ReconcileItem.region_id).in_(sorted(region_ids)))
        if kind:
            query = query.where(ReconcileItem.kind == kind)
        if reason:
            query = query.where(ReconcileItem.reason == reason)
        if status:
            query = query.where(ReconcileItem.status == status)
        total = int(self.session.exec(select(func.count()).select_from(query.subquery())).one())
        rows = self.session.exec(query.order_by(col(ReconcileItem.id)).limit(limit).offset(offset)).all()
        return list(rows), total

    def opened(self, item: ReconcileItem) -> OpenedItem:
        """An item's sealed values in clear."""
        return OpenedItem(item, self._open(item.id_number_enc), self._open(item.name_enc), self._open(item.ours_enc),
                          self._open(item.theirs_enc), self._open(item.theirs_raw_enc), self._open(item.note_enc))

    def resolve(self, item: ReconcileItem, staff_id: int | None, note: str) -> None:
        """Close an open item with who, when and a (sealed) note."""
        item.status = "resolved"
        item.resolved_by = staff_id
        item.resolved_at = utcnow()
        item.note_enc = self.vault.seal(note)
        self.session.add(item)
        self.session.flush()
