"""The ``intake`` command: serve, chat in the terminal, import rosters and regions, check questionnaires."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from admin.cli import cmd_db as db_cmd
from admin.cli import cmd_demo as demo_cmd
from admin.cli import cmd_form as form_cmd
from admin.cli import cmd_keys as keys_cmd
from admin.cli import cmd_telegram as telegram_cmd
from admin.cli import cmd_voice as voice_cmd
from admin.cli import cmd_wechat as wechat_cmd
from admin.cli.settings import settings_or_exit

app = typer.Typer(help="intake: conversational information collection.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
roster_app = typer.Typer(help="The people a campaign must reach.", no_args_is_help=True)
regions_app = typer.Typer(help="The administrative region tree.", no_args_is_help=True)
questionnaire_app = typer.Typer(help="Questionnaire definition files.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
app.add_typer(regions_app, name="regions")
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(staff_app, name="staff")
app.add_typer(wechat_cmd.app, name="wechat")
app.add_typer(telegram_cmd.app, name="telegram")
app.add_typer(voice_cmd.app, name="voice")
app.add_typer(demo_cmd.app, name="demo")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(db_cmd.app, name="db")
app.add_typer(form_cmd.app, name="form")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web service (web chat, channels, admin API)."""
    import uvicorn

    from admin.app import channel_status, create_app
    from admin.runtime import build_runtime

    settings = settings_or_exit()
    runtime = build_runtime(settings)
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    typer.echo(f"intake is running. Web chat: http://{shown}:{port}/", err=True)
    typer.echo(f"database: {settings.database_url.split('@')[-1]}", err=True)
    for channel, on in channel_status(settings).items():
        if not on:
            typer.echo(f"channel {channel}: off (no credentials configured)", err=True)
    if runtime.transcriber is None:
        typer.echo("speech recognition: off (set INTAKE_VOSK_MODEL; see `intake voice fetch-model`)", err=True)
    typer.echo(f"staff console: http://{shown}:{port}/admin", err=True)
    uvicorn.run(create_app(runtime=runtime), host=host, port=port, log_level="info")


@app.command()
def chat(
    questionnaire: Annotated[str, typer.Argument(help="veterans, disabled_update or village_services")],
    user: Annotated[str | None, typer.Option(help="Who you are in this channel; the same user resumes.")] = None,
) -> None:
    """Fill a questionnaire in the terminal."""
    from admin.runtime import build_runtime
    from bot.channels.terminal import run_terminal

    runtime = build_runtime(settings_or_exit())
    if questionnaire not in runtime.questionnaires:
        typer.echo(f"unknown questionnaire {questionnaire!r}; known: {', '.join(sorted(runtime.questionnaires))}",
                   err=True)
        raise typer.Exit(2)
    try:
        code = run_terminal(runtime.chat, questionnaire, user or f"local-{getpass.getuser()}", sys.stdin, sys.stdout)
    finally:
        runtime.close()
    raise typer.Exit(code)


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8 or GBK) or XLSX file")],
    questionnaire: Annotated[str, typer.Option("--questionnaire", "-q")] = "veterans",
    year: Annotated[int | None, typer.Option(help="Campaign year (default INTAKE_CAMPAIGN_YEAR)")] = None,
) -> None:
    """Load the people a campaign must reach; every rejected row is listed with all its errors.

    Exits 1 when a row was rejected (the other rows are stored), 2 when the file cannot be read
    to its end (nothing is stored).
    """
    from tqdm import tqdm

    from admin.imports.roster import RosterFileError, import_roster
    from admin.imports.tables import TableError
    from admin.runtime import build_runtime
    from bot.dialogue import campaign_of

    settings = settings_or_exit()
    runtime = build_runtime(settings)
    q = runtime.questionnaires.get(questionnaire)
    if q is None:
        typer.echo(f"unknown questionnaire {questionnaire!r}", err=True)
        raise typer.Exit(2)
    try:
        with runtime.store_scope() as store, tqdm(desc="roster", unit=" rows", file=sys.stderr) as bar:
            campaign_year = year or settings.campaign_year
            campaign = campaign_of(store, q, campaign_year)
            report = import_roster(store, campaign, q, file, runtime.understanding.regions, date.today(), bar.update)
    except (RosterFileError, TableError) as exc:
        typer.echo(f"error: {exc}; nothing was imported", err=True)
        raise typer.Exit(2) from None
    finally:
        runtime.close()
    blank = f" ({report.blank} blank {'row' if report.blank == 1 else 'rows'} skipped)" if report.blank else ""
    typer.echo(f"{file.name}: {report.total} rows, {report.added} added, {report.updated} updated, "
               f"{len(report.rejected)} rejected{blank}")
    for rejected in report.rejected:
        for error in rejected.errors:
            typer.echo(f"  {error.where}: {error.message}")
    if report.rejected:
        raise typer.Exit(1)


