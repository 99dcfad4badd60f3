"""The settings of a command-line run: read once, or a clear message and exit status 2."""

from __future__ import annotations

import typer

from admin.settings import Settings, SettingsError, settings_error_message


def settings_or_exit() -> Settings:
    """The settings from the environment and .env; exits with 2 and the reason when they cannot be used."""
    try:
        return Settings()
    except (SettingsError, ValueError) as exc:
        typer.echo(f"configuration error: {settings_error_message(exc)}", err=True)
        raise typer.Exit(2) from None
