"""Records as staff read them: pages of records, one record with every answer's history, the review queue.

Values are masked as each question says (:func:`masked_in_view`); reads are audited. The caller's
permission is checked before (a route's dependency, or the console's page); visibility here: a row
outside the caller's area is :class:`~storage.errors.NotFound` (audited), as for one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from admin.services.access import Scope, not_found
from admin.services.records import questionnaire_named, readable_record
from admin.services.summaries import RecordSummary, summaries, summary, visible_flags
from admin.services.uow import UnitOfWork
from bot.questionnaire import Mask, Question, Questionnaire
from bot.values import HIDDEN, UNANSWERED, display, for_staff
from storage.crypto import scrub_numbers
from storage.models import Flag
from storage.repo import StoredAnswer
from storage.staff import Staff


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


def answer_view(q: Questionnaire, question: Question, versions: Sequence[StoredAnswer],
                flags: Sequence[Flag]) -> AnswerView:
    """A question's current answer and history as staff see them, with the question's flags."""
    return AnswerView(
        key=question.key, label=question.title, section=q.section_of[question.key].title,
        sensitive=masked_in_view(question),
        current=_version(question, versions[-1], mask=True),
        history=[_version(question, a, mask=True) for a in versions],
        flags=[{"id": f.id, "reason": f.reason, "detail": f.detail, "status": f.status}
               for f in flags if f.question_key == question.key],
    )


def list_records(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], staff: Staff, scope: Scope,
                 campaign: str | None, status: str | None, limit: int, offset: int) -> RecordPage:
    """Records of the caller's region, personal data masked (none for a campaign that does not exist)."""
    campaign_id = None
    if campaign is not None:
        found = uow.store.campaigns.by_key(campaign)
        if found is None:
            return RecordPage(total=0, items=[])
        campaign_id = found.id
    rows, total = uow.store.records.page_in(scope.region_ids, campaign_id=campaign_id, status=status,
                                       limit=limit, offset=offset)
    uow.staff.audit("list_records", staff=staff, target_type="record", detail=f"{len(rows)} of {total}")
    return RecordPage(total=total, items=summaries(uow, questionnaires, scope, rows))


def read_record(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], staff: Staff, scope: Scope,
                record_id: int) -> RecordDetail:
    """One record with every answer's history and flags; sensitive values hidden."""
    record = readable_record(uow, staff, scope, record_id)
    campaign = uow.store.campaigns.get(record.campaign_id)
    q = questionnaire_named(questionnaires, campaign.questionnaire)
    history = uow.store.records.answer_history(record_id)
    flags = visible_flags(scope, uow.store.records.flags(record_id, status=None))
    views: list[AnswerView] = []
    for question in q.questions:
        versions = [a for a in history if a.key == question.key]
        if versions:
            views.append(answer_view(q, question, versions, flags))
    uow.staff.audit("read_record", staff=staff, target_type="record", target_id=record_id)
    return RecordDetail(summary=summary(uow, questionnaires, scope, record), answers=views)


def review_queue(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], staff: Staff, scope: Scope,
                 questionnaire: str | None, question: str | None, reason: str | None,
                 region: str | None) -> list[ReviewItem]:
    """Open flags in the caller's region, filterable by questionnaire, question, reason and region."""
    region_ids = scope.region_ids
    if region:
        sub = uow.staff.region_by_path(region)
        if sub is None or not scope.covers(sub.id):
            raise not_found(uow.staff, staff, "region", region)
        region_ids = frozenset(uow.staff.subtree_ids(sub))
    items: list[ReviewItem] = []
    for flag, record, campaign in uow.store.records.open_flags_in(region_ids, questionnaire=questionnaire,
                                                         question=question, reason=reason):
        q = questionnaire_named(questionnaires, campaign.questionnaire)
        qq = q.by_key.get(flag.question_key)
        if qq is None:
            continue
        versions = uow.store.records.answer_history(record.id or 0, flag.question_key)
        current = _version(qq, versions[-1], mask=True) if versions else None
        place = uow.staff.region(record.region_id) if record.region_id else None
        items.append(ReviewItem(
            flag_id=flag.id or 0, reason=flag.reason, detail=flag.detail, record_id=record.id or 0,
            questionnaire=campaign.questionnaire, question=qq.key, label=qq.title, prompt=qq.prompt,
            value=current.value if current else "", raw=current.raw if current else None,
            audio_blob_id=current.audio_blob_id if current else None, region=place.path if place else None,
            history=[_version(qq, a, mask=True) for a in versions],
        ))
    uow.staff.audit("review_queue", staff=staff, detail=f"{len(items)} items")
    return items
