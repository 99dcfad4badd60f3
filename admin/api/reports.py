"""Exports (CSV, XLSX, streamed), statistics per question with cross-tabulations, progress per region."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query
from fastapi.responses import FileResponse, StreamingResponse
from openpyxl import Workbook
from pydantic import BaseModel

from admin.access import PERMISSIONS, Scope, require, scope_of
from admin.deps import CurrentStaff, RuntimeDep, UowDep
from admin.reporting import ExportRow, batches, cells, crosstab, headers, question_stats
from admin.runtime import Runtime
from bot.questionnaire import QType, Questionnaire
from storage.db import session_scope
from storage.models import Campaign
from storage.repo import Store
from storage.staff_repo import StaffStore

router = APIRouter(prefix="/api", tags=["exports and statistics"])


def _campaign(uow: UowDep, rt: Runtime, key: str) -> tuple[Campaign, Questionnaire]:
    campaign = uow.store.campaign_by_key(key)
    if campaign is None or campaign.questionnaire not in rt.questionnaires:
        raise HTTPException(status_code=404, detail=f"no campaign {key!r}")
    return campaign, rt.questionnaires[campaign.questionnaire]


def _rows(rt: Runtime, campaign_id: int, scope: Scope, status: str | None) -> Iterator[ExportRow]:
    """Records of a campaign in a scope, batch by batch in a session of their own (for streaming)."""
    with session_scope(rt.db) as session:
        store, staff_store = Store(session, rt.vault), StaffStore(session)
        ids = store.record_ids_in(scope.region_ids, campaign_id, status)
        paths: dict[int, str] = {}
        for batch in batches(ids):
            answers = store.current_answers_for(batch)
            for record in store.records_by_ids(batch):
                region = ""
                if record.region_id is not None:
                    if record.region_id not in paths:
                        r = staff_store.region(record.region_id)
                        paths[record.region_id] = r.path if r else ""
                    region = paths[record.region_id]
                yield ExportRow(record.id or 0, record.receipt, record.status, region, answers[record.id or 0])
            session.expunge_all()


def _start_export(uow: UowDep, rt: Runtime, staff: Any, campaign_key: str, fmt: str) -> tuple[
        Campaign, Questionnaire, Scope, bool]:
    require(uow.staff, staff, "export")
    campaign, q = _campaign(uow, rt, campaign_key)
    reveal = staff.role in PERMISSIONS["export.id_numbers"]
    uow.staff.audit("export", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=f"{fmt}; id numbers {'shown' if reveal else 'masked'}")
    return campaign, q, scope_of(uow.staff, staff), reveal


@router.get("/exports/{campaign_key}.csv")
def export_csv(
    campaign_key: str, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    status: Annotated[str | None, Query(pattern="^(in_progress|submitted)$")] = None,
) -> StreamingResponse:
    """A region's records as CSV (UTF-8 with BOM for Excel), one column per question, code values."""
    campaign, q, scope, reveal = _start_export(uow, rt, staff, campaign_key, "csv")
    uow.store.session.commit()

    def lines() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers(q))
        yield "\ufeff" + buf.getvalue()
        for row in _rows(rt, campaign.id or 0, scope, status):
            buf.seek(0)
            buf.truncate()
            writer.writerow(cells(q, row, reveal=reveal))
            yield buf.getvalue()

    name = f"{campaign.key}.csv"
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/exports/{campaign_key}.xlsx")
def export_xlsx(
    campaign_key: str, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, background: BackgroundTasks,
    status: Annotated[str | None, Query(pattern="^(in_progress|submitted)$")] = None,
) -> FileResponse:
    """A region's records as XLSX, written row by row (openpyxl write-only) so memory stays flat."""
    campaign, q, scope, reveal = _start_export(uow, rt, staff, campaign_key, "xlsx")
    uow.store.session.commit()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=q.title[:31])
    ws.append(headers(q))
    for row in _rows(rt, campaign.id or 0, scope, status):
        ws.append(cells(q, row, reveal=reveal))
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="intake-export-")
    os.close(fd)
    wb.save(path)
    background.add_task(os.unlink, path)
    return FileResponse(path, filename=f"{campaign.key}.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class StatsOut(BaseModel):
    """Counts and shares of one question, and optionally a cross-tabulation."""

    campaign: str
    question: str
    label: str
    total: int
    counts: dict[str, int]
    shares: dict[str, float]
    by: str | None = None
    crosstab: dict[str, dict[str, int]] | None = None


@router.get("/stats", response_model=StatsOut)
def stats(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    campaign: str, question: str, by: str | None = None,
    status: Annotated[str | None, Query(pattern="^(in_progress|submitted)$")] = "submitted",
) -> StatsOut:
    """Statistics of a question over the caller's region (submitted records by default)."""
    require(uow.staff, staff, "review.read")
    found, q = _campaign(uow, rt, campaign)
    closed = (QType.SINGLE, QType.MULTI, QType.YES_NO, QType.ETHNICITY)
    for key in (question, by):
        if key is not None and (key not in q.by_key or q.by_key[key].type not in closed):
            raise HTTPException(status_code=422, detail=f"{key!r} is not a choice, yes/no or ethnicity question")
    scope = scope_of(uow.staff, staff)
    rows = [r.answers for r in _rows(rt, found.id or 0, scope, status)]
    s = question_stats(q.by_key[question], rows)
    table = crosstab(q.by_key[question], q.by_key[by], rows) if by else None
    uow.staff.audit("stats", staff=staff, target_type="campaign", target_id=found.key, detail=question)
    return StatsOut(campaign=found.key, question=question, label=s.label, total=s.total, counts=s.counts,
                    shares=s.shares, by=by, crosstab=table)


class ProgressRow(BaseModel):
    """Progress of one region against its roster."""

    region: str
    roster: int
    started: int
    submitted: int
    visited: int
    open_flags: int
    reach_rate: float | None
    visit_rate: float | None
    visit_target_met: bool | None


@router.get("/progress", response_model=list[ProgressRow])
def progress(staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, campaign: str) -> list[ProgressRow]:
    """The caller's region and each region directly under it: reach rate, home-visit rate (target 95%), flags."""
    require(uow.staff, staff, "records.read")
    found, _ = _campaign(uow, rt, campaign)
    own = uow.staff.region(staff.region_id)
    if own is None:
        raise HTTPException(status_code=500, detail="the account's region is missing")
    regions = [own, *uow.store.children(own.id or 0)]
    out = []
    for region in regions:
        ids = None if staff.role == "system_admin" and region is own and own.parent_id is None else \
            uow.staff.subtree_ids(region)
        c = uow.store.progress_counts(ids, found.id or 0)
        reach = round(c["submitted"] / c["roster"], 4) if c["roster"] else None
        visit = round(c["visited"] / c["roster"], 4) if c["roster"] else None
        out.append(ProgressRow(region=region.path, roster=c["roster"], started=c["started"],
                               submitted=c["submitted"], visited=c["visited"], open_flags=c["open_flags"],
                               reach_rate=reach, visit_rate=visit,
                               visit_target_met=None if visit is None else visit >= 0.95))
    return out
