"""The region tree (province down to village), addressed by full path."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import col, select

from storage.models import Region
from storage.repos.base import Repository, StorageError

RegionRow = tuple[str, str | None, str, str | None, str]  # level, code, name, short_name, parent_path


class RegionRepo(Repository):
    """Regions."""

    def by_path(self, path: str) -> Region | None:
        """A region by its full path."""
        return self.session.exec(select(Region).where(Region.path == path)).first()

    def children(self, region_id: int) -> list[Region]:
        """The regions directly under a region."""
        return list(self.session.exec(select(Region).where(Region.parent_id == region_id)
                                      .order_by(col(Region.id))).all())

    def rows(self) -> list[RegionRow]:
        """All regions as (level, code, name, short_name, parent_path) rows, for the nlu index."""
        rows = self.session.exec(select(Region).order_by(col(Region.id))).all()
        out = []
        for r in rows:
            parent = r.path.rsplit("/", 1)[0] if "/" in r.path else ""
            out.append((r.level, r.code, r.name, r.short_name, parent))
        return out

    def count(self) -> int:
        """How many regions are loaded."""
        return int(self.session.exec(select(func.count()).select_from(Region)).one())

    def add(self, rows: Iterable[RegionRow]) -> tuple[int, int]:
        """Insert regions given as (level, code, name, short_name, parent_path); returns (added, skipped).

        Rows are inserted depth by depth, so a file need not list parents first; a row whose
        path is already loaded (or repeated in the file) is skipped; a missing parent is an error.
        """
        existing: dict[str, int | None] = {r.path: r.id for r in self.session.exec(select(Region)).all()}
        by_depth: dict[int, list[RegionRow]] = {}
        for row in rows:
            depth = row[4].count("/") + 1 if row[4] else 0
            by_depth.setdefault(depth, []).append(row)
        added = skipped = 0
        for depth in sorted(by_depth):
            batch: list[Region] = []
            for level, code, name, short_name, parent_path in by_depth[depth]:
                path = f"{parent_path}/{name}" if parent_path else name
                if path in existing:
                    skipped += 1
                    continue
                parent_id = existing.get(parent_path) if parent_path else None
                if parent_path and parent_id is None:
                    raise StorageError(f"the parent {parent_path!r} of {name!r} is not in the file or the database")
                region = Region(code=code or None, name=name, short_name=short_name or None, level=level,
                                parent_id=parent_id, path=path)
                existing[path] = None
                batch.append(region)
            self.session.add_all(batch)
            self.session.flush()
            for region in batch:
                existing[region.path] = region.id
            added += len(batch)
        return added, skipped
