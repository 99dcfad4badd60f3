"""INSERT … ON CONFLICT DO NOTHING on both backends: creating a row that a concurrent request may create too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_ignore(session: Session, table: Table, conflict: list[str], values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same ``conflict`` columns exists; True when this call inserted it.

    Unlike an ORM ``add`` + flush, a lost race is not an IntegrityError that spoils the transaction
    (PostgreSQL aborts the whole transaction on one), so the caller can simply read the winner's row.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING says whether a row was inserted (psycopg's rowcount of an INSERT does not)
    key = next(iter(table.primary_key.columns))
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict).returning(key)
    return session.execute(statement).first() is not None
