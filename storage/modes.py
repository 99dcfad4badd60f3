"""Collection modes (采集方式) of the plans: how an answer was collected, recorded per answer.

入户调查 (``household``), 电话询问 (``phone``), 窗口服务 (``window``: a staff member at a collection point's
window enters a walk-in's answers) and 移动终端 (``mobile``: self-service on a phone, i.e. the web chat, WeChat
and Telegram). The mode follows from the channel an answer came in on (the collector console's channels are
the mode chosen for the interview); an answer of no campaign mode (the terminal, a correction in the back
office, the roster) has none. ``Answer.mode`` is filled at INSERT from the answer's channel by
:func:`answer_mode_default`, so every writer of answers records it without knowing of it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CollectionMode(StrEnum):
    """How an answer was collected."""

    HOUSEHOLD = "household"  # 入户调查
    PHONE = "phone"  # 电话询问
    WINDOW = "window"  # 窗口服务
    MOBILE = "mobile"  # 移动终端


MODE_LABELS = {CollectionMode.HOUSEHOLD: "入户调查", CollectionMode.PHONE: "电话询问",
               CollectionMode.WINDOW: "窗口服务", CollectionMode.MOBILE: "移动终端"}

#: the collector console's channels: the mode chosen for the interview
CONSOLE_CHANNELS = {"visit": CollectionMode.HOUSEHOLD, "phone": CollectionMode.PHONE, "window": CollectionMode.WINDOW}
_SELF_SERVICE = ("web", "wechat", "telegram")


def mode_of_channel(channel: str | None) -> CollectionMode | None:
    """The collection mode of an answer that came in on ``channel`` (None: not a campaign mode)."""
    if channel in CONSOLE_CHANNELS:
        return CONSOLE_CHANNELS[channel]
    if channel in _SELF_SERVICE:
        return CollectionMode.MOBILE
    return None


def answer_mode_default(context: Any) -> str | None:
    """The column default of ``Answer.mode``: the mode of the row's channel (an explicit mode is kept)."""
    mode = mode_of_channel(context.get_current_parameters().get("channel"))
    return mode.value if mode is not None else None
