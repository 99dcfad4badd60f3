"""Cross-department reconciliation over HTTP: import a department's list, its problem and missing data lists.

The rules (who may import, read and resolve, within which region) are in :mod:`admin.services.reconcile`;
these routes read the request and shape the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from admin.services import reconcile as service
from admin.services.reconcile import ItemOut, ItemPage, RunOut
from admin.web.deps import CurrentStaff, RuntimeDep, UowDep
from admin.web.params import DbId, Offset
from storage.reconcile import DEPARTMENTS, KINDS, REASONS

router = APIRouter(prefix="/api/reconcile", tags=["reconcile"])


class ResolveIn(BaseModel):
    """How the task was settled."""

    note: str = Field(min_length=2, max_length=2000)


@router.post("", response_model=RunOut, status_code=201)
def import_list(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    file: Annotated[UploadFile, File(description="the department's list, CSV (UTF-8) or XLSX")],
    campaign: Annotated[str, Form(description="campaign key, e.g. veterans-2026")],
    department: Annotated[str, Form(description="one of: " + ", ".join(DEPARTMENTS))],
    mapping: Annotated[str, Form(description='JSON: {"id_column": "身份证号", "columns": {"是否低保": "dibao"}}')],
) -> RunOut:
    """Compare a department's list with the roster and records of the caller's region; the run's summary."""
    return service.import_list(uow, rt, staff, file.file, file.filename, campaign, department, mapping)


@router.get("/runs", response_model=list[RunOut])
def list_runs(
    staff: CurrentStaff, uow: UowDep,
    campaign: Annotated[str | None, Query(description="campaign key")] = None,
    department: Annotated[str | None, Query(pattern="^(" + "|".join(DEPARTMENTS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RunOut]:
    """Runs imported in the caller's region or with items there, newest first, counted within the region."""
    return service.list_runs(uow, staff, campaign, department, limit)


@router.get("/runs/{run_id}", response_model=RunOut)
def read_run(run_id: DbId, staff: CurrentStaff, uow: UowDep) -> RunOut:
    """One run's summary, counted within the caller's region."""
    return service.read_run(uow, staff, run_id)


@router.get("/runs/{run_id}/items", response_model=ItemPage)
def list_items(
    run_id: DbId, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
    reason: Annotated[str | None, Query(pattern="^(" + "|".join(REASONS) + ")$")] = None,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Offset = 0,
) -> ItemPage:
    """The problem or missing data list of a run, limited to the caller's region; ID numbers and names masked."""
    return service.list_items(uow, rt, staff, run_id, kind, reason, status, limit, offset)


@router.post("/items/{item_id}/resolve", response_model=ItemOut)
def resolve_item(item_id: DbId, body: ResolveIn, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> ItemOut:
    """Settle a task with a note; reviewers and admins anywhere in their region, collectors in their village."""
    return service.resolve_item(uow, rt, staff, item_id, body.note)
