"""What the WeChat channel says and calls besides the webhook: the custom menu, the API client, text limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wechatpy import WeChatClient

from bot.messages import Reply

TEXT_LIMIT = 2048  # bytes of one text message (passive reply and customer-service message)

# Custom-menu click keys, and what each does: resume the chat, or send a text to the engine.
MENU_START, MENU_CONTINUE, MENU_MY_RECORD, MENU_HUMAN = "START", "CONTINUE", "MY_RECORD", "HUMAN"
MENU_ACTIONS: Mapping[str, str | None] = {
    MENU_START: None,  # None: resume (the notice for a new person, else where they left off)
    MENU_CONTINUE: "继续",
    MENU_MY_RECORD: None,  # resume shows the read-back once all is answered, else the pending question
    MENU_HUMAN: "转人工",
}


def menu_definition() -> dict[str, Any]:
    """The custom menu created by ``intake wechat menu`` (a fresh dict each call).

    WeChat allows at most three top-level buttons, so 我的登记 and 人工服务 sit under 更多.
    """
    return {"button": [
        {"type": "click", "name": "开始登记", "key": MENU_START},
        {"type": "click", "name": "继续填写", "key": MENU_CONTINUE},
        {"name": "更多", "sub_button": [
            {"type": "click", "name": "我的登记", "key": MENU_MY_RECORD},
            {"type": "click", "name": "人工服务", "key": MENU_HUMAN},
        ]},
    ]}


class WeChatAPI(WeChatClient):
    """wechatpy's client with a configurable API base; access tokens cached and refreshed by wechatpy."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float = 10.0) -> None:
        super().__init__(appid, secret, timeout=timeout)  # MemoryStorage session: tokens live in-process
        base = api_base.rstrip("/")
        self.API_BASE_URL = f"{base}/cgi-bin/"
        self.token_url = f"{base}/cgi-bin/token"

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch a new access token from the configured base (wechatpy hard-codes the real host)."""
        result: dict[str, Any] = self._fetch_access_token(
            url=self.token_url,
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        return result

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()


def render_text(replies: list[Reply]) -> str:
    """The engine's replies as one text: paragraphs, with choices as a short "请回复：…" line."""
    parts = []
    for reply in replies:
        text = reply.text
        shown = [c for c in reply.choices if not c.shortcut]
        if shown:
            text += "\n请回复：" + " / ".join(c.label for c in shown)
        parts.append(text)
    return "\n\n".join(p for p in parts if p)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into messages of at most ``limit`` UTF-8 bytes, at line breaks where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = ""
        while len(line.encode()) > limit:  # one very long line: cut by characters
            cut = len(line)
            while len(line[:cut].encode()) > limit:
                cut -= 1
            chunks.append(line[:cut])
            line = line[cut:]
        current = line
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]
