"""The audit log, for auditors and administrators: read-only, limited to the caller's region."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from admin.services.access import require, scope_of
from admin.web.deps import CurrentStaff, UowDep

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditOut(BaseModel):
    """One audit entry."""

    id: int
    at: datetime
    username: str | None
    role: str | None
    action: str
    target_type: str | None
    target_id: str | None
    result: str
    detail: str


@router.get("", response_model=list[AuditOut])
def read_audit(staff: CurrentStaff, uow: UowDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditOut]:
    """The newest entries made by staff of the caller's region (and logins by unknown names at the root)."""
    require(uow.staff, staff, "audit.read")
    scope = scope_of(uow.staff, staff)
    rows = uow.staff.audit_entries(sorted(scope.region_ids) if scope.region_ids is not None else None, limit)
    if scope.region_ids is not None:
        rows = [r for r in rows if r.region_id is not None]
    uow.staff.audit("read_audit", staff=staff, detail=f"{len(rows)} entries")
    return [AuditOut(id=r.id or 0, at=r.at, username=r.username, role=r.role, action=r.action,
                     target_type=r.target_type, target_id=r.target_id, result=r.result, detail=r.detail)
            for r in rows]
