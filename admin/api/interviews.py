"""The collector's interviews over HTTP (JSON, under ``/api/interviews``): roster, open, state, answer, link code.

The rules (who may interview whom, declarations, link codes) are in :mod:`admin.services.interviews`;
these routes read the request and shape the answer. The live microphone is a WebSocket on the same
path (:mod:`admin.api.interview_live`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from admin.services import interviews as service
from admin.services.interviews import MAX_TEXT, InterviewOut, LinkCodeOut, Opening, RosterOut
from admin.web.deps import CurrentStaff, RuntimeDep, UowDep
from admin.web.params import DbId, Offset

router = APIRouter(prefix="/api/interviews", tags=["interviews"])


class InterviewIn(BaseModel):
    """Open an interview: who (a roster person or an ID number), which questionnaire, how, with consent."""

    questionnaire: str = Field(min_length=1, max_length=64)
    mode: Literal["phone", "visit", "window"]
    point_id: DbId | None = Field(default=None, description="mode window: the collection point, one of yours")
    person_id: DbId | None = None
    id_number: str | None = Field(default=None, max_length=40)
    consent: bool = Field(description="the notice was read out to the person and they agreed")


class AnswerIn(BaseModel):
    """A typed answer (or a control phrase such as 返回, 跳过, 确认提交)."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    message_id: str | None = Field(default=None, max_length=80)


@router.get("/roster", response_model=RosterOut)
def roster(staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
           questionnaire: Annotated[str, Query(max_length=64)],
           limit: Annotated[int, Query(ge=1, le=200)] = 50,
           offset: Offset = 0) -> RosterOut:
    """The people of a campaign's roster in the caller's region (masked), the ones not yet done first."""
    return service.roster(uow, rt, staff, questionnaire, limit, offset)


@router.post("", response_model=InterviewOut, status_code=201)
def open_interview(body: InterviewIn, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> InterviewOut:
    """Open (or continue) an interview of a roster person or of the person with an ID number."""
    return service.open_interview(uow, rt, staff, Opening(body.questionnaire, body.mode, body.person_id,
                                                         body.id_number, body.consent, body.point_id))


@router.get("/{interview_id}", response_model=InterviewOut)
def read_interview(interview_id: DbId, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> InterviewOut:
    """The state of one of the caller's interviews, with the pending prompt."""
    return service.read_interview(uow, rt, staff, interview_id)


@router.post("/{interview_id}/answer", response_model=InterviewOut)
def answer(interview_id: DbId, body: AnswerIn, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> InterviewOut:
    """A typed answer, correction or control phrase; a repeated message_id stores nothing twice."""
    return service.answer(uow, rt, staff, interview_id, body.text, body.message_id)


@router.post("/{interview_id}/link-code", response_model=LinkCodeOut, status_code=201)
def link_code(interview_id: DbId, staff: CurrentStaff, uow: UowDep, response: Response) -> LinkCodeOut:
    """A link code for the person interviewed (8 digits, 15 minutes): sent in their own chat, it links it to them.

    Only for a person of the caller's area, never for a declaration; a new code retires the person's
    earlier ones. The code is shown this once and kept only as a digest; the audit log never holds it.
    """
    response.headers["Cache-Control"] = "no-store"
    return service.link_code(uow, staff, interview_id)
