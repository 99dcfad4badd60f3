"""The web chat's history across reloads: kept on the server for this browser's cookie only, sealed, with the
ID number masked, cleared by 重新开始; the page shows it again, then the current question once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.crypto import mask_id_number
from storage.transcript import TranscriptEntry
from tests.browser import browser_page
from tests.helpers import make_id
from tests.server import serve

NAME = "欧阳明远"  # distinctive: must not appear in clear in the table


def _say(client: TestClient, text: str, mid: str | None = None) -> list[dict[str, Any]]:
    r = client.post("/chat/veterans/messages", json={"text": text, "message_id": mid or uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    return list(r.json()["replies"])


def _rows(runtime: Runtime) -> list[TranscriptEntry]:
    with runtime.store_scope() as store:
        return list(store.session.exec(select(TranscriptEntry)).all())


def test_the_history_survives_a_reload_for_this_cookie_only_sealed_and_masked(runtime: Runtime) -> None:
    id_number = make_id()
    with TestClient(create_app(runtime=runtime)) as client:
        first = client.get("/chat/veterans/resume").json()
        assert first["history"] == [] and first["replies"][0]["kind"] == "notice"
        _say(client, "同意")
        _say(client, id_number)
        _say(client, "退役士兵")
        asked = _say(client, NAME)[-1]
        again = client.get("/chat/veterans/resume").json()  # the page opened again
        history = again["history"]
        said = [h["text"] for h in history if h["direction"] == "in"]
        assert said == ["同意", mask_id_number(id_number), "退役士兵", NAME]
        assert history[0]["kind"] == "notice" and history[0]["direction"] == "out"
        # the current question comes with its buttons, once: not also at the end of the history
        assert again["replies"][-1]["text"] == asked["text"]
        assert history[-1]["text"] != asked["text"]
        assert [h["text"] for h in history].count(asked["text"]) == 0
        # a retry of a message already handled adds nothing
        mid = uuid.uuid4().hex
        _say(client, "男", mid)
        count = len(_rows(runtime))
        _say(client, "男", mid)
        assert len(_rows(runtime)) == count
        with TestClient(create_app(runtime=runtime)) as other:  # another browser
            theirs = other.get("/chat/veterans/resume").json()
            assert theirs["history"] == [] and theirs["replies"][0]["kind"] == "notice"
    rows = _rows(runtime)
    assert rows and all(NAME.encode() not in r.text_enc and id_number.encode() not in r.text_enc for r in rows)
    assert [r.seq for r in rows if r.conversation_id == rows[0].conversation_id][:3] == [1, 2, 3]


def test_starting_again_clears_the_history(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        client.get("/chat/veterans/resume")
        for text in ("同意", make_id(), "退役士兵", NAME):
            _say(client, text)
        _say(client, "重新开始")
        cleared = _say(client, "确定")
        assert "从头开始" in cleared[0]["text"]
        history = client.get("/chat/veterans/resume").json()["history"]
    texts = [h["text"] for h in history]
    assert NAME not in texts and "退役士兵" not in texts
    assert texts[:2] == ["确定", cleared[0]["text"]]


def _bot_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#log .msg.bot .b").all_inner_texts()]


@pytest.mark.browser
def test_the_page_shows_the_history_after_a_reload_and_answers_on(runtime: Runtime, tmp_path: Path) -> None:
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        page.goto(base + "/chat/veterans")
        page.click(".choices button:has-text('同意')")
        page.locator(".msg.bot[data-question=id_number]").wait_for()
        page.fill("#text", make_id())
        page.click("#send")
        page.locator(".msg.bot[data-question=recipient_kind]").wait_for()
        page.click(".choices button:has-text('退役士兵')")
        page.locator(".msg.bot[data-question=name]").wait_for()
        asked = page.locator(".msg.bot[data-question=name] .b").last.inner_text()
        page.reload()
        page.locator(".msg.bot[data-question=name]").wait_for()
        mine = page.locator("#log .msg.me .b").all_inner_texts()
        assert "同意" in mine and "退役士兵" in mine and any("*" in m for m in mine)  # the ID number masked
        assert _bot_texts(page).count(asked.strip()) == 1  # the current question once
        assert page.locator(".msg.bot[data-kind=notice]").count() == 1
        page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
        page.fill("#text", NAME)
        page.click("#send")
        page.locator(".msg.bot[data-question=gender]").wait_for()
        page.click(".choices button:has-text('男')")
        page.locator(".msg.bot[data-question=ethnicity]").wait_for()
