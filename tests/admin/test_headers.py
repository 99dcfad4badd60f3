"""Security headers on every page and answer, pages without inline script, and /docs without a CDN."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from admin.app import create_app
from admin.runtime import Runtime
from tests.admin.conftest import PW
from tests.browser import browser_page
from tests.server import serve


class _Page(HTMLParser):
    """The scripts, styles and links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.inline_styles = 0
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not found.get("src"):
                self.inline_scripts += 1
        if tag == "style" or found.get("style") is not None or any(k.startswith("on") for k in found):
            self.inline_styles += 1  # <style>, style="" and onclick="" all need 'unsafe-inline'
        for name in ("src", "href", "action"):
            if found.get(name):
                self.urls.append(found[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _check_headers(r: Any, where: str) -> None:
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert re.search(r"script-src 'self'(;|$)", csp), (where, csp)
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff", where
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer"), where


def test_every_page_and_answer_has_the_headers_and_no_inline_script(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        anonymous = ["/", "/chat/veterans", "/admin/login", "/docs"]
        for path in anonymous:
            r = client.get(path)
            assert r.status_code == 200, path
            _check_headers(r, path)
            page = _parse(r.text)
            assert page.inline_scripts == 0 and page.inline_styles == 0, path
        for path in ("/api/auth/me", "/healthz", "/openapi.json", "/chat/veterans/resume", "/static/chat.js",
                     "/nowhere"):
            _check_headers(client.get(path), path)
        # refusals by the guards carry them too
        _check_headers(client.post("/chat/veterans/messages", content=b'{"text": "\\ud800"}'), "surrogate")
        client.post("/api/auth/login", json={"username": "dongxiang", "password": PW})
        for path in ("/admin", "/admin/review", "/admin/records", f"/admin/records/{world['A']}", "/admin/appeals",
                     "/admin/workflow", "/admin/collect", "/admin/reconcile", "/admin/stats", "/admin/exports"):
            r = client.get(path)
            assert r.status_code == 200, path
            _check_headers(r, path)
            page = _parse(r.text)
            assert page.inline_scripts == 0 and page.inline_styles == 0, path
        _check_headers(client.post("/api/auth/logout", headers={"Origin": "https://evil.example"}), "csrf")


def test_the_docs_page_uses_no_other_site(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        r = client.get("/docs")
        page = _parse(r.text)
        assert page.urls and all(u.startswith("/") and not u.startswith("//") for u in page.urls), page.urls
        assert "cdn" not in r.text.lower() and "http" not in r.text
        for url in page.urls:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 100, url
        assert client.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith("text/javascript")
        assert client.get("/docs/assets/other.js").status_code == 404
        assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN: it is off
        spec = client.get("/openapi.json").json()
        assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.browser
def test_docs_and_chat_render_under_the_policy_in_chromium(runtime: Runtime) -> None:
    """Swagger UI starts, and the chat runs, with no CSP violation reported by the browser."""
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(base + "/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        assert "intake" in page.locator(".swagger-ui .info .title").inner_text()
        page.wait_for_selector(".opblock-tag")
        assert page.locator(".opblock").count() > 30
        page.goto(base + "/chat/veterans")
        page.wait_for_selector(".choices button")
        assert refused == []
