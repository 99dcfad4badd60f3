"""Headless Chromium through Playwright, using the Debian chromium binary (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    """The system Chromium, or skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (bash .ci/run installs it)")
    return path


@contextmanager
def browser_page(extra_args: list[str] | None = None) -> Iterator[object]:
    """A fresh page in a fresh headless Chromium."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS + (extra_args or []))
        try:
            context = browser.new_context(viewport={"width": 400, "height": 800}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(60000)  # a busy machine (the whole suite on every core) is slow to render
            yield page
        finally:
            browser.close()
