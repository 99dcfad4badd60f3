"""Key rotation: re-seal every sealed column under the current key, in batches, resumably; and key status.

The sealed columns are found from the table metadata, not listed by hand: every column whose name
ends in ``_enc`` (sealed bytes), every text column marked ``info={"sealed": "text"}`` (the
conversation state), and every blind index marked ``info={"blind_index": <sealed column>}``
(``Person.id_index``, recomputed from the ID number under the new index key).

:func:`rotate` walks each table in primary-key order, a batch per transaction. It first reads the
first bytes of each value only (the header that names the key), and fetches and re-seals only
what is not under the current key yet, so a run that was interrupted resumes where it stopped:
rows done are skipped. A value no key of the keyring opens is counted as unreadable and left.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, MetaData, Table, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from storage.crypto import LEGACY, TEXT_PREFIX, CryptoError, Vault, is_sealed_text

CLEAR = "clear"  # a text column holding a value of the first format, not sealed
UNREADABLE = "unreadable"  # not a sealed value, or sealed under a key id the keyring lacks
_FETCH = 50  # rows whose full values are read at once (photos and recordings can be large)
_TEXT_HEAD = len(TEXT_PREFIX) + 8  # the prefix and the base64 of the first 6 bytes (version and key id)


class Kind(StrEnum):
    """How a column holds its secret."""

    BYTES = "bytes"  # AES-GCM sealed bytes
    TEXT = "text"  # sealed bytes in text form
    INDEX = "index"  # a blind index of another (sealed) column


@dataclass(frozen=True)
class SealedColumn:
    """A column that a rotation re-seals."""

    table: str
    column: str
    kind: Kind
    source: str | None = None  # of an index: the sealed column it is computed from
    purpose: str = "id"  # of an index: the blind-index purpose

    @property
    def name(self) -> str:
        """``table.column``."""
        return f"{self.table}.{self.column}"


def sealed_columns(metadata: MetaData = SQLModel.metadata) -> list[SealedColumn]:
    """Every sealed column and blind index of the tables, found by name and marks."""
    found: list[SealedColumn] = []
    for table in metadata.sorted_tables:
        for c in table.columns:
            if c.name.endswith("_enc"):
                found.append(SealedColumn(table.name, c.name, Kind.BYTES))
            elif c.info.get("sealed") == "text":
                found.append(SealedColumn(table.name, c.name, Kind.TEXT))
            elif "blind_index" in c.info:
                found.append(SealedColumn(table.name, c.name, Kind.INDEX, str(c.info["blind_index"]),
                                          str(c.info.get("purpose", "id"))))
    return found


@dataclass(frozen=True)
class Batch:
    """One committed batch of a rotation, for progress reports."""

    table: str
    rows: int  # rows looked at
    resealed: int  # values re-sealed or recomputed in them
    number: int  # batches committed so far in this run


@dataclass
class RotationReport:
    """What a rotation did, per column."""

    resealed: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    batches: int = 0


@dataclass(frozen=True)
class ColumnStatus:
    """How many values of a column are under which key id (or clear, legacy, unreadable)."""

    column: SealedColumn
    counts: dict[str, int]


def label(vault: Vault, col: SealedColumn, head: Any) -> str:
    """The key id of a value from its first bytes: a key id, :data:`LEGACY`, :data:`CLEAR` or :data:`UNREADABLE`."""
    try:
        if col.kind == Kind.INDEX:
            return Vault.index_key_id(str(head))
        if col.kind == Kind.TEXT:
            text = str(head)
            if not is_sealed_text(text):
                return CLEAR
            return vault.key_id_of(base64.b64decode(text[len(TEXT_PREFIX):_TEXT_HEAD]))
        return vault.key_id_of(bytes(head))
    except (CryptoError, binascii.Error, ValueError):
        return UNREADABLE


def _head(table: Table, col: SealedColumn) -> Any:
    """The SQL expression of what :func:`label` needs: the first bytes, or the whole (short) index."""
    column: Column[Any] = table.c[col.column]
    if col.kind == Kind.INDEX:
        return column
    return func.substr(column, 1, 5 if col.kind == Kind.BYTES else _TEXT_HEAD)


def _tables(columns: list[SealedColumn], metadata: MetaData) -> Iterator[tuple[Table, list[SealedColumn]]]:
    by_table: dict[str, list[SealedColumn]] = {}
    for col in columns:
        by_table.setdefault(col.table, []).append(col)
    # tables with a blind index first: look-ups by ID number find everyone under the new key soonest
    for name in sorted(by_table, key=lambda n: not any(c.kind == Kind.INDEX for c in by_table[n])):
        yield metadata.tables[name], by_table[name]


def _heads(conn: Connection, table: Table, cols: list[SealedColumn], limit: int, after: Any) -> list[Any]:
    """The next rows after ``after`` in id order: (id, head per column)."""
    pk = _pk(table)
    query = select(pk, *(_head(table, c).label(c.column) for c in cols)).order_by(pk).limit(limit)
    if after is not None:
        query = query.where(pk > after)
    return list(conn.execute(query).all())


def _pk(table: Table) -> Any:
    return table.primary_key.columns.values()[0]


def key_status(engine: Engine, vault: Vault, *, batch_size: int = 2000,
               metadata: MetaData = SQLModel.metadata) -> list[ColumnStatus]:
    """How many non-empty values of each sealed column are under which key id."""
    out: list[ColumnStatus] = []
    for table, cols in _tables(sealed_columns(metadata), metadata):
        counts: dict[str, Counter[str]] = {c.column: Counter() for c in cols}
        last: Any = None
        while True:
            with engine.connect() as conn:
                rows = _heads(conn, table, cols, batch_size, last)
            if not rows:
                break
            for row in rows:
                for i, col in enumerate(cols, start=1):
                    if row[i] is not None:
                        counts[col.column][label(vault, col, row[i])] += 1
            last = rows[-1][0]
        out.extend(ColumnStatus(c, dict(counts[c.column])) for c in cols)
    return out


def rotate(engine: Engine, vault: Vault, *, batch_size: int = 500, on_batch: Callable[[Batch], None] | None = None,
           metadata: MetaData = SQLModel.metadata) -> RotationReport:
    """Re-seal every value not under the current key, a committed batch at a time; safe to run again.

    A value changed by the running service between the read and the write is left to it (the
    service seals under the current key too, once restarted with the new keyring).
    """
    report = RotationReport()
    current = vault.current_key_id
    for table, cols in _tables(sealed_columns(metadata), metadata):
        last: Any = None
        while True:
            with engine.begin() as conn:  # one transaction per batch: committed when the block ends
                rows = _heads(conn, table, cols, batch_size, last)
                if not rows:
                    break
                todo: dict[Any, list[SealedColumn]] = {}
                for row in rows:
                    stale = [c for i, c in enumerate(cols, start=1)
                             if row[i] is not None and label(vault, c, row[i]) != current]
                    if stale:
                        todo[row[0]] = stale
                done = _reseal(conn, vault, table, todo, report)
                last = rows[-1][0]
            report.rows += len(rows)
            report.batches += 1
            if on_batch is not None:
                on_batch(Batch(table.name, len(rows), done, report.batches))
    return report


def _reseal(conn: Connection, vault: Vault, table: Table, todo: dict[Any, list[SealedColumn]],
            report: RotationReport) -> int:
    """Fetch the stale values of a batch and write them re-sealed; returns how many were written."""
    pk = _pk(table)
    ids = list(todo)
    written = 0
    for start in range(0, len(ids), _FETCH):
        chunk = ids[start:start + _FETCH]
        wanted = sorted({c.column for i in chunk for c in todo[i]} | {c.source for i in chunk for c in todo[i]
                                                                       if c.source})
        full = {r[0]: r._mapping for r in conn.execute(select(pk, *(table.c[w] for w in wanted))
                                                       .where(pk.in_(chunk)))}
        for row_id in chunk:
            row = full.get(row_id)
            if row is None:
                continue  # deleted meanwhile
            values: dict[str, Any] = {}
            for col in todo[row_id]:
                try:
                    values[col.column] = _fresh(vault, col, row)
                except CryptoError:
                    report.unreadable[col.name] += 1
            if not values:
                continue
            unchanged = [table.c[name] == row[name] for name in values]
            result = conn.execute(update(table).where(pk == row_id, *unchanged).values(**values))
            if result.rowcount == 1:
                for name in values:
                    report.resealed[f"{table.name}.{name}"] += 1
                written += len(values)
    return written


def _fresh(vault: Vault, col: SealedColumn, row: Any) -> Any:
    """A value sealed (or an index computed) under the current key."""
    value = row[col.column]
    if col.kind == Kind.INDEX:
        sealed = row[col.source]
        if sealed is None:
            raise CryptoError("an index without its sealed value")
        return vault.blind_index(vault.open(bytes(sealed)), col.purpose)
    if col.kind == Kind.TEXT:
        text = str(value)
        return vault.seal_text(vault.open_text(text) if is_sealed_text(text) else text)
    return vault.seal(vault.open_bytes(bytes(value)))


__all__ = ["CLEAR", "LEGACY", "UNREADABLE", "Batch", "ColumnStatus", "Kind", "RotationReport", "SealedColumn",
           "key_status", "label", "rotate", "sealed_columns"]
