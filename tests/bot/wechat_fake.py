"""A fake WeChat API server (the parts intake uses), served on loopback by tests.server.serve.

It answers like api.weixin.qq.com: access tokens for the right AppID/AppSecret, temporary media
by media id, customer-service text messages (with the 2048-byte limit) and custom-menu creation,
and error codes in JSON when something is wrong. Every call is recorded.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str
    path: str
    params: dict[str, str]
    body: Any  # the JSON body of POSTs, else None


class FakeWeChat:
    """The fake server's state: issued tokens, uploaded media, and the calls received."""

    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self.media: dict[str, tuple[bytes, str]] = {}  # media id -> (bytes, content type)
        self.calls: list[Call] = []
        self._tokens: set[str] = set()
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self.app = self._build()

    def calls_to(self, path: str) -> list[Call]:
        """The recorded calls to one endpoint, e.g. "/cgi-bin/media/get"."""
        with self._lock:
            return [c for c in self.calls if c.path == path]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The customer-service messages sent, in order."""
        return [c.body for c in self.calls_to("/cgi-bin/message/custom/send")]

    def expire_tokens(self) -> None:
        """Make every issued access token expire (the next API call gets errcode 42001)."""
        with self._lock:
            self._tokens.clear()

    def _record(self, request: Request, body: Any = None) -> None:
        with self._lock:
            self.calls.append(Call(request.method, request.url.path, dict(request.query_params), body))

    def _token_problem(self, request: Request) -> JSONResponse | None:
        token = request.query_params.get("access_token")
        with self._lock:
            if token in self._tokens:
                return None
        if token and token.startswith("TOKEN-"):
            return JSONResponse({"errcode": 42001, "errmsg": "access_token expired"})
        return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cgi-bin/token")
        def token(request: Request) -> JSONResponse:
            self._record(request)
            q = request.query_params
            if q.get("grant_type") != "client_credential" or q.get("appid") != self.appid:
                return JSONResponse({"errcode": 40013, "errmsg": "invalid appid"})
            if q.get("secret") != self.secret:
                return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
            issued = f"TOKEN-{next(self._serial)}"
            with self._lock:
                self._tokens.add(issued)
            return JSONResponse({"access_token": issued, "expires_in": 7200})

        @app.get("/cgi-bin/media/get")
        def media_get(request: Request) -> Response:
            self._record(request)
            problem = self._token_problem(request)
            if problem is not None:
                return problem
            found = self.media.get(request.query_params.get("media_id", ""))
            if found is None:
                return JSONResponse({"errcode": 40007, "errmsg": "invalid media_id"})
            data, content_type = found
            return Response(data, media_type=content_type,
                            headers={"Content-disposition": 'attachment; filename="media"'})

        @app.post("/cgi-bin/message/custom/send")
        async def custom_send(request: Request) -> JSONResponse:
            body = json.loads(await request.body())
            self._record(request, body)
            problem = self._token_problem(request)
            if problem is not None:
                return problem
            if body.get("msgtype") != "text" or not body.get("touser"):
                return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
            if len(body["text"]["content"].encode()) > 2048:
                return JSONResponse({"errcode": 45002, "errmsg": "content size out of limit"})
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        @app.post("/cgi-bin/menu/create")
        async def menu_create(request: Request) -> JSONResponse:
            body = json.loads(await request.body())
            self._record(request, body)
            problem = self._token_problem(request)
            if problem is not None:
                return problem
            buttons = body.get("button", [])
            if not 1 <= len(buttons) <= 3:
                return JSONResponse({"errcode": 40017, "errmsg": "invalid button size"})
            for button in buttons:
                subs = button.get("sub_button")
                if len(button.get("name", "").encode()) > 16 or (subs is not None and not 1 <= len(subs) <= 5):
                    return JSONResponse({"errcode": 40018, "errmsg": "invalid button name size"})
                for item in subs or [button]:
                    if item.get("type") == "click" and not item.get("key"):
                        return JSONResponse({"errcode": 40019, "errmsg": "invalid button key size"})
                    if len(item.get("name", "").encode()) > 60:
                        return JSONResponse({"errcode": 40018, "errmsg": "invalid button name size"})
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        return app
