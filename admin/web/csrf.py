"""Cross-site request forgery: a state-changing request that the console's cookie authenticates must prove
it comes from the console.

The browser sends the HttpOnly session cookie with every request to this site, also one that
another site's page makes (SameSite=Strict stops most of them, not all: a same-site page, an old
browser). So a request under ``/api`` or ``/admin`` with an unsafe method (not GET, HEAD, OPTIONS)
that carries the cookie and no ``Authorization: Bearer`` header is refused with 403 unless

* its ``Origin`` (or, when a browser sent none, its ``Referer``) names this site, and
* it carries the login's CSRF token in the ``X-CSRF-Token`` header. The token is an HMAC of the
  session token (:func:`admin.web.security.csrf_token`): the console's pages carry it in
  ``<meta name="csrf-token">`` and ``static/console.js`` sends it; the login answer gives it too.

API clients that send ``Authorization: Bearer`` are not affected: a browser never adds that
header to a forged request. The login itself only needs a same-site Origin when it has one (no
forged logins into another account). The collector's WebSocket checks its Origin itself.

This is written here rather than taken from a CSRF package (starlette-csrf, fastapi-csrf-protect):
those protect every request with a double-submit cookie and cannot tell a bearer-token client from
the console, nor check the Origin; the rule here is a few lines on top of the session we have.
The check runs before the body is read, so a refused upload is not received.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from admin.web.security import csrf_token

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PROTECTED = ("/api/", "/admin/")
LOGIN = "/api/auth/login"
EXEMPT = frozenset({"/admin/js-required"})  # where the console's forms land without JavaScript: it changes nothing

FOREIGN_ORIGIN = "cross-site request refused: the Origin (or Referer) header names another site"
NO_ORIGIN = "cross-site request refused: a request authenticated by the console's cookie needs an Origin or Referer header"
NO_TOKEN = ("CSRF token missing: send the X-CSRF-Token header of the login (the console's pages carry it), "
            "or authenticate with Authorization: Bearer")
BAD_TOKEN = "CSRF token does not match this login: reload the page"


class CsrfMiddleware:
    """Refuse cookie-authenticated state changes without a same-site Origin and the login's CSRF token."""

    def __init__(self, app: ASGIApp, cookie: str, secret: Callable[[], str]) -> None:
        self.app = app
        self.cookie = cookie
        self.secret = secret  # looked up per request: the runtime is built at start-up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self.problem(scope)
            if problem is not None:
                await _refuse(send, problem)
                return
        await self.app(scope, receive, send)

    def problem(self, scope: Scope) -> str | None:
        """Why the request is refused, or None."""
        path: str = scope.get("path", "")
        if scope.get("method", "GET") in SAFE_METHODS or not path.startswith(PROTECTED) or path in EXEMPT:
            return None
        headers = _headers(scope)
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") and authorization[7:].strip():
            return None  # a bearer token authenticates it (admin.web.deps prefers it to the cookie)
        origin = headers.get("origin") or headers.get("referer")
        host = headers.get("host", "")
        if path == LOGIN:  # not authenticated by the cookie; only a forged cross-site login is refused
            return FOREIGN_ORIGIN if origin is not None and not _same_site(origin, host) else None
        session = cookie_parser(headers.get("cookie", "")).get(self.cookie)
        if not session:
            return None  # not authenticated by a cookie: the route answers 401 if it needs a login
        if origin is None:
            return NO_ORIGIN
        if not _same_site(origin, host):
            return FOREIGN_ORIGIN
        sent = headers.get(CSRF_HEADER)
        if not sent:
            return NO_TOKEN
        if not hmac.compare_digest(sent.encode(), csrf_token(self.secret(), session).encode()):
            return BAD_TOKEN
        return None


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        out.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def _same_site(origin: str, host: str) -> bool:
    """Whether an Origin or Referer URL names the host this request was sent to."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


async def _refuse(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
