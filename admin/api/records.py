"""Records: list and read (masked), reveal a masked field, correct an answer (a new version), the review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from admin.services import record_views as views
from admin.services import records as service
from admin.services.access import not_found, scope_of
from admin.services.record_views import AnswerView, RecordDetail, RecordPage, ReviewItem, masked_in_view
from admin.web.deps import Permitted, RuntimeDep, UowDep
from admin.web.params import DbId, Offset
from bot.values import display
from storage.staff import Staff

router = APIRouter(prefix="/api", tags=["records"])
Reader = Annotated[Staff, Depends(Permitted("records.read"))]
__all__ = ["AnswerView", "RecordDetail", "RecordPage", "ReviewItem", "masked_in_view", "router"]


class CorrectionIn(BaseModel):
    """A reviewer's correction: the new answer as it would be typed, and why."""

    text: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=2, max_length=500)


class RevealIn(BaseModel):
    """Which masked field to show."""

    key: str


@router.get("/records", response_model=RecordPage)
def list_records(
    staff: Reader, uow: UowDep, rt: RuntimeDep,
    campaign: Annotated[str | None, Query(description="campaign key, e.g. veterans-2026")] = None,
    status: Annotated[str | None, Query(pattern="^(in_progress|submitted)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> RecordPage:
    """Records of the caller's region, personal data masked."""
    return views.list_records(uow, rt.questionnaires, staff, scope_of(uow.staff, staff), campaign, status,
                              limit, offset)


@router.get("/records/{record_id}", response_model=RecordDetail)
def read_record(record_id: DbId, staff: Reader, uow: UowDep, rt: RuntimeDep) -> RecordDetail:
    """One record with every answer's history and flags; sensitive values hidden."""
    return views.read_record(uow, rt.questionnaires, staff, scope_of(uow.staff, staff), record_id)


@router.post("/records/{record_id}/reveal")
def reveal(record_id: DbId, body: RevealIn, staff: Annotated[Staff, Depends(Permitted("records.reveal", "record_id"))],
           uow: UowDep, rt: RuntimeDep) -> dict[str, str | None]:
    """Show one masked value in clear (ID number, name, a sensitive answer); always audited."""
    record = service.visible_record(uow, staff, scope_of(uow.staff, staff), record_id)
    question = service.question_of(service.form_of(uow, rt.questionnaires, record).questionnaire, body.key)
    answer = uow.store.records.current_answers(record_id).get(body.key)
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
    return views.answer_view(q, question, uow.store.records.answer_history(record_id, key),
                             uow.store.records.flags(record_id, status=None))


@router.get("/review", response_model=list[ReviewItem])
def review_queue(
    staff: Annotated[Staff, Depends(Permitted("review.read"))], uow: UowDep, rt: RuntimeDep,
    questionnaire: str | None = None, question: str | None = None, reason: str | None = None,
    region: Annotated[str | None, Query(description="limit to a region path inside yours")] = None,
) -> list[ReviewItem]:
    """Open flags in the caller's region, filterable by questionnaire, question, reason and region."""
    return views.review_queue(uow, rt.questionnaires, staff, scope_of(uow.staff, staff), questionnaire, question,
                              reason, region)


@router.post("/flags/{flag_id}/approve", status_code=204)
def approve(flag_id: DbId, staff: Annotated[Staff, Depends(Permitted("review.act", "flag_id"))], uow: UowDep) -> None:
    """Accept a flagged answer as it is."""
    service.approve_flag(uow, staff, scope_of(uow.staff, staff), flag_id)


@router.get("/records/{record_id}/blobs/{blob_id}")
def evidence(record_id: DbId, blob_id: DbId, staff: Annotated[Staff, Depends(Permitted("review.read", "record_id"))],
             uow: UowDep) -> Response:
    """The audio clip or photo kept with one of the record's answers (played or shown in review)."""
    service.visible_record(uow, staff, scope_of(uow.staff, staff), record_id)
    if not any(a.blob_id == blob_id for a in uow.store.records.answer_history(record_id)):
        raise not_found(uow.staff, staff, "blob", blob_id)
    content_type, data = uow.store.blobs.read(blob_id)
    uow.staff.audit("play_evidence", staff=staff, target_type="record", target_id=record_id, detail=str(blob_id))
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store"})
