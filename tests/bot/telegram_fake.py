"""A fake Telegram Bot API server (the methods intake uses), served on loopback by tests.server.serve.

It answers like api.telegram.org: ``POST /bot<token>/<method>`` with form parameters, replies
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``, and serves
files under ``/file/bot<token>/<file_path>``. Implemented: getMe, sendMessage, getFile,
setWebhook, deleteWebhook, getUpdates (scripted updates, long polling cut short). Every call is
recorded with its decoded parameters; failures can be scripted per method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

BOT_ID = 7012345678


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str  # Bot API method, or "download" for a file
    params: dict[str, Any]  # form parameters, JSON-encoded values decoded; for downloads {"path": ...}
    at: float


class FakeTelegram:
    """The fake server's state: files, scripted updates and failures, and the calls received."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.updates: list[dict[str, Any]] = []  # what getUpdates hands out
        self.failures: dict[str, list[int]] = {}  # method -> HTTP statuses to answer, one per call
        self.webhook: dict[str, Any] = {}
        self.calls: list[Call] = []
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = self._build()

    # -- the test's side ------------------------------------------------------------------------

    def add_file(self, file_id: str, data: bytes, file_path: str) -> None:
        """Make a file downloadable by its id."""
        with self._lock:
            self.files[file_id] = (file_path, data)

    def fail(self, method: str, *statuses: int) -> None:
        """Answer the next calls of ``method`` with these HTTP error statuses, in order."""
        with self._lock:
            self.failures.setdefault(method, []).extend(statuses)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method (e.g. "sendMessage", "download")."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The parameters of every sendMessage call that succeeded, in order."""
        with self._lock:
            return [c.params for c in self.calls if c.method == "sendMessage" and not c.params.get("_failed")]

    def sent_texts(self) -> list[str]:
        """The texts of the messages sent."""
        return [str(p["text"]) for p in self.sent]

    # -- the server's side ----------------------------------------------------------------------

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic()))

    def _scripted_failure(self, method: str) -> int | None:
        with self._lock:
            pending = self.failures.get(method)
            return pending.pop(0) if pending else None

    @staticmethod
    def _ok(result: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str) -> JSONResponse:
        return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/file/bot{token}/{file_path:path}")
        def download(token: str, file_path: str) -> Response:
            self._record("download", {"path": file_path})
            if token != self.token:
                return Response(status_code=401)
            with self._lock:
                found = next((data for path, data in self.files.values() if path == file_path), None)
            if found is None:
                return Response(status_code=404)
            return Response(content=found, media_type="application/octet-stream")

        @app.post("/bot{token}/{method}")
        async def api(token: str, method: str, request: Request) -> JSONResponse:
            form = await request.form()
            params: dict[str, Any] = {k: _decode(v) for k, v in form.items() if isinstance(v, str)}
            if token != self.token:
                self._record(method, params)
                return self._error(401, "Unauthorized")
            status = self._scripted_failure(method)
            if status is not None:
                self._record(method, {**params, "_failed": status})
                return self._error(status, "Bad Request: scripted failure" if status == 400 else "scripted failure")
            if method == "getUpdates":
                return await self._get_updates(params)
            self._record(method, params)
            handler = {
                "getMe": self._get_me, "sendMessage": self._send_message, "getFile": self._get_file,
                "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            }.get(method)
            if handler is None:
                return self._error(404, "Not Found: method not found")
            return handler(params)

        return app

    def _get_me(self, params: dict[str, Any]) -> JSONResponse:
        return self._ok({"id": BOT_ID, "is_bot": True, "first_name": "登记助手", "username": "intake_test_bot",
                         "can_join_groups": False, "can_read_all_group_messages": False,
                         "supports_inline_queries": False})

    def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        if "chat_id" not in params or not params.get("text"):
            return self._error(400, "Bad Request: message text is empty")
        if len(str(params["text"])) > 4096:
            return self._error(400, "Bad Request: message is too long")
        chat_id = int(params["chat_id"])
        return self._ok({
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "登记助手"}, "text": params["text"],
        })

    def _get_file(self, params: dict[str, Any]) -> JSONResponse:
        file_id = str(params.get("file_id"))
        with self._lock:
            found = self.files.get(file_id)
        if found is None:
            return self._error(400, "Bad Request: invalid file_id")
        path, data = found
        return self._ok({"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(data),
                         "file_path": path})

    def _set_webhook(self, params: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self.webhook = dict(params)
        return self._ok(True)

    def _delete_webhook(self, params: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self.webhook = {}
        return self._ok(True)

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        """The scripted updates from ``offset`` on; with none pending, wait a moment (long polling, cut short)."""
        self._record("getUpdates", params)
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.3)
        while True:
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
                if self.webhook:
                    return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
            if pending or time.monotonic() >= deadline:
                return self._ok(pending)
            await asyncio.sleep(0.05)


def _decode(value: str) -> Any:
    """A form value as the Bot API reads it: JSON objects and arrays decoded, the rest as sent."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
