"""The collector's pages of the console (电话/入户采集): the roster to pick from, and the interview.

The data comes from the interview service (:mod:`admin.services.interviews`, scoped and audited as the API
is); the pages' actions are posted to the interview API by ``static/collect.js``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from admin.console.base import ConsoleDep
from admin.console.visits import interview_extras
from admin.services import interviews
from admin.services.access import require
from admin.services.interviews import MODES
from admin.services.points import points_of
from admin.web.params import DbId, Offset
from storage.staff import Staff

STATUS_LABELS = {"not_started": "未开始", "in_progress": "填写中", "submitted": "已提交"}


def collect_pages() -> APIRouter:
    """The collector's pages of the console: the roster to pick from, and the interview."""
    pages = APIRouter(prefix="/admin/collect", include_in_schema=False)

    @pages.get("")
    def picker(c: ConsoleDep, questionnaire: str = "", offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "collect")
            choices = [(name, q) for name, q in sorted(c.rt.questionnaires.items()) if q.subject.kind == "person"]
            names = [name for name, _ in choices]
            default = c.rt.settings.default_questionnaire
            chosen = questionnaire if questionnaire in names else default if default in names else names[0]
            start = max(offset, 0)
            page = interviews.roster(c.uow, c.rt, staff, chosen, 50, start)
            return {"choices": choices, "chosen": chosen, "page": page, "offset": start, "size": 50,
                    "modes": MODES, "status_labels": STATUS_LABELS, "voice": c.rt.transcriber is not None,
                    "points": points_of(c.uow, staff)}

        return c.page("collect", "collect.html", build)

    @pages.get("/{interview_id}")
    def interview_page(c: ConsoleDep, interview_id: DbId) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            state = interviews.read_interview(c.uow, c.rt, staff, interview_id)
            return {"s": state, "modes": MODES, **interview_extras(c, staff, interview_id, state.record_id)}

        return c.page("collect", "interview.html", build)

    return pages
