"""Change requests: a person's change to a record already submitted, kept until a reviewer decides.

Once a record is submitted it belongs to the review chain. A person who then changes an answer
("把联系电话改成…") does not reopen it or move its stage: the change is kept as a
:class:`ChangeRequest` (value and words sealed), shown to the reviewers of the record's current
stage, and applied as a new version of the answer only when one of them approves it. Approving or
rejecting leaves a workflow event on the record; the stage stays where it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, LargeBinary, update
from sqlmodel import Field, SQLModel, col, select

from storage.errors import Conflict
from storage.models import Record, WorkflowEvent, utcnow
from storage.repo import NotFound, StorageError, Store


class ChangeStatus(StrEnum):
    """Where a change request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # replaced by a newer request of the same person for the same question


class ChangeRequest(SQLModel, table=True):
    """A change a person asked for after submission; applied only when a reviewer approves it."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    question_key: str
    value_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # stored form
    raw_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # words said
    confidence: float = 1.0
    channel: str
    actor: str
    message_id: str | None = None
    stage: str | None = None  # the record's stage when it was asked for
    status: str = Field(default=ChangeStatus.PENDING.value, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: int | None = None  # staff id
    reason: str = ""


class ChangeError(StorageError, Conflict):
    """A change request cannot be decided as asked (already decided, record not submitted)."""


@dataclass(frozen=True)
class OpenChange:
    """A change request, opened."""

    id: int
    record_id: int
    question_key: str
    value: Any
    raw: str | None
    confidence: float
    channel: str
    actor: str
    stage: str | None
    status: ChangeStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    reason: str


class ChangeStore:
    """Reads and writes of change requests over a :class:`~storage.repo.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.session = store.session

    def request(
        self, record: Record, key: str, value: Any, *, raw: str | None, confidence: float, channel: str,
        actor: str, message_id: str | None = None,
    ) -> ChangeRequest:
        """Keep a person's change of a submitted record; an earlier pending one for the question is withdrawn."""
        # one conditional update: a request a reviewer is approving at this moment stays approved
        self.session.execute(
            update(ChangeRequest)
            .where(col(ChangeRequest.record_id) == record.id, col(ChangeRequest.question_key) == key,
                   col(ChangeRequest.status) == ChangeStatus.PENDING.value)
            .values(status=ChangeStatus.WITHDRAWN.value, decided_at=utcnow()))
        vault = self.store.vault
        row = ChangeRequest(
            record_id=record.id or 0, question_key=key,
            value_enc=None if value is None else vault.seal_json(value),
            raw_enc=vault.seal(raw) if raw else None, confidence=confidence, channel=channel, actor=actor,
            message_id=message_id, stage=record.stage)
        self.session.add(row)
        self.session.flush()
        return row

    def _pending_rows(self, record_id: int, key: str | None = None) -> Sequence[ChangeRequest]:
        query = select(ChangeRequest).where(ChangeRequest.record_id == record_id,
                                            ChangeRequest.status == ChangeStatus.PENDING.value)
        if key is not None:
            query = query.where(ChangeRequest.question_key == key)
        return self.session.exec(query.order_by(col(ChangeRequest.id))).all()

    def pending(self, record_id: int) -> list[OpenChange]:
        """The pending change requests of a record, oldest first."""
        return [self._open(r) for r in self._pending_rows(record_id)]

    def of_record(self, record_id: int) -> list[OpenChange]:
        """Every change request of a record, oldest first."""
        rows = self.session.exec(select(ChangeRequest).where(ChangeRequest.record_id == record_id)
                                 .order_by(col(ChangeRequest.id))).all()
        return [self._open(r) for r in rows]

    def pending_counts(self, record_ids: Sequence[int]) -> dict[int, int]:
        """How many change requests wait on each of the given records (records without any left out)."""
        if not record_ids:
            return {}
        rows = self.session.exec(select(ChangeRequest.record_id).where(
            col(ChangeRequest.record_id).in_(list(record_ids)),
            ChangeRequest.status == ChangeStatus.PENDING.value)).all()
        counts: dict[int, int] = {}
        for rid in rows:
            counts[rid] = counts.get(rid, 0) + 1
        return counts

    def get(self, change_id: int) -> ChangeRequest:
        """A change request by id."""
        row = self.session.get(ChangeRequest, change_id)
        if row is None:
            raise NotFound(f"change request {change_id}")
        return row

    def opened(self, row: ChangeRequest) -> OpenChange:
        """A change request row, opened."""
        return self._open(row)

    def _open(self, r: ChangeRequest) -> OpenChange:
        vault = self.store.vault
        return OpenChange(
            id=r.id or 0, record_id=r.record_id, question_key=r.question_key,
            value=vault.open_json(r.value_enc) if r.value_enc is not None else None,
            raw=vault.open(r.raw_enc) if r.raw_enc else None, confidence=r.confidence, channel=r.channel,
            actor=r.actor, stage=r.stage, status=ChangeStatus(r.status), created_at=r.created_at,
            decided_at=r.decided_at, decided_by=r.decided_by, reason=r.reason)

    def decide(self, row: ChangeRequest, *, approve: bool, staff_id: int, reason: str, sensitive: bool) -> WorkflowEvent:
        """Approve (apply as a new answer version) or reject a pending request; the record's stage stays.

        The request is taken by one conditional update (pending -> decided), so of two deciders, even
        concurrent ones in two processes, exactly one applies it; the other gets :class:`ChangeError`.
        """
        status = (ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED).value
        taken = self.session.execute(
            update(ChangeRequest)
            .where(col(ChangeRequest.id) == row.id, col(ChangeRequest.status) == ChangeStatus.PENDING.value)
            .values(status=status, decided_at=utcnow(), decided_by=staff_id, reason=reason))
        self.session.refresh(row)
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise ChangeError(f"change request {row.id} is already {row.status}")
        record = self.store.records.get(row.record_id)
        if approve:
            opened = self._open(row)
            self.store.records.save_answer(
                record, row.question_key, opened.value, raw=opened.raw, confidence=row.confidence,
                status="changed", channel=row.channel, actor=row.actor, sensitive=sensitive,
                message_id=row.message_id, reason=f"change request {row.id} approved by staff:{staff_id}")
        action = "change_approved" if approve else "change_rejected"
        note = json.dumps({"change": row.id, "question": row.question_key, "reason": reason}, ensure_ascii=False)
        return self.store.records.move(record, action, None, staff_id, note)
