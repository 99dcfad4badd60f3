"""`intake demo`: a living console at once (being built)."""

import typer

app = typer.Typer(help="Demo data.", no_args_is_help=True)
