"""`intake telegram ...` commands."""

import typer

app = typer.Typer(help="The Telegram bot channel.", no_args_is_help=True)
