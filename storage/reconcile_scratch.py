"""A reconciliation run's working set on disk, so that an import's memory does not grow with its file.

A department's list is read and matched in batches (:mod:`admin.imports.reconcile`); what has to outlive a
batch is kept here rather than in memory: the blind index and line of every ID number read (to
report a repeated one with the line it repeats), the line of each roster person found (for the
missing-data list), and the findings themselves, sealed, until the run is stored. It is an SQLite
file of the standard library in the import's temporary folder, deleted with it; SQLite keeps a
small page cache (2 MiB here) and leaves the rest on disk. The main database is written only at the
end, in one short transaction: a long import does not hold SQLite's write lock, so chat answers are
not kept waiting behind it.

Nothing in clear goes to the file: ID numbers are blind indexes (HMACs) and every personal value of
a finding is sealed with the vault before it is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: The columns of a finding, as ReconcileItem stores them (sealed values are bytes).
ITEM_COLUMNS = ("kind", "reason", "line", "question_key", "person_id", "record_id", "roster_entry_id", "region_id",
                "id_number_enc", "name_enc", "ours_enc", "theirs_enc", "theirs_raw_enc")
_CHUNK = 500  # variables per IN (...) query


class Scratch:
    """The working set of one run (see the module docstring); use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2048", "temp_store=FILE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE seen (idx TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self.db.execute("CREATE TABLE matched (person_id INTEGER PRIMARY KEY, line INTEGER NOT NULL)")
        self.db.execute(f"CREATE TABLE items (n INTEGER PRIMARY KEY, {', '.join(ITEM_COLUMNS)})")
        self.count = 0

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def first_seen(self, rows: Sequence[tuple[str, int]]) -> list[int | None]:
        """For each (blind index, line) in file order: the line it was first read on if read before, else None
        (and it is remembered)."""
        known = dict(self._lookup("SELECT idx, line FROM seen WHERE idx IN ({})", [idx for idx, _ in rows]))
        out: list[int | None] = []
        new: list[tuple[str, int]] = []
        for idx, line in rows:
            if idx in known:
                out.append(int(known[idx]))
                continue
            known[idx] = line
            new.append((idx, line))
            out.append(None)
        self.db.executemany("INSERT INTO seen (idx, line) VALUES (?, ?)", new)
        return out

    def matched(self, person_id: int, line: int) -> None:
        """A roster person found on ``line`` of the list (the first line wins)."""
        self.db.execute("INSERT OR IGNORE INTO matched (person_id, line) VALUES (?, ?)", (person_id, line))

    def lines_of(self, person_ids: Sequence[int]) -> dict[int, int]:
        """The line each of these roster persons was found on, for those found."""
        return {int(p): int(line) for p, line in self._lookup(
            "SELECT person_id, line FROM matched WHERE person_id IN ({})", list(person_ids))}

    def add_items(self, rows: Sequence[dict[str, Any]]) -> None:
        """Keep sealed findings (dicts of ITEM_COLUMNS) until the run is stored."""
        marks = ", ".join("?" for _ in ITEM_COLUMNS)
        self.db.executemany(f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({marks})",
                            [tuple(r.get(c) for c in ITEM_COLUMNS) for r in rows])
        self.count += len(rows)

    def items(self, batch: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """The findings in the order they were found, ``batch`` at a time."""
        after = 0
        while True:
            rows = self.db.execute(f"SELECT n, {', '.join(ITEM_COLUMNS)} FROM items WHERE n > ? ORDER BY n LIMIT ?",
                                   (after, batch)).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield [dict(zip(ITEM_COLUMNS, row[1:], strict=True)) for row in rows]

    def _lookup(self, query: str, keys: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        for i in range(0, len(keys), _CHUNK):
            part = keys[i:i + _CHUNK]
            yield from self.db.execute(query.format(", ".join("?" for _ in part)), part)
