"""集中采集点: collection points (named, in a region, with their staff), listed and created by administrators;
a staff member of a point opens window sessions there (``POST /api/interviews`` with mode ``window``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from admin.services import points as service
from admin.services.access import scope_of
from admin.web.deps import CurrentStaff, UowDep
from admin.web.params import DbId, Offset
from storage.points import CollectionPoint, PointRow
from storage.staff_repo import StaffStore

router = APIRouter(prefix="/api/points", tags=["collection points"])


class PointIn(BaseModel):
    """A new collection point."""

    name: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=1, max_length=300, description="a region path of your area")
    address: str = Field(default="", max_length=200)


class AssignIn(BaseModel):
    """A staff member to assign to the point."""

    username: str = Field(min_length=1, max_length=100)


class StaffRef(BaseModel):
    id: int
    username: str
    display_name: str


class PointOut(BaseModel):
    """A collection point with its staff."""

    id: int
    name: str
    region: str
    address: str
    created_at: datetime
    staff: list[StaffRef]


class PointPage(BaseModel):
    total: int
    items: list[PointOut]


def point_out(staff_store: StaffStore, point: CollectionPoint, staff_ids: tuple[int, ...]) -> PointOut:
    region = staff_store.region(point.region_id)
    members = []
    for sid in staff_ids:
        member = staff_store.get(sid)
        if member is not None:
            members.append(StaffRef(id=sid, username=member.username, display_name=member.display_name))
    return PointOut(id=point.id or 0, name=point.name, region=region.path if region else "", address=point.address,
                    created_at=point.created_at, staff=members)


def _row(staff_store: StaffStore, row: PointRow) -> PointOut:
    return point_out(staff_store, row.point, row.staff_ids)


@router.get("", response_model=PointPage)
def list_points(staff: CurrentStaff, uow: UowDep, limit: Annotated[int, Query(ge=1, le=200)] = 100,
                offset: Offset = 0) -> PointPage:
    """The collection points of the caller's area, by name, with their staff."""
    total, rows = service.list_points(uow, staff, scope_of(uow.staff, staff), limit=limit, offset=offset)
    return PointPage(total=total, items=[_row(uow.staff, r) for r in rows])


@router.get("/mine", response_model=list[PointOut])
def my_points(staff: CurrentStaff, uow: UowDep) -> list[PointOut]:
    """The points the caller is assigned to: where they may open window sessions."""
    return [_row(uow.staff, r) for r in service.points_of(uow, staff)]


@router.post("", response_model=PointOut, status_code=201)
def create_point(body: PointIn, staff: CurrentStaff, uow: UowDep) -> PointOut:
    """A new collection point in a region of the caller's area (administrators)."""
    point = service.create_point(uow, staff, scope_of(uow.staff, staff), body.name, body.region, body.address)
    return point_out(uow.staff, point, ())


@router.post("/{point_id}/staff", response_model=PointOut)
def assign_staff(point_id: DbId, body: AssignIn, staff: CurrentStaff, uow: UowDep) -> PointOut:
    """Assign a staff member of the caller's area, whose own area covers the point, to it (administrators)."""
    row = service.assign(uow, staff, scope_of(uow.staff, staff), point_id, body.username)
    return _row(uow.staff, row)
