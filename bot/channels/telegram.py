"""The Telegram channel (being built): until then its route answers 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException

from bot.service import ChatService


@dataclass(frozen=True)
class TelegramConfig:
    """Credentials and the API base URL."""

    token: str
    secret: str | None = None
    api_base: str = ""
    appid: str | None = None
    aes_key: str | None = None


class TelegramChannel:
    """Placeholder adapter."""

    name = "telegram"

    def __init__(self, config: TelegramConfig, chat: ChatService) -> None:
        self.config = config
        self.chat = chat

    async def start(self) -> None:
        """Nothing to open yet."""

    async def stop(self) -> None:
        """Nothing to close yet."""


def telegram_router(get: Callable[[], object | None]) -> APIRouter:
    """The /telegram route."""
    router = APIRouter(tags=["telegram"])

    @router.post("/telegram", include_in_schema=False)
    def endpoint() -> None:
        raise HTTPException(status_code=404, detail="the telegram channel is not configured")

    return router
