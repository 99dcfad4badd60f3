"""The console's pages under /admin: dashboard, review queue, records, appeals, exports, statistics, reconciliation.

Each page checks the permission it needs and builds its data from the services (:mod:`admin.services`),
never from the API's route functions; :meth:`admin.console.base.Console.page` turns a domain error
into a polite page. The workflow and collector pages are :mod:`admin.console.workflow` and
:mod:`admin.console.collect`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse, Response

from admin.console.base import (
    APPEAL_CATEGORIES,
    APPEAL_STATUS,
    MAPPING_ROWS,
    PAGE_SIZE,
    RECON_KINDS,
    RECON_REASONS,
    RECON_STATUS,
    RECORD_STATUS,
    STATS_TYPES,
    ConsoleDep,
    choice,
    safe_next,
)
from admin.services import (
    appeal_views,
    change_views,
    declaration_views,
    persons,
    record_views,
    reports,
    signatures,
)
from admin.services import reconcile as reconciliation
from admin.services.access import require, scope_of
from admin.web.params import DbId, Offset
from bot.questionnaire import QType
from storage.signatures import NO_SIGNATURE_LABELS
from storage.staff import Staff

HERE = Path(__file__).parent
STATIC_TYPES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8",
                "collect.js": "text/javascript; charset=utf-8", "collect-worklet.js": "text/javascript; charset=utf-8",
                "workflow.js": "text/javascript; charset=utf-8", "signature.js": "text/javascript; charset=utf-8"}


def console_router() -> APIRouter:
    """The console's pages and its two static files."""
    router = APIRouter(prefix="/admin", include_in_schema=False)

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_TYPES:
            raise HTTPException(status_code=404)
        return FileResponse(HERE / "static" / name, media_type=STATIC_TYPES[name],
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    @router.post("/js-required")
    def js_required(c: ConsoleDep) -> Response:
        """Where the API forms land if the console script did not run: nothing is done."""
        return c.html("problem.html", {"status": 400, "message": "请使用开启了 JavaScript 的浏览器（如新版 Chrome、Edge），"
                                       "然后返回上一页重试。"}, status_code=400)

    @router.get("/login")
    def login_page(c: ConsoleDep, next: str | None = None) -> Response:
        target = safe_next(next)
        if c.staff is not None:
            return RedirectResponse(target, status_code=303)
        return c.html("login.html", {"next": target})

    @router.get("")
    def dashboard(c: ConsoleDep) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            boards = []
            for key, q in c.campaigns():
                rows = reports.progress(c.uow, c.rt, staff, key)
                boards.append({"key": key, "title": q.campaign.title or q.title, "rows": rows})
            return {"boards": boards}

        return c.page("dashboard", "dashboard.html", build)

    @router.get("/review")
    def review(c: ConsoleDep, questionnaire: str = "", question: str = "", reason: str = "",
               region: str = "") -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            qs = c.rt.questionnaires
            require(c.uow.staff, staff, "review.read")
            items = record_views.review_queue(c.uow, qs, staff, scope_of(c.uow.staff, staff), choice(questionnaire, qs),
                                              question or None, reason or None, region or None)
            types = {(i.questionnaire, i.question): qs[i.questionnaire].by_key[i.question] for i in items}
            regions = [r.path for r in c.uow.store.regions.children(staff.region_id)]
            return {"items": items, "types": types, "questionnaires": qs, "regions": regions,
                    "f": {"questionnaire": questionnaire, "question": question, "reason": reason, "region": region}}

        return c.page("review", "review.html", build)

    @router.get("/records")
    def records(c: ConsoleDep, campaign: str = "", status: str = "", offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            start = max(offset, 0)
            require(c.uow.staff, staff, "records.read")
            page = record_views.list_records(c.uow, c.rt.questionnaires, staff, scope_of(c.uow.staff, staff),
                                             campaign or None, choice(status, RECORD_STATUS), PAGE_SIZE, start)
            return {"page": page, "campaigns": c.campaigns(), "offset": start, "size": PAGE_SIZE,
                    "f": {"campaign": campaign, "status": status}}

        return c.page("records", "records.html", build)

    @router.get("/records/{record_id}")
    def record(c: ConsoleDep, record_id: DbId) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "records.read")
            scope = scope_of(c.uow.staff, staff)
            detail = record_views.read_record(c.uow, c.rt.questionnaires, staff, scope, record_id)
            row = c.uow.store.records.get(record_id)  # visible: read_record answered 404 otherwise
            q = c.rt.questionnaires[detail.summary.questionnaire]
            sections: dict[str, list[Any]] = {}
            for view in detail.answers:
                sections.setdefault(view.section, []).append(view)
            own = scope.covers(row.region_id)  # False: a declaration read by the staff of the registered person
            changes = (change_views.list_changes(c.uow, c.rt, staff, record_id=record_id, limit=200)
                       if own and c.can("review.read") else None)
            person = c.uow.store.people.get(row.person_id) if row.person_id is not None else None
            declared = declaration_views.list_declarations(c.uow, c.rt, staff, status=None, person_id=row.person_id,
                                                           limit=200) if person and scope.covers(person.region_id) else None
            return {"detail": detail, "q": q, "sections": sections, "stage": row.stage,
                    "events": c.uow.store.records.workflow_events([record_id]), "changes": changes, "declared": declared,
                    "own": own, "signature": signatures.state(c.uow, staff, scope, record_id) if own else None,
                    "no_signature": NO_SIGNATURE_LABELS}

        return c.page("records", "record.html", build)

    @router.get("/appeals")
    def appeals(c: ConsoleDep, status: str = "", category: str = "", offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            start = max(offset, 0)
            require(c.uow.staff, staff, "appeals.read")
            page = appeal_views.list_appeals(c.uow, staff, scope_of(c.uow.staff, staff), choice(status, APPEAL_STATUS),
                                             choice(category, APPEAL_CATEGORIES), PAGE_SIZE, start)
            blocks = persons.list_blocks(c.uow, staff) if c.can("identity.lift") else None
            return {"page": page, "offset": start, "size": PAGE_SIZE, "blocks": blocks,
                    "f": {"status": status, "category": category}}

        return c.page("appeals", "appeals.html", build)

    @router.get("/appeals/{appeal_id}")
    def appeal(c: ConsoleDep, appeal_id: DbId) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "appeals.read")
            return {"appeal": appeal_views.read_appeal(c.uow, staff, scope_of(c.uow.staff, staff), appeal_id)}

        return c.page("appeals", "appeal.html", build)

    @router.get("/exports")
    def exports(c: ConsoleDep, region: str = "") -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "export")
            view = reports.region_view(c.uow, staff, region or None)
            return {"campaigns": c.campaigns(), "clear_ids": c.can("export.id_numbers"), "view": view,
                    "own_id": staff.region_id, "f": {"region": region}}

        return c.page("exports", "exports.html", build)

    @router.get("/stats")
    def statistics(c: ConsoleDep, campaign: str = "", question: str = "", by: str = "",
                   status: str = "submitted", region: str = "") -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "review.read")
            view = reports.region_view(c.uow, staff, region or None)
            campaigns = c.campaigns()
            chosen = next(((k, q) for k, q in campaigns if k == campaign), campaigns[0] if campaigns else None)
            choices = [x for x in chosen[1].questions if x.type in STATS_TYPES] if chosen else []
            keys = {x.key for x in choices}
            result, columns = None, []
            if chosen and question in keys:
                result = reports.stats(c.uow, c.rt, staff, chosen[0], question, choice(by, keys - {question}),
                                       choice(status, RECORD_STATUS), region or None)
                if result.crosstab:
                    columns = sorted({col for row in result.crosstab.values() for col in row})
            return {"campaigns": campaigns, "chosen": chosen[0] if chosen else "", "choices": choices,
                    "result": result, "columns": columns, "view": view, "own_id": staff.region_id,
                    "f": {"question": question, "by": by, "status": status, "region": region}}

        return c.page("stats", "stats.html", build)

    @router.get("/reconcile")
    def reconcile(c: ConsoleDep, campaign: str = "") -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            runs = reconciliation.list_runs(c.uow, staff, campaign=None, department=None, limit=100)
            campaigns = c.campaigns()
            chosen = next(((k, q) for k, q in campaigns if k == campaign), campaigns[0] if campaigns else None)
            questions = [x for x in chosen[1].questions if x.type != QType.PHOTO and not x.identifies
                         and x.type != QType.ID_NUMBER] if chosen else []
            return {"runs": runs, "campaigns": campaigns, "chosen": chosen[0] if chosen else "",
                    "questions": questions, "mapping_rows": range(MAPPING_ROWS),
                    "can_import": c.can("review.act")}

        return c.page("reconcile", "reconcile.html", build)

    @router.get("/reconcile/{run_id}")
    def reconcile_run(c: ConsoleDep, run_id: DbId, kind: str = "", reason: str = "", status: str = "",
                      offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            start = max(offset, 0)
            run = reconciliation.read_run(c.uow, staff, run_id)
            page = reconciliation.list_items(c.uow, c.rt, staff, run_id, kind=choice(kind, RECON_KINDS),
                                         reason=choice(reason, RECON_REASONS),
                                         status=choice(status, RECON_STATUS), limit=200, offset=start)
            return {"run": run, "page": page, "offset": start, "size": 200,
                    "can_resolve": c.can("review.act") or staff.role == "collector",
                    "f": {"kind": kind, "reason": reason, "status": status}}

        return c.page("reconcile", "reconcile_run.html", build)

    return router
