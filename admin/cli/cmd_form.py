"""`intake form`: questionnaire versions: list them, compare the file with the published one, publish it,
move a campaign's unsubmitted records to another version.

A changed questionnaire file is registered as a draft at start-up and changes nothing that runs;
``intake form publish veterans`` publishes the file (its ``version:`` label must be new, or name the same
content) and pins it to the running campaigns, or to the one given with ``--campaign``. Records begun
earlier finish under their own version unless ``intake form migrate`` moves them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from admin.cli.settings import settings_or_exit
from storage.errors import IntakeError

if TYPE_CHECKING:
    from admin.runtime import Runtime

app = typer.Typer(help="Questionnaire versions: list, diff, publish, migrate.", no_args_is_help=True)
STAFF = "staff:cli"


@contextmanager
def _runtime() -> Iterator[Runtime]:
    from admin.runtime import build_runtime

    runtime = build_runtime(settings_or_exit())
    try:
        yield runtime
    except IntakeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        runtime.close()


def _file_text(questionnaire: str) -> str:
    """The text of the questionnaire's file as loaded (built-in, or from INTAKE_QUESTIONNAIRE_DIR)."""
    from admin.runtime import load_questionnaires

    files = load_questionnaires(settings_or_exit())
    if questionnaire not in files:
        typer.echo(f"unknown questionnaire {questionnaire!r}", err=True)
        raise typer.Exit(2)
    return Path(files[questionnaire].source).read_text(encoding="utf-8")


@app.command("list")
def list_(questionnaire: Annotated[str, typer.Argument(help="the questionnaire's name, e.g. veterans")]) -> None:
    """The versions of a questionnaire: label, status, when published and by whom, the campaigns pinning it."""
    from admin.services.forms import list_versions

    with _runtime() as rt, rt.store_scope() as store:
        for v in list_versions(store.forms, questionnaire):
            when = f" published {v.published_at:%Y-%m-%d %H:%M} by {v.published_by}" if v.published_at else ""
            pinned = f"; campaigns {', '.join(v.campaigns)}" if v.campaigns else ""
            typer.echo(f"{v.id:4}  {v.label:10} {v.status:9} {v.content_hash}{when}{pinned}")


@app.command("diff")
def diff_(
    questionnaire: Annotated[str, typer.Argument(help="the questionnaire's name")],
    campaign: Annotated[str | None, typer.Option(help="compare with this campaign's version")] = None,
) -> None:
    """What the questionnaire's file changes against the published version (exit 1 when it differs)."""
    from admin.services.forms import diff

    text = _file_text(questionnaire)
    with _runtime() as rt, rt.store_scope() as store:
        changes = diff(store.forms, questionnaire, text, campaign)
    if changes:
        typer.echo(changes, nl=False)
        raise typer.Exit(1)
    typer.echo("the file is the published version")


@app.command("publish")
def publish_(
    questionnaire: Annotated[str, typer.Argument(help="the questionnaire's name")],
    campaign: Annotated[str | None, typer.Option(help="pin it to this campaign only (default: every running one)")] = None,
) -> None:
    """Publish the questionnaire's file as it is now, and pin it to the running campaigns."""
    from admin.services.forms import publish

    text = _file_text(questionnaire)
    with _runtime() as rt, rt.store_scope() as store:
        done = publish(store.forms, questionnaire, text, STAFF, campaign_key=campaign, catalog=rt.engine.forms)
        store.staff.audit("form.publish", username="cli", target_type="questionnaire", target_id=questionnaire,
                          detail=f"{done.label}; {', '.join(done.campaigns)}")
    state = "was already published" if done.already else "published"
    typer.echo(f"{questionnaire} {done.label} {state}; campaigns pinned: {', '.join(done.campaigns) or 'none'}")


@app.command("migrate")
def migrate_(
    campaign: Annotated[str, typer.Argument(help="the campaign's key, e.g. veterans-2026")],
    to: Annotated[str, typer.Option("--to", help="the published version label to move to")],
    region: Annotated[str | None, typer.Option(help="only records in this region (full path) and below")] = None,
) -> None:
    """Move the campaign's unsubmitted records to a version; answers it cannot keep are cleared and listed."""
    from admin.services.forms import migrate

    with _runtime() as rt, rt.store_scope() as store:
        ids = None
        if region:
            found = store.staff.region_by_path(region)
            if found is None:
                raise typer.BadParameter(f"unknown region {region!r}")
            ids = store.staff.subtree_ids(found)
        report = migrate(store, rt.engine.forms, campaign, to, STAFF, ids)
        store.staff.audit("form.migrate", username="cli", target_type="campaign", target_id=campaign,
                          detail=f"to {to}; {len(report.moved)} records")
    typer.echo(f"{campaign}: {len(report.moved)} records moved to {to}, {report.unchanged} already under it, "
               f"{len(report.dropped)} answers dropped")
    for d in report.dropped:
        typer.echo(f"  record {d.record_id}: {d.question}: {d.why}")
