"""`intake db`: the database schema: bring it to the current revision, show the revision, write a new one.

``intake serve`` and every other command upgrade the database on start already; ``intake db upgrade``
does it on its own (before starting several workers, or to see that it goes through). Developers add a
revision after changing the tables with ``intake db revision -m "what changed"``: Alembic compares the
tables of :mod:`storage` with the database (at the head revision) and writes the operations to
``storage/migrations/versions``; read them and correct them before committing.
"""

from __future__ import annotations

from typing import Annotated

import typer

from admin.cli.settings import settings_or_exit

app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Bring the database to the newest revision (a new database is created, an older one migrated)."""
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings_or_exit().database_url)
    try:
        before = migrate.current(engine)
        migrate.upgrade(engine)
        after = migrate.current(engine)
    finally:
        engine.dispose()
    typer.echo(f"database at revision {after}" + ("" if before == after else f" (was {before or 'unversioned'})"))


@app.command("current")
def current() -> None:
    """The revision the database is at, and the newest one."""
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings_or_exit().database_url)
    try:
        at = migrate.current(engine)
    finally:
        engine.dispose()
    newest = migrate.head()
    typer.echo(f"database at revision {at or 'none (not versioned)'}; newest {newest}"
               + ("" if at == newest else "; run `intake db upgrade`"))
    if at != newest:
        raise typer.Exit(1)


@app.command("revision")
def revision(
    message: Annotated[str, typer.Option("--message", "-m", help="what the revision changes")],
    empty: Annotated[bool, typer.Option(help="an empty revision to fill by hand (data changes)")] = False,
) -> None:
    """Write a new revision from the difference between the tables and the database (upgraded first)."""
    from alembic import command

    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings_or_exit().database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            script = command.revision(migrate.config(conn), message=message, autogenerate=not empty)
    finally:
        engine.dispose()
    path = getattr(script, "path", None)
    typer.echo(f"wrote {path}; read it and correct it before committing")
