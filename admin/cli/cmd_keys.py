"""`intake keys`: the keys personal data is sealed under; rotate them (re-seal in batches, resumable), see where values are.

To rotate: put the new secret in ``INTAKE_SECRET_KEY`` and the old one in ``INTAKE_OLD_SECRET_KEYS``,
restart the service (new values are sealed under the new key, old ones still open), run
``intake keys rotate`` (interrupted, run it again: it resumes), check with ``intake keys status``
that nothing is left under the old key id, then remove the old secret.

After upgrading from a version that kept some answers in clear, run ``intake keys seal-clear`` once.
"""

from __future__ import annotations

import secrets
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from admin.cli.settings import settings_or_exit

if TYPE_CHECKING:
    from storage.crypto import Vault

app = typer.Typer(help="The keys personal data is sealed under: status, rotation.", no_args_is_help=True)


@app.command("status")
def status() -> None:
    """How many sealed values of each column are under which key id."""
    from storage.db import create_schema, make_engine
    from storage.rotation import CLEAR, LEGACY, UNREADABLE, key_status

    settings = settings_or_exit()
    vault = _vault(settings.secret_key, settings.old_secrets)
    engine = make_engine(settings.database_url)
    try:
        create_schema(engine)
        columns = key_status(engine, vault)
    finally:
        engine.dispose()
    names = {vault.current_key_id: "current"} | {k: "old" for k in vault.key_ids[1:]}
    names |= {LEGACY: "first format", CLEAR: "not sealed", UNREADABLE: "no key of the keyring"}
    typer.echo(f"current key id {vault.current_key_id}" +
               (f"; old key ids {', '.join(vault.key_ids[1:])}" if len(vault.key_ids) > 1 else ""))
    totals: dict[str, int] = {}
    for col in columns:
        for key_id, n in col.counts.items():
            totals[key_id] = totals.get(key_id, 0) + n
        shown = ", ".join(f"{k} ({names.get(k, 'unknown key')}) {n}" for k, n in sorted(col.counts.items()))
        typer.echo(f"  {col.column.name:32} {shown or 'empty'}")
    stale = sum(n for k, n in totals.items() if k != vault.current_key_id)
    typer.echo(f"{totals.get(vault.current_key_id, 0)} values under the current key, {stale} to re-seal"
               + ("" if stale else "; old keys may be removed"))
    lost = sum(n for k, n in totals.items() if k not in (*vault.key_ids, LEGACY, CLEAR))
    if lost:
        typer.echo(f"{lost} values open under no key of the keyring "
                   "(add their secret to INTAKE_OLD_SECRET_KEYS)", err=True)
        raise typer.Exit(1)


@app.command("rotate")
def rotate(
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per batch (one commit each).")] = 500,
) -> None:
    """Re-seal every value not under the current key and recompute blind indexes; run again to resume."""
    from tqdm import tqdm

    from storage.db import create_schema, make_engine
    from storage.rotation import Batch
    from storage.rotation import rotate as run

    settings = settings_or_exit()
    vault = _vault(settings.secret_key, settings.old_secrets)
    engine = make_engine(settings.database_url)
    try:
        create_schema(engine)
        with tqdm(desc="re-sealing", unit=" rows", file=sys.stderr) as bar:

            def progress(done: Batch) -> None:
                bar.set_postfix_str(f"{done.table}, {done.resealed} re-sealed in batch {done.number}")
                bar.update(done.rows)

            report = run(engine, vault, batch_size=batch, on_batch=progress)
    finally:
        engine.dispose()
    typer.echo(f"{report.rows} rows in {report.batches} batches; "
               f"{sum(report.resealed.values())} values re-sealed under key id {vault.current_key_id}")
    for name, n in sorted(report.resealed.items()):
        typer.echo(f"  {name:32} {n}")
    if report.unreadable:
        for name, n in sorted(report.unreadable.items()):
            typer.echo(f"  {name:32} {n} open under no key of the keyring: left as they are", err=True)
        raise typer.Exit(1)


@app.command("seal-clear")
def seal_clear(
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per batch (one commit each).")] = 500,
) -> None:
    """Seal answers an earlier version kept in clear whose question is sealed now; then compact the database."""
    from admin.runtime import load_questionnaires
    from storage.db import create_schema, make_engine
    from storage.seal_clear import seal_clear_answers

    settings = settings_or_exit()
    vault = _vault(settings.secret_key, settings.old_secrets)
    questionnaires = load_questionnaires(settings)

    def sensitive(questionnaire: str, key: str) -> bool:
        q = questionnaires.get(questionnaire)
        question = q.by_key.get(key) if q is not None else None
        return question is None or question.sensitive  # a question no file knows any more: sealed

    engine = make_engine(settings.database_url)
    try:
        create_schema(engine)
        report = seal_clear_answers(engine, vault, sensitive, batch_size=batch)
    finally:
        engine.dispose()
    typer.echo(f"{report.looked_at} answers in clear, {report.sealed} of them sealed now"
               + ("; the database was compacted" if report.compacted else ""))


@app.command("generate")
def generate() -> None:
    """Print a new random secret key for INTAKE_SECRET_KEY."""
    typer.echo(secrets.token_urlsafe(48))


def _vault(secret: str, old: list[str]) -> Vault:
    from storage.crypto import Vault as Keyring

    try:
        return Keyring(secret, old)
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
