"""The WeChat channel (being built): until then its route answers 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException

from bot.service import ChatService


@dataclass(frozen=True)
class WeChatConfig:
    """Credentials and the API base URL."""

    token: str
    secret: str | None = None
    api_base: str = ""
    appid: str | None = None
    aes_key: str | None = None


class WeChatChannel:
    """Placeholder adapter."""

    name = "wechat"

    def __init__(self, config: WeChatConfig, chat: ChatService) -> None:
        self.config = config
        self.chat = chat

    async def start(self) -> None:
        """Nothing to open yet."""

    async def stop(self) -> None:
        """Nothing to close yet."""


def wechat_router(get: Callable[[], object | None]) -> APIRouter:
    """The /wechat route."""
    router = APIRouter(tags=["wechat"])

    @router.post("/wechat", include_in_schema=False)
    def endpoint() -> None:
        raise HTTPException(status_code=404, detail="the wechat channel is not configured")

    return router
