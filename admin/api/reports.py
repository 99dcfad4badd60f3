"""Exports (CSV, XLSX, streamed), statistics per question with cross-tabulations, progress per region.

The logic is in :mod:`admin.services.reports`; these routes read the request and shape the answer.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import FileResponse, StreamingResponse

from admin.services import reports as service
from admin.services.reports import ProgressRow, StatsOut
from admin.web.deps import CurrentStaff, RuntimeDep, UowDep

router = APIRouter(prefix="/api", tags=["exports and statistics"])

RegionQuery = Annotated[str | None, Query(description="a full region path inside yours: only that region and "
                                                        "the regions under it")]
StatusQuery = Annotated[str | None, Query(pattern="^(in_progress|submitted)$")]


def _attachment(filename: str) -> str:
    """A Content-Disposition header for a download whose name may be Chinese (RFC 6266)."""
    quoted = quote(filename, safe="")
    if quoted == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{quoted}"


@router.get("/exports/{campaign_key}.csv")
def export_csv(campaign_key: str, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
               status: StatusQuery = None, region: RegionQuery = None) -> StreamingResponse:
    """A region's records as CSV (UTF-8 with BOM for Excel), one column per question, code values."""
    ex = service.start_export(uow, rt, staff, campaign_key, "csv", region, status)
    return StreamingResponse(service.csv_chunks(rt, ex), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": _attachment(ex.filename)})


@router.get("/exports/{campaign_key}.xlsx")
def export_xlsx(campaign_key: str, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, background: BackgroundTasks,
                status: StatusQuery = None, region: RegionQuery = None) -> FileResponse:
    """A region's records as XLSX, written row by row (openpyxl write-only) so memory stays flat."""
    ex = service.start_export(uow, rt, staff, campaign_key, "xlsx", region, status)
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="intake-export-")
    os.close(fd)
    service.write_xlsx(rt, ex, path)
    background.add_task(os.unlink, path)
    return FileResponse(path, filename=ex.filename,
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/stats", response_model=StatsOut)
def stats(staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, campaign: str, question: str, by: str | None = None,
          status: StatusQuery = "submitted", region: RegionQuery = None) -> StatsOut:
    """Statistics of a question over the caller's region or one inside it (submitted records by default)."""
    return service.stats(uow, rt, staff, campaign, question, by, status, region)


@router.get("/progress", response_model=list[ProgressRow])
def progress(staff: CurrentStaff, uow: UowDep, rt: RuntimeDep, campaign: str) -> list[ProgressRow]:
    """The caller's region and each region directly under it: reach rate, home-visit rate (target 95%), flags."""
    return service.progress(uow, rt, staff, campaign)
