"""Who may do what, and where: role permissions and the region a staff member's view is limited to.

A staff member sees their own region and every region under it. A record that no region places
(a self-declared person who has not said where they live) is seen only from the root of the tree.
Another region's record answers 404, the same as one that does not exist.

Refusals raise the domain's errors (:mod:`storage.errors`) carrying their audit entry: the unit of
work rolls the request back and keeps that entry (:func:`keep_refusal`), so nothing commits mid-request.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import StaffPass
from storage.errors import Forbidden, IntakeError, NotFound, Refusal
from storage.staff import AuditEntry, Staff
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
    "forms.publish": frozenset({"system_admin"}),  # publish a questionnaire version, migrate records to one
    "points.manage": frozenset({"region_admin", "system_admin"}),  # create collection points, assign their staff
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


def refusal(staff: Staff, action: str, target_type: str | None, target_id: int | str | None,
            result: str = "denied", detail: str = "") -> Refusal:
    """The audit entry of a refused request by ``staff`` (never personal data in ``detail``)."""
    return Refusal(action=action, staff_id=staff.id, username=staff.username, role=staff.role,
                   region_id=staff.region_id, target_type=target_type,
                   target_id=None if target_id is None else str(target_id), result=result, detail=detail[:500])


def denied(staff: Staff, detail: str, target_type: str, target_id: int | str | None = None) -> Forbidden:
    """A 403 for a step the caller may not take, audited as ``denied``."""
    return Forbidden(detail).audited(refusal(staff, "denied", target_type, target_id, detail=detail))


def keep_refusal(staff_store: StaffStore, error: IntakeError) -> None:
    """Write the audit entry a refused request carries (after its own work was rolled back)."""
    entry = error.refusal
    if entry is None:
        return
    staff_store.session.add(AuditEntry(
        staff_id=entry.staff_id, username=entry.username, role=entry.role, region_id=entry.region_id,
        action=entry.action, target_type=entry.target_type, target_id=entry.target_id, result=entry.result,
        detail=entry.detail))
    staff_store.session.flush()


def require(staff_store: StaffStore, staff: Staff, permission: str, target: str = "") -> None:
    """Refuse with :class:`Forbidden` (audited) when the role lacks a permission."""
    if staff.role not in PERMISSIONS[permission]:
        raise Forbidden(f"your role ({staff.role}) may not do this ({permission})").audited(
            refusal(staff, "denied", permission, target or None, detail=f"role {staff.role} lacks {permission}"))


def not_found(staff_store: StaffStore, staff: Staff, target_type: str, target_id: int | str) -> NotFound:
    """A 404 for a row that does not exist or lies outside the caller's region; the attempt is audited."""
    return NotFound(f"no {target_type} {target_id}").audited(
        refusal(staff, "read_" + target_type, target_type, target_id, result="not_found"))


def staff_pass(staff_store: StaffStore, staff: Staff | None) -> StaffPass | None:
    """What the chat engine may know of a logged-in staff member: id, whether they collect, their area."""
    if staff is None:
        return None
    scope = scope_of(staff_store, staff)
    return StaffPass(staff.id or 0, staff.role in PERMISSIONS["collect"], scope.region_ids)
