"""Change requests as staff see them: masked in lists, in words on a record's page, in clear when revealed.

The rules (which level decides, who may see a request, the decision) are in :mod:`admin.services.changes`;
the routes are :mod:`admin.api.changes`, and the console's record and workflow pages call these too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from admin.runtime import Runtime
from admin.services import changes as service
from admin.services.access import Scope, not_found, require, scope_of
from admin.services.summaries import RecordSummary, summaries
from admin.services.uow import UnitOfWork
from bot.questionnaire import QType, Question
from bot.values import display
from storage import casework
from storage.changes import ChangeRequest, ChangeStatus, ChangeStore
from storage.crypto import mask_name
from storage.models import Campaign, Record
from storage.staff import Staff

HIDDEN = "（已隐藏）"
#: values a list shows as they are; anything else (names, free text, numbers that identify) is masked there
_PLAIN_IN_LISTS = frozenset({QType.SINGLE, QType.MULTI, QType.YES_NO, QType.DATE, QType.NUMBER, QType.ETHNICITY,
                             QType.ID_NUMBER, QType.PHONE, QType.PHOTO, QType.REGION})


class ChangeItem(BaseModel):
    """A pending change request in a list: the record (masked) and the value now against the value asked for."""

    id: int
    record: RecordSummary
    stage: str | None  # the record's current stage: it decides who decides
    question: str
    label: str
    sensitive: bool
    current: str
    requested: str
    channel: str
    requested_at: datetime
    decides: bool  # whether the caller may approve or reject it


class ChangePage(BaseModel):
    """A page of pending change requests."""

    total: int
    items: list[ChangeItem]


class ChangeDetail(ChangeItem):
    """One change request: both values with the words said (hidden for sensitive questions), and the decision."""

    status: str
    current_raw: str | None
    requested_raw: str | None
    asked_at_stage: str | None
    decided_at: datetime | None
    decided_by: int | None
    reason: str


class RevealOut(BaseModel):
    """Both values of a change request in clear."""

    question: str
    current: str | None
    requested: str | None
    current_raw: str | None
    requested_raw: str | None


def _show(question: Question | None, value: Any, *, in_list: bool) -> str:
    """A value masked as lists (``in_list``) or a record's page show it."""
    if value is None:
        return "（未填写）"
    if question is None or question.sensitive:
        return HIDDEN
    if in_list and question.prefill == "name" and isinstance(value, str):
        return mask_name(value)
    if in_list and question.type not in _PLAIN_IN_LISTS:
        return HIDDEN
    return display(question, value, mask=True)


_decides = service.decides


def _question(rt: Runtime, campaign: Campaign, key: str) -> Question | None:
    return service.question_of(rt.questionnaires, campaign, key)


def _items(uow: UnitOfWork, rt: Runtime, staff: Staff, scope: Scope,
           rows: list[tuple[ChangeRequest, Record, Campaign]]) -> list[ChangeItem]:
    changes = ChangeStore(uow.store)
    shown = summaries(uow, rt.questionnaires, scope, [r for _, r, _ in rows])
    items = []
    for (row, record, campaign), summary in zip(rows, shown, strict=True):
        question = _question(rt, campaign, row.question_key)
        now = uow.store.records.current_answers(record.id or 0).get(row.question_key)
        opened = changes.opened(row)
        items.append(ChangeItem(
            id=row.id or 0, record=summary, stage=record.stage, question=row.question_key,
            label=question.title if question else row.question_key, sensitive=question is None or question.sensitive,
            current=_show(question, now.value if now else None, in_list=True),
            requested=_show(question, opened.value, in_list=True), channel=row.channel, requested_at=row.created_at,
            decides=_decides(uow, staff, record)))
    return items


def _visible(uow: UnitOfWork, staff: Staff, scope: Scope, change_id: int) -> tuple[ChangeRequest, Record, Campaign]:
    found = service.visible(uow, staff, scope, change_id)
    return found.row, found.record, found.campaign


