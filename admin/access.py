"""Who may do what, and where: role permissions and the region a staff member's view is limited to.

A staff member sees their own region and every region under it. A record that no region places
(a self-declared person who has not said where they live) is seen only from the root of the tree.
Another region's record answers 404, the same as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException

from bot.messages import StaffPass
from storage.staff import Staff
from storage.staff_repo import StaffStore

#: permission -> roles that have it
PERMISSIONS: dict[str, frozenset[str]] = {
    "records.read": frozenset({"collector", "reviewer", "hotline", "region_admin", "system_admin", "auditor"}),
    "records.reveal": frozenset({"reviewer", "region_admin", "system_admin"}),
    "review.read": frozenset({"reviewer", "region_admin", "system_admin", "auditor"}),
    "review.act": frozenset({"reviewer", "region_admin", "system_admin"}),
    "appeals.read": frozenset({"hotline", "reviewer", "region_admin", "system_admin", "auditor"}),
    "appeals.act": frozenset({"hotline", "region_admin", "system_admin"}),
    "export": frozenset({"reviewer", "region_admin", "system_admin"}),
    "export.id_numbers": frozenset({"region_admin", "system_admin"}),
    "audit.read": frozenset({"auditor", "region_admin", "system_admin"}),
    "collect": frozenset({"collector", "reviewer", "region_admin", "system_admin"}),
    "identity.lift": frozenset({"hotline", "region_admin", "system_admin"}),  # see and lift blocked identification
    "persons.claim": frozenset({"region_admin", "system_admin"}),  # place a person no region places (at the root)
}


@dataclass(frozen=True)
class Scope:
    """The regions a staff member may see: ``region_ids`` is None for the whole tree."""

    staff: Staff
    path: str
    region_ids: frozenset[int] | None

    def covers(self, region_id: int | None) -> bool:
        """Whether a row placed in ``region_id`` is visible."""
        if self.region_ids is None:
            return True
        return region_id is not None and region_id in self.region_ids


def scope_of(staff_store: StaffStore, staff: Staff) -> Scope:
    """The scope of a staff member (system admins and root-region staff see everything)."""
    region = staff_store.region(staff.region_id)
    if region is None:
        return Scope(staff, "", frozenset())
    if staff.role == "system_admin" or region.parent_id is None:
        return Scope(staff, region.path, None)
    return Scope(staff, region.path, frozenset(staff_store.subtree_ids(region)))


def require(staff_store: StaffStore, staff: Staff, permission: str, target: str = "") -> None:
    """Refuse with 403 (and an audit entry) when the role lacks a permission."""
    if staff.role not in PERMISSIONS[permission]:
        staff_store.audit("denied", staff=staff, target_type=permission, target_id=target or None, result="denied",
                          detail=f"role {staff.role} lacks {permission}")
        staff_store.session.commit()
        raise HTTPException(status_code=403, detail=f"your role ({staff.role}) may not do this ({permission})")


def not_found(staff_store: StaffStore, staff: Staff, target_type: str, target_id: int | str) -> HTTPException:
    """A 404 for a row that does not exist or lies outside the caller's region; the attempt is audited."""
    staff_store.audit("read_" + target_type, staff=staff, target_type=target_type, target_id=target_id,
                      result="not_found")
    staff_store.session.commit()
    return HTTPException(status_code=404, detail=f"no {target_type} {target_id}")


def staff_pass(staff_store: StaffStore, staff: Staff | None) -> StaffPass | None:
    """What the chat engine may know of a logged-in staff member: id, whether they collect, their area."""
    if staff is None:
        return None
    scope = scope_of(staff_store, staff)
    return StaffPass(staff.id or 0, staff.role in PERMISSIONS["collect"], scope.region_ids)
