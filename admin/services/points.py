"""集中采集点 as administrators set them up (named places in a region, with their staff), and the window
sessions a staff member of a point opens for walk-ins. No FastAPI here: errors are the domain's."""

from __future__ import annotations

from admin.services.access import Scope, denied, not_found, require, scope_of
from admin.services.uow import UnitOfWork
from storage.errors import Conflict, InvalidInput
from storage.points import CollectionPoint, PointRow, WindowSession
from storage.staff import Staff


def visible_point(uow: UnitOfWork, staff: Staff, scope: Scope, point_id: int) -> CollectionPoint:
    """A point placed in the caller's area, else NotFound (audited)."""
    point = uow.store.points.get(point_id)
    if point is None or not scope.covers(point.region_id):
        raise not_found(uow.staff, staff, "collection_point", point_id)
    return point


def create_point(uow: UnitOfWork, staff: Staff, scope: Scope, name: str, region_path: str,
                 address: str = "") -> CollectionPoint:
    """A new collection point in a region of the caller's area."""
    require(uow.staff, staff, "points.manage")
    name = name.strip()
    if not name:
        raise InvalidInput("name: give the point's name")
    region = uow.staff.region_by_path(region_path.strip())
    if region is None or not scope.covers(region.id):
        raise InvalidInput(f"region: no region {region_path!r} in your area")
    points = uow.store.points
    if points.by_name(region.id or 0, name) is not None:
        raise Conflict(f"a collection point named {name!r} already exists there")
    point = points.create(name, region.id or 0, address.strip(), staff.id)
    uow.staff.audit("point_create", staff=staff, target_type="collection_point", target_id=point.id,
                    detail=f"region {region.id}")
    return point


def list_points(uow: UnitOfWork, staff: Staff, scope: Scope, *, limit: int = 100,
                offset: int = 0) -> tuple[int, list[PointRow]]:
    """The points of the caller's area, by name, with their staff."""
    require(uow.staff, staff, "records.read")
    return uow.store.points.in_regions(scope.region_ids, limit=limit, offset=offset)


def assign(uow: UnitOfWork, staff: Staff, scope: Scope, point_id: int, username: str) -> PointRow:
    """Assign a staff member to a point: one of the caller's area whose own area covers the point."""
    require(uow.staff, staff, "points.manage")
    point = visible_point(uow, staff, scope, point_id)
    member = uow.staff.by_username(username.strip())
    if member is None or not member.active or not scope.covers(member.region_id):
        raise InvalidInput(f"username: no staff member {username!r} in your area")
    if member.role not in ("collector", "reviewer", "region_admin", "system_admin"):
        raise InvalidInput(f"username: a {member.role} does not collect")
    if not scope_of(uow.staff, member).covers(point.region_id):
        raise InvalidInput(f"username: {username!r} works outside the point's region and could not "
                           "serve its walk-ins")
    points = uow.store.points
    if not points.assign(point.id or 0, member.id or 0):
        raise Conflict(f"{username!r} is already assigned to this point")
    uow.staff.audit("point_assign", staff=staff, target_type="collection_point", target_id=point.id,
                    detail=f"staff {member.id}")
    return PointRow(point, points.staff_of(point.id or 0))


def points_of(uow: UnitOfWork, staff: Staff) -> list[PointRow]:
    """The points the caller is assigned to (where they may open window sessions), with their staff."""
    points = uow.store.points
    return [PointRow(p, points.staff_of(p.id or 0)) for p in points.points_of(staff.id or 0)]


def check_window(uow: UnitOfWork, staff: Staff, point_id: int | None) -> CollectionPoint:
    """The point a window session is opened at: one the caller is assigned to, else refused."""
    if point_id is None:
        raise InvalidInput("point_id: a window session is held at a collection point; choose yours")
    point = uow.store.points.get(point_id)
    if point is None:
        raise not_found(uow.staff, staff, "collection_point", point_id)
    if point_id not in {p.id for p in uow.store.points.points_of(staff.id or 0)}:
        raise denied(staff, "you are not assigned to this collection point", "collection_point", point_id)
    return point


def open_window(uow: UnitOfWork, staff: Staff, point: CollectionPoint, conversation_id: int,
                record_id: int | None) -> WindowSession:
    """Note that an interview is held at a point's window (each time it is opened there)."""
    row = uow.store.points.open_session(point.id or 0, staff.id or 0, conversation_id, record_id)
    uow.staff.audit("window_open", staff=staff, target_type="collection_point", target_id=point.id,
                    detail=f"record {record_id}")
    return row


def window_point(uow: UnitOfWork, conversation_id: int) -> CollectionPoint | None:
    """The point of an interview's latest window session, if it was held at one."""
    points = uow.store.points
    found = points.last_session(conversation_id)
    return points.get(found.point_id) if found is not None else None
