"""Which chat channels run: built from the settings at start-up; none configured means web chat only."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter

from admin.settings import Settings
from bot.service import ChatService


class ChannelAdapter(Protocol):
    """A protocol adapter started and stopped with the app (WeChat, Telegram)."""

    name: str

    async def start(self) -> None:
        """Open connections (HTTP clients, the Telegram Application)."""

    async def stop(self) -> None:
        """Close them."""


def build_channels(settings: Settings, chat: ChatService) -> dict[str, ChannelAdapter]:
    """The configured channels by name."""
    channels: dict[str, ChannelAdapter] = {}
    if settings.wechat_token and settings.wechat_appid:
        from bot.channels.wechat import WeChatChannel, WeChatConfig

        channels["wechat"] = WeChatChannel(
            WeChatConfig(
                token=settings.wechat_token,
                appid=settings.wechat_appid,
                secret=settings.wechat_secret,
                aes_key=settings.wechat_aes_key,
                api_base=settings.wechat_api_base,
                reply_deadline=settings.wechat_reply_deadline,
                max_clock_skew=settings.wechat_max_clock_skew,
            ),
            chat,
        )
    if settings.telegram_token:
        from bot.channels.telegram import TelegramChannel, TelegramConfig

        channels["telegram"] = TelegramChannel(
            TelegramConfig(
                token=settings.telegram_token,
                secret=settings.telegram_secret,
                api_base=settings.telegram_api_base,
            ),
            chat,
        )
    return channels


def channel_routers(get: ChannelLookup) -> list[APIRouter]:
    """The HTTP routes of every channel kind; a route of a channel that is off answers 404."""
    from bot.channels.telegram import telegram_router
    from bot.channels.wechat import wechat_router

    return [wechat_router(lambda: get("wechat")), telegram_router(lambda: get("telegram"))]


class ChannelLookup(Protocol):
    """Finds a running channel by name (None when it is off)."""

    def __call__(self, name: str) -> object | None: ...
