"""`intake telegram ...` commands: polling for development, registering the webhook."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from admin.cli.settings import settings_or_exit
from admin.settings import Settings

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramConfig

app = typer.Typer(help="The Telegram bot channel.", no_args_is_help=True)


def _config(settings: Settings) -> TelegramConfig:
    """The channel's configuration; exits with 2 when no bot token is set."""
    from bot.channels.telegram import TelegramConfig

    if not settings.telegram_token:
        typer.echo("INTAKE_TELEGRAM_TOKEN is not set: create a bot with @BotFather and set its token "
                   "in INTAKE_TELEGRAM_TOKEN.", err=True)
        raise typer.Exit(2)
    return TelegramConfig(token=settings.telegram_token, secret=settings.telegram_secret,
                          api_base=settings.telegram_api_base)


@app.command()
def poll() -> None:
    """Development: fetch updates by polling instead of the webhook (deletes any webhook first)."""
    from admin.runtime import build_runtime
    from bot.channels.telegram import run_polling

    settings = settings_or_exit()
    config = _config(settings)
    runtime = build_runtime(settings)
    typer.echo("telegram: polling for updates; the webhook is removed. Stop with Ctrl+C.", err=True)
    try:
        run_polling(config, runtime.chat)
    finally:
        runtime.close()
    typer.echo("telegram: polling stopped.", err=True)


@app.command()
def webhook(
    url: Annotated[str | None, typer.Option(help="The public HTTPS URL of /telegram "
                                            "(default: INTAKE_PUBLIC_URL + /telegram).")] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the webhook instead.")] = False,
) -> None:
    """Register this service's /telegram webhook with Telegram (setWebhook with the secret token)."""
    from telegram.error import TelegramError

    from bot.channels.telegram import delete_webhook, set_webhook

    settings = settings_or_exit()
    config = _config(settings)
    try:
        if delete:
            asyncio.run(delete_webhook(config))
            typer.echo("telegram: webhook removed.")
            return
        if not config.secret:
            typer.echo("INTAKE_TELEGRAM_SECRET is not set: the webhook refuses requests without it. Set it to "
                       "1-256 characters of A-Z, a-z, 0-9, _ and -.", err=True)
            raise typer.Exit(2)
        target = url or (settings.public_url.rstrip("/") + "/telegram" if settings.public_url else None)
        if not target:
            typer.echo("give --url https://your.host/telegram or set INTAKE_PUBLIC_URL", err=True)
            raise typer.Exit(2)
        asyncio.run(set_webhook(config, target))
    except TelegramError as exc:
        typer.echo(f"telegram: the Bot API refused: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"telegram: webhook set to {target}")
