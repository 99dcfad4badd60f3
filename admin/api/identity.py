"""Blocked identification: the persons whose self-identification is locked, and the hotline lifting a lock.

After repeated failed attempts to identify as a person (wrong one-time codes, wrong link codes), the
chat blocks that person's identification until the hotline lifts it, having checked who is calling.
Hotline staff and administrators see the blocked persons of their area (masked) and lift a block:
failures, pause and block are reset and the person's open one-time codes retired. Another region's
person answers 404 like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from admin.services import persons as service
from admin.services.access import scope_of
from admin.services.persons import BlockedOut
from admin.web.deps import CurrentStaff, Permitted, UowDep
from admin.web.params import DbId
from storage.staff import Staff

router = APIRouter(prefix="/api/identity", tags=["identity"])


@router.get("/blocks", response_model=list[BlockedOut])
def list_blocks(staff: CurrentStaff, uow: UowDep) -> list[BlockedOut]:
    """The persons of the caller's area whose identification is blocked, the longest blocked first."""
    return service.list_blocks(uow, staff)


@router.post("/blocks/{person_id}/lift", status_code=204)
def lift_block(person_id: DbId, staff: Annotated[Staff, Depends(Permitted("identity.lift", "person_id"))],
               uow: UowDep) -> None:
    """Lift a person's block after checking who is calling; a person who is not blocked answers 409."""
    service.lift_block(uow, staff, scope_of(uow.staff, staff), person_id)
