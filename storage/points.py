"""集中采集点: collection points (named places in a region, with their staff) and the window sessions held there.

The veterans plan sets up collection points in districts, towns and sub-districts (“设立集中采集点”), where
a staff member at a service window (窗口服务) enters a walk-in's answers. A window session is an interview
of the collector console on the channel ``window`` opened by a staff member of the point; the session row
says at which point it was held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import utcnow


class CollectionPoint(SQLModel, table=True):
    """A collection point: a named place in a region."""

    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str
    region_id: int = Field(foreign_key="region.id", index=True)
    address: str = ""
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)


class PointStaff(SQLModel, table=True):
    """A staff member assigned to a collection point."""

    __table_args__ = (UniqueConstraint("point_id", "staff_id"),)
    id: int | None = Field(default=None, primary_key=True)
    point_id: int = Field(foreign_key="collectionpoint.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)


class WindowSession(SQLModel, table=True):
    """A window-service session: a staff member of a point interviewing a walk-in."""

    id: int | None = Field(default=None, primary_key=True)
    point_id: int = Field(foreign_key="collectionpoint.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    record_id: int | None = Field(default=None, foreign_key="record.id", index=True)
    opened_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class PointRow:
    """A collection point with the ids of its staff."""

    point: CollectionPoint
    staff_ids: tuple[int, ...]


class Points:
    """Collection points and window sessions; commit is the caller's."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, name: str, region_id: int, address: str, created_by: int | None) -> CollectionPoint:
        point = CollectionPoint(name=name, region_id=region_id, address=address, created_by=created_by)
        self.session.add(point)
        self.session.flush()
        return point

    def by_name(self, region_id: int, name: str) -> CollectionPoint | None:
        return self.session.exec(select(CollectionPoint).where(
            CollectionPoint.region_id == region_id, CollectionPoint.name == name)).first()

    def get(self, point_id: int) -> CollectionPoint | None:
        return self.session.get(CollectionPoint, point_id)

    def assign(self, point_id: int, staff_id: int) -> bool:
        """Assign a staff member to a point; False when they already were."""
        found = self.session.exec(select(PointStaff).where(
            PointStaff.point_id == point_id, PointStaff.staff_id == staff_id)).first()
        if found is not None:
            return False
        self.session.add(PointStaff(point_id=point_id, staff_id=staff_id))
        self.session.flush()
        return True

    def unassign(self, point_id: int, staff_id: int) -> bool:
        found = self.session.exec(select(PointStaff).where(
            PointStaff.point_id == point_id, PointStaff.staff_id == staff_id)).first()
        if found is None:
            return False
        self.session.delete(found)
        self.session.flush()
        return True

    def staff_of(self, point_id: int) -> tuple[int, ...]:
        return tuple(self.session.exec(select(PointStaff.staff_id).where(PointStaff.point_id == point_id)
                                       .order_by(col(PointStaff.staff_id))).all())

    def in_regions(self, region_ids: frozenset[int] | None, *, limit: int = 100,
                   offset: int = 0) -> tuple[int, list[PointRow]]:
        """The points placed in the regions (None: all), by name."""
        query = select(CollectionPoint)
        if region_ids is not None:
            query = query.where(col(CollectionPoint.region_id).in_(sorted(region_ids)))
        total = int(self.session.exec(select(func.count()).select_from(query.subquery())).one())
        points = self.session.exec(query.order_by(col(CollectionPoint.name), col(CollectionPoint.id))
                                   .limit(limit).offset(offset)).all()
        staff: dict[int, list[int]] = {p.id or 0: [] for p in points}
        if staff:
            for link in self.session.exec(select(PointStaff).where(col(PointStaff.point_id).in_(sorted(staff)))
                                          .order_by(col(PointStaff.staff_id))).all():
                staff[link.point_id].append(link.staff_id)
        return total, [PointRow(p, tuple(staff[p.id or 0])) for p in points]

    def points_of(self, staff_id: int) -> list[CollectionPoint]:
        """The points a staff member is assigned to."""
        return list(self.session.exec(select(CollectionPoint).join(
            PointStaff, col(PointStaff.point_id) == col(CollectionPoint.id))
            .where(PointStaff.staff_id == staff_id).order_by(col(CollectionPoint.name))).all())

    def open_session(self, point_id: int, staff_id: int, conversation_id: int, record_id: int | None) -> WindowSession:
        row = WindowSession(point_id=point_id, staff_id=staff_id, conversation_id=conversation_id,
                            record_id=record_id)
        self.session.add(row)
        self.session.flush()
        return row

    def last_session(self, conversation_id: int) -> WindowSession | None:
        """The latest window session of an interview's conversation."""
        return self.session.exec(select(WindowSession).where(WindowSession.conversation_id == conversation_id)
                                 .order_by(col(WindowSession.id).desc())).first()
