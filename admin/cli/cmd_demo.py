"""`intake demo`: seed an empty database with demo data, so that a newcomer sees a living console at once.

Running it again is a no-op that prints the demo accounts again; a database holding data of its own
is refused, and so is ``INTAKE_ENV=production``. To start over, use a new database (delete the file).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from admin.cli.settings import settings_or_exit
from admin.settings import Settings

if TYPE_CHECKING:
    from admin.demo import DemoSummary

app = typer.Typer(help="Seed an empty database with demo data: Gansu regions, a roster, answered records, staff.")


@app.callback(invoke_without_command=True)
def demo(
    regions: Annotated[Path | None, typer.Option(
        "--regions", dir_okay=False,
        help="Region TSV (default: ../shared/data/regions/gansu.tsv from here or from the repository)")] = None,
    people: Annotated[int, typer.Option(
        min=1, max=20000, help="How many people to generate (each answers through the chat engine: about "
                               "0.3 s a person on SQLite).")] = 100,  # admin.demo.DEFAULT_PEOPLE (not imported: the command line starts light)
    seed: Annotated[int, typer.Option(help="Seed of the generator: the same seed gives the same people.")] = 2026,
) -> None:
    """Load the Gansu regions, a generated roster, answered records, flags, appeals and demo staff accounts."""
    from tqdm import tqdm

    from admin.demo import DemoError, loaded_summary, resolve_regions_file, seed_demo
    from admin.runtime import build_runtime

    settings = settings_or_exit()
    if settings.env == "production":
        typer.echo("error: refusing to seed demo data with INTAKE_ENV=production "
                   "(the demo accounts share one published password)", err=True)
        raise typer.Exit(2)
    runtime = build_runtime(settings)
    try:
        summary = loaded_summary(runtime)
        if summary is None:
            regions_file = resolve_regions_file(regions, Path.cwd())
            typer.echo(f"regions: {regions_file}", err=True)
            with tqdm(total=people, desc="demo", unit=" people", file=sys.stderr) as bar:
                summary = seed_demo(runtime, regions_file, people=people, seed=seed, progress=bar.update)
    except DemoError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        runtime.close()
    _report(summary, settings)


def _report(s: DemoSummary, settings: Settings) -> None:
    """Print what the demo holds, the demo accounts and where the console is."""
    from admin.demo import DEMO_PASSWORD
    echo = typer.echo
    if s.already_loaded:
        echo("The demo data is already loaded; nothing was changed. (To start over, use a new database.)")
    else:
        echo(f"Demo data loaded in {s.seconds:.1f} s.")

    def listed(counts: dict[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"

    echo(f"  regions    {s.regions}" + (f" ({s.regions_added} added)" if not s.already_loaded else ""))
    echo(f"  people     {s.people}; rosters: {listed(s.roster)}")
    echo(f"  records    {sum(s.records.values())} ({listed(s.records)}); "
         f"submitted {s.submitted}, in progress {s.in_progress}")
    echo(f"  stages     {listed(s.stages)}")
    echo(f"  channels   {listed(s.channels)}")
    echo(f"  flags      {listed(s.flags)} ({s.open_flags} open)")
    echo(f"  appeals    {listed(s.appeals)}")
    echo("")
    echo(f"Staff accounts — DEMO ONLY. Password of every account: {DEMO_PASSWORD}")
    echo("Never load the demo into a database with real people.")
    width = max((len(r.username) for r in s.staff), default=8) + 2
    echo(f"  {'username'.ljust(width)}{'role'.ljust(14)}region")
    for row in s.staff:
        echo(f"  {row.username.ljust(width)}{row.role.ljust(14)}{row.region}")
    base = (settings.public_url or "http://127.0.0.1:8000").rstrip("/")
    echo("")
    echo(f"Console: {base}/admin   (start the service with: intake serve)")
