"""JSON request bodies: at most 1 MiB, refused at once by Content-Length, and no unpaired UTF-16 surrogates.

JSON may spell a lone surrogate (``"\\ud800"``), which Python decodes into a string that no
database driver and no response can encode: every route that stored or echoed it answered 500.
Such bodies are answered 400 before any route sees them. No JSON body of the service comes near
1 MiB (the largest, a workflow batch of 1,000 record ids, is about 10 KB), so a larger one is 413
without being read further. Photo and list uploads (multipart) have their own limits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_BYTES = 1024 * 1024
TOO_LARGE = "the JSON body is larger than 1 MiB"
SURROGATE = "the JSON body contains an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not text"
# a \\u escape of a surrogate code point; only when one is present is the body decoded to check pairs
_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class JsonBodyGuard:
    """ASGI middleware: bound and check JSON request bodies before the app reads them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _answer(send, 413, TOO_LARGE)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(b"", message, receive), send)  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await _answer(send, 413, TOO_LARGE)
                return
        if _ESCAPE.search(body) and _has_lone_surrogate(bytes(body)):
            await _answer(send, 400, SURROGATE)
            return
        await self.app(scope, _replay(bytes(body), None, receive), send)


def _has_lone_surrogate(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the route answers 422
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _replay(body: bytes, first: Message | None, receive: Receive) -> Receive:
    """A receive channel that gives the buffered body once, then what the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first if first is not None else {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _is_json(scope: Scope) -> bool:
    """Whether the body is read as JSON: FastAPI reads a body without a Content-Type as JSON too."""
    if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return False
    kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    return kind in ("", "application/json") or kind.endswith("+json")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
