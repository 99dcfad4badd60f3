"""`intake wechat ...` commands."""

import typer

app = typer.Typer(help="The WeChat official account channel.", no_args_is_help=True)
