"""Records: list and read (masked), reveal a masked field, correct an answer (a new version), the review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from admin.access import not_found, require, scope_of
from admin.api.summary import RecordSummary, summaries, summary, visible_flags
from admin.deps import CurrentStaff, Permitted, RuntimeDep, UowDep
from admin.params import DbId, Offset
from admin.services import records as service
from bot.questionnaire import Mask, Question
from bot.values import HIDDEN, UNANSWERED, display, for_staff
from storage.crypto import scrub_numbers
from storage.repo import StoredAnswer
from storage.staff import Staff

router = APIRouter(prefix="/api", tags=["records"])


class RecordPage(BaseModel):
    """A page of records."""

    total: int
    items: list[RecordSummary]


class AnswerVersion(BaseModel):
    """One version of an answer, with provenance."""

    version: int
    value: str
    raw: str | None
    confidence: float
    status: str
    channel: str
    actor: str
    at: datetime
    audio_blob_id: int | None
    reason: str | None


class AnswerView(BaseModel):
    """A question with its current answer and history."""

    key: str
    label: str
    section: str
    sensitive: bool  # shown masked until revealed
    current: AnswerVersion
    history: list[AnswerVersion]
    flags: list[dict[str, Any]]


class RecordDetail(BaseModel):
    """A whole record."""

    summary: RecordSummary
    answers: list[AnswerView]


class CorrectionIn(BaseModel):
    """A reviewer's correction: the new answer as it would be typed, and why."""

    text: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=2, max_length=500)


class RevealIn(BaseModel):
    """Which masked field to show."""

    key: str


def masked_in_view(q: Question) -> bool:
    """Whether staff see a question's answers masked until revealed: by its derived mask, or coded and marked sensitive."""
    return q.mask != Mask.NONE or (q.coded and q.declared_sensitive is True)


def _version(q: Question, a: StoredAnswer, mask: bool) -> AnswerVersion:
    """One version as staff see it: masked as its question says; the raw words only of unmasked answers."""
    if not mask:
        value, raw = display(q, a.value), a.raw
    elif q.mask == Mask.NONE and masked_in_view(q):
        value, raw = HIDDEN if a.value is not None else UNANSWERED, None
    elif q.mask == Mask.NONE:
        value, raw = display(q, a.value), scrub_numbers(a.raw) if a.raw else None
    else:
        value, raw = for_staff(q, a.value), None
    return AnswerVersion(version=a.version, value=value, raw=raw, confidence=a.confidence, status=a.status,
                         channel=a.channel, actor=a.actor, at=a.created_at, audio_blob_id=a.blob_id, reason=a.reason)


