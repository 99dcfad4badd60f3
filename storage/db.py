"""Database engine creation: SQLite (WAL) by default, PostgreSQL by URL.

A SQLite database holds sealed personal data and its blind indexes: its file (and with it the
``-wal`` and ``-shm`` files, which SQLite creates with the main file's permissions) is created
readable by the owner only (0600), a group- or world-readable one is tightened, and a folder
intake creates for it is 0700. The audit log refuses updates and deletes on both backends, and
TRUNCATE on PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from storage import (  # noqa: F401  (registers the tables)
    changes,
    forms,
    identity,
    models,
    points,
    reconcile,
    replay,
    signatures,
    staff,
    transcript,
    visits,
)

log = logging.getLogger(__name__)
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine for a database URL; SQLite files get WAL and foreign keys."""
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
        if path and path != ":memory:":
            prepare_sqlite_file(Path(path))
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def prepare_sqlite_file(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) before SQLite does; tighten an open file."""
    folder = path.parent
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(created, FOLDER_MODE)  # mkdir's mode is reduced by the umask
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            mode = stat.S_IMODE(name.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            try:
                os.chmod(name, mode & 0o700)
                log.warning("database file %s was readable by others (%o); now %o", name.name, mode, mode & 0o700)
            except OSError as exc:
                log.warning("database file %s is readable by others and cannot be changed: %s", name.name, exc)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    _wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _wal(cur: Any, wait: float = 30.0) -> None:
    """Put the file in WAL mode (it stays so). Changing the journal mode does not wait on the busy
    handler: while another connection holds a lock on a new file (a second worker creating the schema)
    it fails at once, so it is retried until that connection has let go or has set WAL itself."""
    deadline = time.monotonic() + wait
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def create_schema(engine: Engine) -> None:
    """Bring the database to the current schema (see :func:`storage.migrate.upgrade`): a new one is
    created at once, an older one is migrated; the audit log refuses updates, deletes and TRUNCATE."""
    from storage import migrate

    migrate.upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
