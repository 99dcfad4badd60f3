"""Appeals (诉求) for hotline staff: the queue, a thread of notes, assignment, the answer back to the person."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from admin.access import not_found, require, scope_of
from admin.deps import CurrentStaff, UowDep
from nlu.appeals import classify_appeal
from nlu.idcard import parse_id_number
from nlu.result import NotUnderstood
from storage.models import Appeal
from storage.staff import Staff

router = APIRouter(prefix="/api/appeals", tags=["appeals"])

STATUSES = ("new", "assigned", "in_progress", "answered", "closed")
CATEGORIES = ("employment", "housing", "medical", "pension", "placement", "rights", "other")


class NoteOut(BaseModel):
    """One entry of the thread."""

    kind: str
    text: str
    staff_id: int | None
    at: datetime


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


class AppealPage(BaseModel):
    """A page of appeals."""

    total: int
    items: list[AppealOut]


class AppealIn(BaseModel):
    """An appeal taken on the phone."""

    text: str = Field(min_length=2, max_length=5000)
    id_number: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, pattern="^(" + "|".join(CATEGORIES) + ")$")


class NoteIn(BaseModel):
    """A note, or the answer to send back."""

    text: str = Field(min_length=1, max_length=2000)


class AssignIn(BaseModel):
    """Who takes the appeal."""

    username: str


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _out(uow: UowDep, appeal: Appeal, with_notes: bool = False) -> AppealOut:
    region = uow.staff.region(appeal.region_id) if appeal.region_id else None
    assignee = uow.staff.get(appeal.assignee_id) if appeal.assignee_id else None
    deadline = _aware(appeal.deadline)
    overdue = deadline is not None and deadline < datetime.now(UTC) and appeal.status not in ("answered", "closed")
    notes = [NoteOut(kind=n.kind, text=t, staff_id=n.staff_id, at=n.created_at)
             for n, t in uow.store.appeal_notes(appeal.id or 0)] if with_notes else []
    return AppealOut(
        id=appeal.id or 0, source=appeal.source, channel=appeal.channel, category=appeal.category,
        status=appeal.status, text=uow.store.appeal_text(appeal), person_id=appeal.person_id,
        record_id=appeal.record_id, region=region.path if region else None,
        assignee=assignee.username if assignee else None, deadline=deadline, overdue=overdue,
        created_at=appeal.created_at, notes=notes,
    )


def _visible(uow: UowDep, staff: Staff, appeal_id: int) -> Appeal:
    appeal = uow.store.get_appeal(appeal_id)
    if appeal is None or not scope_of(uow.staff, staff).covers(appeal.region_id):
        raise not_found(uow.staff, staff, "appeal", appeal_id)
    return appeal


@router.get("", response_model=AppealPage)
def list_appeals(
    staff: CurrentStaff, uow: UowDep,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    category: Annotated[str | None, Query(pattern="^(" + "|".join(CATEGORIES) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AppealPage:
    """The appeals queue of the caller's region."""
    require(uow.staff, staff, "appeals.read")
    rows, total = uow.store.appeals_in(scope_of(uow.staff, staff).region_ids, status=status, category=category,
                                       limit=limit, offset=offset)
    uow.staff.audit("list_appeals", staff=staff, target_type="appeal", detail=f"{len(rows)} of {total}")
    return AppealPage(total=total, items=[_out(uow, a) for a in rows])


@router.post("", response_model=AppealOut, status_code=201)
def take_call(body: AppealIn, staff: CurrentStaff, uow: UowDep) -> AppealOut:
    """Record an appeal from a hotline call; linked to the person when the ID number is known."""
    require(uow.staff, staff, "appeals.act")
    person = None
    if body.id_number:
        parsed = parse_id_number(body.id_number, datetime.now(UTC).date())
        if isinstance(parsed, NotUnderstood):
            raise HTTPException(status_code=422, detail=f"id_number: {parsed.reason}")
        person = uow.store.find_person(parsed.value.number)
    category = body.category or classify_appeal(body.text).value
    region_id = person.region_id if person and person.region_id else staff.region_id
    appeal = uow.store.create_appeal(source="hotline", text=body.text, category=category, channel="phone",
                                     person_id=person.id if person else None, region_id=region_id)
    uow.staff.audit("create_appeal", staff=staff, target_type="appeal", target_id=appeal.id)
    return _out(uow, appeal, with_notes=True)