def _detail(uow: UnitOfWork, rt: Runtime, staff: Staff, scope: Scope, change_id: int) -> ChangeDetail:
    row, record, campaign = _visible(uow, staff, scope, change_id)
    item = _items(uow, rt, staff, scope, [(row, record, campaign)])[0]
    question = _question(rt, campaign, row.question_key)
    now = uow.store.records.current_answers(record.id or 0).get(row.question_key)
    opened = ChangeStore(uow.store).opened(row)
    words = question is not None and not question.sensitive
    return ChangeDetail(
        **item.model_dump(exclude={"current", "requested", "decides"}),
        current=_show(question, now.value if now else None, in_list=False),
        requested=_show(question, opened.value, in_list=False),
        decides=item.decides and row.status == ChangeStatus.PENDING.value, status=row.status,
        current_raw=now.raw if now and words else None, requested_raw=opened.raw if words else None,
        asked_at_stage=row.stage, decided_at=row.decided_at, decided_by=row.decided_by, reason=row.reason)


def list_changes(uow: UnitOfWork, rt: Runtime, staff: Staff, questionnaire: str | None = None,
                 stage: str | None = None, record_id: int | None = None, limit: int = 50,
                 offset: int = 0) -> ChangePage:
    """Pending change requests of records in the caller's area, oldest first, values masked."""
    require(uow.staff, staff, "review.read")
    scope = scope_of(uow.staff, staff)
    if record_id is not None:
        record = uow.store.session.get(Record, record_id)
        if record is None or not scope.covers(record.region_id):
            raise not_found(uow.staff, staff, "record", record_id)
    total, rows = casework.pending_changes_in(
        uow.store.session, scope.region_ids, questionnaire=questionnaire, stages=[stage] if stage else None,
        record_id=record_id, limit=limit, offset=offset)
    uow.staff.audit("list_changes", staff=staff, target_type="change", detail=f"{len(rows)} of {total}")
    return ChangePage(total=total, items=_items(uow, rt, staff, scope, rows))


def read_change(uow: UnitOfWork, rt: Runtime, staff: Staff, change_id: int) -> ChangeDetail:
    """One change request: the value now and the value asked for, masked."""
    require(uow.staff, staff, "review.read", str(change_id))
    detail = _detail(uow, rt, staff, scope_of(uow.staff, staff), change_id)
    uow.staff.audit("read_change", staff=staff, target_type="record", target_id=detail.record.id,
                    detail=f"change {change_id}")
    return detail


def reveal_change(uow: UnitOfWork, rt: Runtime, staff: Staff, change_id: int) -> RevealOut:
    """Both values of a change request in clear; always audited."""
    require(uow.staff, staff, "records.reveal", str(change_id))
    row, record, campaign = _visible(uow, staff, scope_of(uow.staff, staff), change_id)
    question = _question(rt, campaign, row.question_key)
    now = uow.store.records.current_answers(record.id or 0).get(row.question_key)
    opened = ChangeStore(uow.store).opened(row)

    def clear(value: Any) -> str | None:
        if value is None:
            return None
        return display(question, value, mask=False) if question is not None else str(value)

    uow.staff.audit("reveal", staff=staff, target_type="record", target_id=record.id,
                    detail=f"change {change_id} {row.question_key}")
    return RevealOut(question=row.question_key, current=clear(now.value if now else None),
                     requested=clear(opened.value), current_raw=now.raw if now else None, requested_raw=opened.raw)


def decide(uow: UnitOfWork, rt: Runtime, staff: Staff, change_id: int, approve: bool, reason: str) -> ChangeDetail:
    """Approve (a new version of the answer) or reject a change request; the request as it now is."""
    scope = scope_of(uow.staff, staff)
    service.decide(uow, rt.questionnaires, staff, scope, change_id, approve, reason)
    return _detail(uow, rt, staff, scope, change_id)
