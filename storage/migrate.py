"""Bringing a database to the current schema with Alembic, safely when several processes start at once.

The revisions live in ``storage/migrations/versions`` (shipped with the package); the Alembic
configuration is built here, so no ``alembic.ini`` is needed. :func:`upgrade` does what
``create_schema`` promises:

* an empty database gets every table at once (``create_all`` and the triggers) and is stamped at the
  head revision: Alembic's recipe for a new database, quicker than running every revision;
* a database made by an intake from before the migrations (tables, no ``alembic_version``) is
  stamped at the :data:`BASELINE` revision, the schema it has (its triggers are made sure of), and
  upgraded;
* a versioned database is upgraded.

The whole check-and-change runs in one transaction under a lock: a PostgreSQL advisory lock, or
SQLite's ``BEGIN IMMEDIATE`` (the write lock, taken before anything is read), so that two workers
starting together do not both create the tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"  # the schema of the intake versions before migrations
VERSION_TABLE = "alembic_version"
_PG_LOCK = 0x696E74616B65  # pg_advisory_xact_lock key: "intake"

_AUDIT_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_update BEFORE UPDATE ON auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_delete BEFORE DELETE ON auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
_AUDIT_POSTGRES = (
    "CREATE OR REPLACE FUNCTION intake_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS auditentry_append_only ON auditentry",
    "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
    "FOR EACH ROW EXECUTE FUNCTION intake_append_only()",
    # a row trigger does not see TRUNCATE; a statement-level trigger does (also TRUNCATE ... CASCADE)
    "DROP TRIGGER IF EXISTS auditentry_no_truncate ON auditentry",
    "CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only()",
)


def trigger_statements(dialect: str) -> tuple[str, ...]:
    """The triggers of the current schema (the revisions carry their own copies, as they were)."""
    from storage.transcript import TRIM_POSTGRES, TRIM_SQLITE

    if dialect == "sqlite":
        return (*_AUDIT_SQLITE, *TRIM_SQLITE)
    return (*_AUDIT_POSTGRES, *TRIM_POSTGRES)


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration for intake, without an ini file; commands run on ``connection`` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision."""
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    """The revision a database is at (None: not versioned)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock; committed on success."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with conn.begin():
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
                yield conn
            return
        # pysqlite begins transactions itself, deferred and only before DML: take over, and take the
        # write lock before reading anything (another process waits on busy_timeout)
        driver = conn.connection.driver_connection
        before = driver.isolation_level  # type: ignore[union-attr]
        driver.isolation_level = None  # type: ignore[union-attr]
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
            conn.commit()  # SQLAlchemy's own bookkeeping (the driver has nothing left to commit)
        finally:
            driver.isolation_level = before  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring a database to ``revision``: create a new one, adopt an unversioned one, upgrade a versioned one."""
    with _locked(engine) as conn:
        tables = set(inspect(conn).get_table_names())
        cfg = config(conn)
        if VERSION_TABLE in tables:
            command.upgrade(cfg, revision)
        elif tables & set(SQLModel.metadata.tables):
            # the baseline's triggers too (idempotent), should an older intake have made the tables only
            for statement in _AUDIT_SQLITE if conn.dialect.name == "sqlite" else _AUDIT_POSTGRES:
                conn.exec_driver_sql(statement)
            command.stamp(cfg, BASELINE)
            command.upgrade(cfg, revision)
        elif revision == "head":
            SQLModel.metadata.create_all(conn)
            for statement in trigger_statements(conn.dialect.name):
                conn.exec_driver_sql(statement)
            command.stamp(cfg, "head")
        else:
            command.upgrade(cfg, revision)  # an empty database built revision by revision


def downgrade(engine: Engine, revision: str) -> None:
    """Take a database back to ``revision`` (developers and tests)."""
    with _locked(engine) as conn:
        command.downgrade(config(conn), revision)