@router.get("/{appeal_id}", response_model=AppealOut)
def read_appeal(appeal_id: int, staff: CurrentStaff, uow: UowDep) -> AppealOut:
    """An appeal with its thread."""
    require(uow.staff, staff, "appeals.read")
    appeal = _visible(uow, staff, appeal_id)
    uow.staff.audit("read_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return _out(uow, appeal, with_notes=True)


@router.post("/{appeal_id}/assign", response_model=AppealOut)
def assign(appeal_id: int, body: AssignIn, staff: CurrentStaff, uow: UowDep) -> AppealOut:
    """Give the appeal to a staff member of the same area."""
    require(uow.staff, staff, "appeals.act")
    appeal = _visible(uow, staff, appeal_id)
    assignee = uow.staff.by_username(body.username)
    if assignee is None or not scope_of(uow.staff, staff).covers(assignee.region_id):
        raise HTTPException(status_code=422, detail=f"no staff member {body.username!r} in your area")
    appeal.assignee_id = assignee.id
    appeal.status = "assigned"
    uow.store.session.add(appeal)
    uow.store.add_appeal_note(appeal, f"assigned to {assignee.username}", "status", staff.id)
    uow.staff.audit("assign_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return _out(uow, appeal, with_notes=True)


@router.post("/{appeal_id}/notes", response_model=AppealOut)
def add_note(appeal_id: int, body: NoteIn, staff: CurrentStaff, uow: UowDep) -> AppealOut:
    """Add a note to the thread; the appeal is then in progress."""
    require(uow.staff, staff, "appeals.act")
    appeal = _visible(uow, staff, appeal_id)
    if appeal.status == "closed":
        raise HTTPException(status_code=409, detail="the appeal is closed")
    uow.store.add_appeal_note(appeal, body.text, "note", staff.id)
    if appeal.status in ("new", "assigned"):
        appeal.status = "in_progress"
        uow.store.session.add(appeal)
    uow.staff.audit("note_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return _out(uow, appeal, with_notes=True)


@router.post("/{appeal_id}/answer", response_model=AppealOut)
def answer(appeal_id: int, body: NoteIn, staff: CurrentStaff, uow: UowDep) -> AppealOut:
    """Answer the person: the text goes back through the channel they used (chat appeals)."""
    require(uow.staff, staff, "appeals.act")
    appeal = _visible(uow, staff, appeal_id)
    if appeal.status == "closed":
        raise HTTPException(status_code=409, detail="the appeal is closed")
    uow.store.add_appeal_note(appeal, body.text, "answer", staff.id)
    if appeal.channel and appeal.channel_user_id:
        uow.store.queue_outbox(appeal.channel, appeal.channel_user_id, body.text)
    appeal.status = "answered"
    uow.store.session.add(appeal)
    uow.staff.audit("answer_appeal", staff=staff, target_type="appeal", target_id=appeal_id,
                    detail="queued to " + (appeal.channel or "nobody"))
    return _out(uow, appeal, with_notes=True)


@router.post("/{appeal_id}/close", response_model=AppealOut)
def close(appeal_id: int, staff: CurrentStaff, uow: UowDep) -> AppealOut:
    """Close the appeal."""
    require(uow.staff, staff, "appeals.act")
    appeal = _visible(uow, staff, appeal_id)
    appeal.status = "closed"
    uow.store.session.add(appeal)
    uow.store.add_appeal_note(appeal, "closed", "status", staff.id)
    uow.staff.audit("close_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return _out(uow, appeal, with_notes=True)
