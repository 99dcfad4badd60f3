"""`intake voice ...` commands."""

import typer

app = typer.Typer(help="Speech recognition (Vosk).", no_args_is_help=True)