@router.get("/records", response_model=RecordPage)
def list_records(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    campaign: Annotated[str | None, Query(description="campaign key, e.g. veterans-2026")] = None,
    status: Annotated[str | None, Query(pattern="^(in_progress|submitted)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> RecordPage:
    """Records of the caller's region, personal data masked."""
    require(uow.staff, staff, "records.read")
    scope = scope_of(uow.staff, staff)
    campaign_id = None
    if campaign is not None:
        found = uow.store.campaign_by_key(campaign)
        if found is None:
            return RecordPage(total=0, items=[])
        campaign_id = found.id
    rows, total = uow.store.records_in(scope.region_ids, campaign_id=campaign_id, status=status,
                                       limit=limit, offset=offset)
    uow.staff.audit("list_records", staff=staff, target_type="record", detail=f"{len(rows)} of {total}")
    return RecordPage(total=total, items=summaries(uow, rt.questionnaires, scope, rows))


@router.get("/records/{record_id}", response_model=RecordDetail)
def read_record(record_id: DbId, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> RecordDetail:
    """One record with every answer's history and flags; sensitive values hidden."""
    require(uow.staff, staff, "records.read")
    scope = scope_of(uow.staff, staff)
    record = service.readable_record(uow, staff, scope, record_id)
    q = service.form_of(uow, rt.questionnaires, record).questionnaire
    history = uow.store.answer_history(record_id)
    flags = visible_flags(scope, uow.store.flags(record_id, status=None))
    views: list[AnswerView] = []
    for question in q.questions:
        versions = [a for a in history if a.key == question.key]
        if not versions:
            continue
        views.append(AnswerView(
            key=question.key, label=question.title, section=q.section_of[question.key].title,
            sensitive=masked_in_view(question),
            current=_version(question, versions[-1], mask=True),
            history=[_version(question, a, mask=True) for a in versions],
            flags=[{"id": f.id, "reason": f.reason, "detail": f.detail, "status": f.status}
                   for f in flags if f.question_key == question.key],
        ))
    uow.staff.audit("read_record", staff=staff, target_type="record", target_id=record_id)
    return RecordDetail(summary=summary(uow, rt.questionnaires, scope, record), answers=views)


@router.post("/records/{record_id}/reveal")
def reveal(record_id: DbId, body: RevealIn, staff: Annotated[Staff, Depends(Permitted("records.reveal", "record_id"))],
           uow: UowDep, rt: RuntimeDep) -> dict[str, str | None]:
    """Show one masked value in clear (ID number, name, a sensitive answer); always audited."""
    record = service.visible_record(uow, staff, scope_of(uow.staff, staff), record_id)
    question = service.question_of(service.form_of(uow, rt.questionnaires, record).questionnaire, body.key)
    answer = uow.store.current_answers(record_id).get(body.key)
    value = None if answer is None or answer.value is None else display(question, answer.value, mask=False)
    uow.staff.audit("reveal", staff=staff, target_type="record", target_id=record_id, detail=body.key)
    return {"key": body.key, "value": value, "raw": answer.raw if answer else None}


@router.post("/records/{record_id}/answers/{key}", response_model=AnswerView)
def correct_answer(
    record_id: DbId, key: str, body: CorrectionIn, staff: Annotated[Staff, Depends(Permitted("review.act", "record_id"))],
    uow: UowDep, rt: RuntimeDep,
) -> AnswerView:
    """Correct an answer: read like a typed answer, stored as a new version with the reviewer and reason."""
    form = service.form_of(uow, rt.questionnaires, service.visible_record(uow, staff, scope_of(uow.staff, staff), record_id))
    q = form.questionnaire
    question = service.correct_answer(uow, rt.understanding, form, staff, key, body.text, body.reason)
    versions = uow.store.answer_history(record_id, key)
    flags = [f for f in uow.store.flags(record_id, status=None) if f.question_key == key]
    return AnswerView(
        key=key, label=question.title, section=q.section_of[key].title, sensitive=masked_in_view(question),
        current=_version(question, versions[-1], mask=True),
        history=[_version(question, a, mask=True) for a in versions],
        flags=[{"id": f.id, "reason": f.reason, "detail": f.detail, "status": f.status} for f in flags],
    )


class ReviewItem(BaseModel):
    """A flagged answer waiting for a reviewer."""

    flag_id: int
    reason: str
    detail: str
    record_id: int
    questionnaire: str
    question: str
    label: str
    prompt: str
    value: str
    raw: str | None
    audio_blob_id: int | None
    region: str | None
    history: list[AnswerVersion]


@router.get("/review", response_model=list[ReviewItem])
def review_queue(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    questionnaire: str | None = None, question: str | None = None, reason: str | None = None,
    region: Annotated[str | None, Query(description="limit to a region path inside yours")] = None,
) -> list[ReviewItem]:
    """Open flags in the caller's region, filterable by questionnaire, question, reason and region."""
    require(uow.staff, staff, "review.read")
    scope = scope_of(uow.staff, staff)
    region_ids = scope.region_ids
    if region:
        sub = uow.staff.region_by_path(region)
        if sub is None or not scope.covers(sub.id):
            raise not_found(uow.staff, staff, "region", region)
        region_ids = frozenset(uow.staff.subtree_ids(sub))
    items: list[ReviewItem] = []
    for flag, record, campaign in uow.store.open_flags_in(region_ids, questionnaire=questionnaire,
                                                         question=question, reason=reason):
        q = service.questionnaire_named(rt.questionnaires, campaign.questionnaire)
        qq = q.by_key.get(flag.question_key)
        if qq is None:
            continue
        versions = uow.store.answer_history(record.id or 0, flag.question_key)
        current = versions[-1] if versions else None
        place = uow.staff.region(record.region_id) if record.region_id else None
        items.append(ReviewItem(
            flag_id=flag.id or 0, reason=flag.reason, detail=flag.detail, record_id=record.id or 0,
            questionnaire=campaign.questionnaire, question=qq.key, label=qq.title, prompt=qq.prompt,
            value=_version(qq, current, mask=True).value if current else "",
            raw=_version(qq, current, mask=True).raw if current else None,
            audio_blob_id=current.blob_id if current else None, region=place.path if place else None,
            history=[_version(qq, a, mask=True) for a in versions],
        ))
    uow.staff.audit("review_queue", staff=staff, detail=f"{len(items)} items")
    return items


@router.post("/flags/{flag_id}/approve", status_code=204)
def approve(flag_id: DbId, staff: Annotated[Staff, Depends(Permitted("review.act", "flag_id"))], uow: UowDep) -> None:
    """Accept a flagged answer as it is."""
    service.approve_flag(uow, staff, scope_of(uow.staff, staff), flag_id)


@router.get("/records/{record_id}/blobs/{blob_id}")
def evidence(record_id: DbId, blob_id: DbId, staff: Annotated[Staff, Depends(Permitted("review.read", "record_id"))],
             uow: UowDep) -> Response:
    """The audio clip or photo kept with one of the record's answers (played or shown in review)."""
    service.visible_record(uow, staff, scope_of(uow.staff, staff), record_id)
    if not any(a.blob_id == blob_id for a in uow.store.answer_history(record_id)):
        raise not_found(uow.staff, staff, "blob", blob_id)
    content_type, data = uow.store.blob_bytes(blob_id)
    uow.staff.audit("play_evidence", staff=staff, target_type="record", target_id=record_id, detail=str(blob_id))
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store"})