@regions_app.command("import")
def regions_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TSV: level, code, name, short_name, parent_path")],
) -> None:
    """Load the administrative region tree (rows below county may have no code)."""
    from admin.imports.regions import RegionFileError, read_region_file
    from admin.runtime import build_runtime
    from storage.repo import StorageError

    runtime = build_runtime(settings_or_exit())
    try:
        with runtime.store_scope() as store:
            added, skipped = store.regions.add(read_region_file(file))
    except (RegionFileError, StorageError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        runtime.close()
    typer.echo(f"{file.name}: {added} regions added, {skipped} already present or repeated")


@questionnaire_app.command("check")
def questionnaire_check(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Validate questionnaire files; prints the problem with the file and question key."""
    from bot.questionnaire import QuestionnaireError, load_questionnaire

    failed = False
    for f in files:
        try:
            q = load_questionnaire(f)
        except QuestionnaireError as exc:
            typer.echo(f"invalid: {exc}", err=True)
            failed = True
            continue
        typer.echo(f"ok: {f.name}: {q.name} {q.version}, {len(q.order)} questions")
    if failed:
        raise typer.Exit(1)


@app.command()
def parse(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="number, digits, normalize, date, id_number, phone, "
                                        "yes_no, ethnicity or choice")],
    now: Annotated[str | None, typer.Option(help="ISO date-time that relative dates count from")] = None,
    questionnaire: Annotated[str | None, typer.Option(help="for choice: the questionnaire")] = None,
    question: Annotated[str | None, typer.Option(help="for choice: the question key")] = None,
    ahead: Annotated[bool, typer.Option(help="for date: a month-day or month without its year may lie ahead "
                                        "(read in the current year); by default it is read in the past")] = False,
) -> None:
    """Read one answer per line on standard input; write one JSON object per line."""
    from datetime import UTC, datetime

    from admin.cli.batch_parse import ParseCommandError, make_parser, run
    from admin.runtime import load_questionnaires
    from bot.understanding import Understanding

    try:
        moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    except ValueError:
        typer.echo(f"error: --now {now!r} is not an ISO date-time such as 2026-07-01T09:00:00", err=True)
        raise typer.Exit(2) from None
    q = understanding = None
    if kind == "choice":
        found = load_questionnaires(settings_or_exit())
        if questionnaire not in found or question is None or question not in found[questionnaire].by_key:
            typer.echo("error: choice needs --questionnaire NAME --question KEY of an existing question", err=True)
            raise typer.Exit(2)
        q = found[questionnaire].by_key[question]
        understanding = Understanding(found.values())
    try:
        parser = make_parser(kind, moment, q, understanding, ahead=ahead)
    except ParseCommandError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for line in run(sys.stdin, parser):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


@staff_app.command("add")
def staff_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="collector, reviewer, hotline, region_admin, system_admin, auditor")],
    region: Annotated[str, typer.Option(help="full region path (甘肃省/兰州市/城关区) or county-level code")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[str | None, typer.Option(help="omit to be asked (not echoed)")] = None,
) -> None:
    """Create a staff account; the password is asked for when not given."""
    from admin.runtime import build_runtime
    from admin.web.security import StaffInputError, create_staff
    from storage.staff_repo import StaffStore

    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    runtime = build_runtime(settings_or_exit())
    try:
        with runtime.store_scope() as store:
            staff = create_staff(StaffStore(store.session), username, name, secret, role, region)
            typer.echo(f"created {staff.username} ({staff.role}) in region {staff.region_id}")
    except StaffInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        runtime.close()


def main() -> None:
    """Entry point of the console script."""
    app()
