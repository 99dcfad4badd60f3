"""Blocked identification: the persons whose self-identification is locked, and the hotline lifting a lock.

After repeated failed attempts to identify as a person (wrong one-time codes, wrong link codes), the
chat blocks that person's identification until the hotline lifts it, having checked who is calling.
Hotline staff and administrators see the blocked persons of their area (masked) and lift a block:
failures, pause and block are reset and the person's open one-time codes retired. Another region's
person answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from admin.services import persons as service
from admin.services.access import require, scope_of
from admin.web.deps import CurrentStaff, Permitted, UowDep
from admin.web.params import DbId
from storage import casework
from storage.crypto import mask_id_number, mask_name
from storage.identity import IdentityStore
from storage.staff import Staff

router = APIRouter(prefix="/api/identity", tags=["identity"])


class BlockedOut(BaseModel):
    """A person whose identification is blocked (masked)."""

    person_id: int
    name: str | None
    id_number: str
    region: str | None
    failures: int
    since: datetime  # when the failure that blocked it happened


@router.get("/blocks", response_model=list[BlockedOut])
def list_blocks(staff: CurrentStaff, uow: UowDep) -> list[BlockedOut]:
    """The persons of the caller's area whose identification is blocked, the longest blocked first."""
    require(uow.staff, staff, "identity.lift")
    blocked = casework.blocked_in(IdentityStore(uow.store), scope_of(uow.staff, staff).region_ids)
    out = []
    for b in blocked:
        name = uow.store.person_name(b.person)
        region = uow.staff.region(b.person.region_id) if b.person.region_id else None
        out.append(BlockedOut(person_id=b.person.id or 0, name=mask_name(name) if name else None,
                              id_number=mask_id_number(uow.store.person_id_number(b.person)),
                              region=region.path if region else None, failures=b.failures, since=b.since))
    uow.staff.audit("list_identity_blocks", staff=staff, target_type="person", detail=f"{len(out)} blocked")
    return out


@router.post("/blocks/{person_id}/lift", status_code=204)
def lift_block(person_id: DbId, staff: Annotated[Staff, Depends(Permitted("identity.lift", "person_id"))],
               uow: UowDep) -> None:
    """Lift a person's block after checking who is calling; a person who is not blocked answers 409."""
    service.lift_block(uow, staff, scope_of(uow.staff, staff), person_id)
