"""The console page 审核上报: the campaign workflow for the logged-in staff member's level.

A township reviewer ticks the collected records of the township and reports them up (上报) or sends
them back (退回) with a reason; county staff see the county's reproducible spot-check sample, pass or
fail each sampled record and then report the township-reviewed records up; city and province staff
accept what the level below passed on; province-level administrators set the spot-check rate. Every
level sees the records of its area that were sent back, with the reason. The data comes from the
workflow services (:mod:`admin.services.workflow_views`, scoped and audited as the API is); the actions are posted
to that API by ``static/workflow.js`` (batches) and ``static/console.js`` (one record, the rate).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from admin.console.base import LEVEL_LABELS, ConsoleDep
from admin.services import change_views, workflow, workflow_views
from admin.services.access import require, scope_of
from admin.services.summaries import summaries
from admin.web.params import Offset
from storage.staff import Staff

PAGE_SIZE = 200
#: step -> (what the level does, the label of its button)
STEP_TEXT = {
    "township_reviewed": ("审核本乡镇已采集的记录，确认无误后上报县级。有待审核问题的记录要先在审核队列处理。", "上报"),
    "county_checked": ("按比例抽查乡镇已审核的记录，抽查全部通过后上报市级。", "上报"),
    "city_accepted": ("验收县级已抽查的记录，通过后上报省级。", "验收通过"),
    "province_accepted": ("对市级已验收的记录做省级验收。", "验收通过"),
}


def workflow_pages() -> APIRouter:
    """The console's workflow page (审核上报) under /admin/workflow."""
    pages = APIRouter(prefix="/admin/workflow", include_in_schema=False)

    @pages.get("", name="workflow_page")
    def workflow_page(c: ConsoleDep, campaign: str = "", offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "review.read")
            campaigns = c.campaigns()
            chosen = next((k for k, _ in campaigns if k == campaign), campaigns[0][0] if campaigns else "")
            level = workflow.level_of(c.uow, staff)
            step = workflow.next_step(c.uow, staff)
            data: dict[str, Any] = {
                "campaigns": campaigns, "chosen": chosen, "level": LEVEL_LABELS.get(level, ""), "step": step,
                "step_text": STEP_TEXT.get(step or "", ("", "上报")), "waiting": None, "sample": None,
                "sample_left": [], "sampled": {}, "returned": None, "rate": None, "can_rate": False,
                "can_act": c.can("review.act"), "offset": max(offset, 0), "size": PAGE_SIZE, "changes": [],
            }
            if not chosen:
                return data
            found = c.uow.store.campaigns.by_key(chosen)
            data["rate"] = found.spot_check_rate if found else None
            data["can_rate"] = workflow.may_set_rate(c.uow, staff)
            if step is not None:
                data["waiting"] = workflow_views.queue(c.uow, c.rt, staff, chosen, None, PAGE_SIZE, data["offset"])
            if step == "county_checked":
                sample = workflow_views.sample(c.uow, staff, chosen, None)
                data["sample"] = sample
                data["sample_left"] = [rid for rid in sample.sample if not sample.checked.get(rid)]
                # the sampled records, masked as in the records list (the sample is drawn inside the scope)
                rows = c.uow.store.records.by_ids(sample.sample)
                data["sampled"] = {r.id: shown for r, shown in zip(
                    rows, summaries(c.uow, c.rt.questionnaires, scope_of(c.uow.staff, staff), rows), strict=True)}
                c.uow.staff.audit("workflow_sample", staff=staff, target_type="record",
                                  detail=f"{chosen}: {len(sample.sample)} of {sample.candidates}")
            if found is not None:  # the change requests the caller's level decides now
                listed = change_views.list_changes(c.uow, c.rt, staff, questionnaire=found.questionnaire, limit=200)
                data["changes"] = [i for i in listed.items if i.decides and i.record.campaign == found.key]
            data["returned"] = workflow_views.queue(c.uow, c.rt, staff, chosen, "returned", PAGE_SIZE, 0)
            return data

        return c.page("workflow", "workflow.html", build)

    return pages
