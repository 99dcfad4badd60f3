"""Appeals as staff read them: the queue of the caller's area and one appeal with its thread.

The caller's permission is checked before (a route's dependency, or the console's page); an appeal
outside the caller's area is :class:`~storage.errors.NotFound` (audited). Reads are audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import BaseModel

from admin.services.access import Scope
from admin.services.appeals import visible
from admin.services.uow import UnitOfWork
from storage.models import Appeal, AppealRecording
from storage.staff import Staff

URL_PREFIX = "/api/appeals"  # where the staff API serves appeals (a recording's address)


class NoteOut(BaseModel):
    """One entry of the thread."""

    kind: str
    text: str
    staff_id: int | None
    at: datetime


class RecordingOut(BaseModel):
    """The call recording an appeal was transcribed from."""

    url: str
    seconds: float
    confidence: float  # the transcript's least certain word: low on any long call
    mean_confidence: float | None  # the mean word confidence: how well the call was understood overall


class AppealOut(BaseModel):
    """An appeal as staff see it."""

    id: int
    source: str
    channel: str | None
    category: str
    status: str
    text: str
    person_id: int | None
    record_id: int | None
    region: str | None
    assignee: str | None
    deadline: datetime | None
    overdue: bool
    created_at: datetime
    notes: list[NoteOut] = []
    recording: RecordingOut | None = None  # set when the appeal was transcribed from a call recording


class AppealPage(BaseModel):
    """A page of appeals."""

    total: int
    items: list[AppealOut]


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _recording_out(row: AppealRecording | None) -> RecordingOut | None:
    if row is None:
        return None
    return RecordingOut(url=f"{URL_PREFIX}/{row.appeal_id}/recording", seconds=round(row.seconds, 2),
                        confidence=row.confidence, mean_confidence=row.mean_confidence)


def appeal_out(uow: UnitOfWork, appeal: Appeal, with_notes: bool = False,
         recordings: Mapping[int, AppealRecording] | None = None) -> AppealOut:
    region = uow.staff.region(appeal.region_id) if appeal.region_id else None
    recording = (recordings.get(appeal.id or 0) if recordings is not None
                 else uow.store.appeals.recording(appeal.id or 0))
    assignee = uow.staff.get(appeal.assignee_id) if appeal.assignee_id else None
    deadline = _aware(appeal.deadline)
    overdue = deadline is not None and deadline < datetime.now(UTC) and appeal.status not in ("answered", "closed")
    notes = [NoteOut(kind=n.kind, text=t, staff_id=n.staff_id, at=n.created_at)
             for n, t in uow.store.appeals.notes(appeal.id or 0)] if with_notes else []
    return AppealOut(
        id=appeal.id or 0, source=appeal.source, channel=appeal.channel, category=appeal.category,
        status=appeal.status, text=uow.store.appeals.text(appeal), person_id=appeal.person_id,
        record_id=appeal.record_id, region=region.path if region else None,
        assignee=assignee.username if assignee else None, deadline=deadline, overdue=overdue,
        created_at=appeal.created_at, notes=notes, recording=_recording_out(recording),
    )


def list_appeals(uow: UnitOfWork, staff: Staff, scope: Scope, status: str | None, category: str | None,
                 limit: int, offset: int) -> AppealPage:
    """The appeals queue of the caller's region."""
    rows, total = uow.store.appeals.page_in(scope.region_ids, status=status, category=category, limit=limit, offset=offset)
    uow.staff.audit("list_appeals", staff=staff, target_type="appeal", detail=f"{len(rows)} of {total}")
    recordings = uow.store.appeals.recordings([a.id for a in rows if a.id is not None])
    return AppealPage(total=total, items=[appeal_out(uow, a, recordings=recordings) for a in rows])


def read_appeal(uow: UnitOfWork, staff: Staff, scope: Scope, appeal_id: int) -> AppealOut:
    """An appeal with its thread."""
    appeal = visible(uow, staff, scope, appeal_id)
    uow.staff.audit("read_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return appeal_out(uow, appeal, with_notes=True)
