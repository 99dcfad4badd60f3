"""Security headers on every response: a Content-Security-Policy without inline script, no framing, no sniffing.

Pages set their own policy where they need one (the console's pages do, in ``admin.console.base``);
every other response gets :data:`DEFAULT`, which allows what the web chat and the API docs use:
scripts, styles and images from this site only (Swagger UI's icons are ``data:`` images), requests
to this site only, no plugins, no ``<base>``, and no page of another site may frame ours
(``frame-ancestors 'none'`` and, for old browsers, ``X-Frame-Options: DENY``).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
DEFAULT = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: add :data:`DEFAULT` headers a response does not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULT.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
