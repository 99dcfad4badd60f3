"""Staff accounts as staff see them: what a logged-in member may know about an account."""

from __future__ import annotations

from pydantic import BaseModel

from admin.services.uow import UnitOfWork
from storage.staff import Staff


class StaffPublic(BaseModel):
    """What a staff member may know about an account."""

    id: int
    username: str
    display_name: str
    role: str
    region_id: int
    region_path: str


def staff_public(uow: UnitOfWork, staff: Staff) -> StaffPublic:
    """The public view of an account."""
    region = uow.staff.region(staff.region_id)
    return StaffPublic(id=staff.id or 0, username=staff.username, display_name=staff.display_name, role=staff.role,
                       region_id=staff.region_id, region_path=region.path if region else "")
