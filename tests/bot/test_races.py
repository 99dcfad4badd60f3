"""Concurrency and identity at the chat's door: the first conversations of a new campaign at once, and
message ids that the client chooses (de-duplicated per sender, never across browsers; the collector's
console is tested in tests/admin/test_collect_message_ids.py).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from bot.messages import Incoming
from bot.service import message_key
from storage.models import Answer, Campaign, InboundMessage, Person
from tests.helpers import make_id
from tests.server import serve


def test_a_new_campaign_created_by_racing_threads_is_one_row(runtime: Runtime) -> None:
    start = threading.Barrier(8)

    def ensure(_: int) -> int:
        start.wait()
        with runtime.store_scope() as store:
            return store.campaigns.ensure("veterans", "1", 2031, "t", None).id or 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(ensure, range(8)))
    assert len(set(ids)) == 1
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(Campaign).where(Campaign.key == "veterans-2031")).all()) == 1


def test_the_first_conversations_of_a_new_campaign_at_once(runtime: Runtime) -> None:
    """Six people open the chat of a campaign nobody has opened yet, at the same moment: nobody gets a 500."""
    with serve(create_app(runtime=runtime)) as base:
        start = threading.Barrier(6)

        def first(n: int) -> tuple[int, int]:
            with httpx.Client(base_url=base, timeout=60) as http:
                assert http.get("/chat/veterans/resume").status_code == 200  # the notice
                assert http.post("/chat/veterans/messages", json={"text": "同意"}).status_code == 200
                start.wait()  # the record, and with it the campaign, is made with the ID number
                said = http.post("/chat/veterans/messages", json={"text": make_id(seq=f"{n + 100:03d}")})
                return said.status_code, len(said.json()["replies"])

        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(first, range(6)))
    assert [code for code, _ in codes] == [200] * 6 and all(n for _, n in codes)
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(Campaign)).all()) == 1


def test_a_message_id_of_another_browser_is_a_new_message(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as first, TestClient(create_app(runtime=runtime)) as second:
        for browser in (first, second):
            browser.get("/chat/veterans/resume")  # the notice
        first.post("/chat/veterans/messages", json={"text": "同意", "message_id": "m1"})
        mine = first.post("/chat/veterans/messages", json={"text": make_id(seq="011"), "message_id": "m2"})
        # another browser happens to use the same ids: its messages are its own, and they are answered
        second.post("/chat/veterans/messages", json={"text": "同意", "message_id": "m1"})
        assert second.get("/chat/veterans/resume").json()["replies"][-1]["question"] == "id_number"
        second.post("/chat/veterans/messages", json={"text": make_id(seq="023"), "message_id": "m2"})
        assert second.get("/chat/veterans/resume").json()["replies"][-1]["question"] != "id_number"
        with runtime.store_scope() as store:
            assert len(store.session.exec(select(Person)).all()) == 2
            before = len(store.session.exec(select(Answer)).all())
        # the same browser sending the same id again (a retry) gets the same replies and stores nothing
        again = first.post("/chat/veterans/messages", json={"text": make_id(seq="011"), "message_id": "m2"})
        assert again.json() == mine.json()
        with runtime.store_scope() as store:
            assert len(store.session.exec(select(Answer)).all()) == before
            keys = [m.message_key for m in store.session.exec(select(InboundMessage)).all()]
    assert len(keys) == 4 and not any("m1" in k or "m2" in k for k in keys)  # sender and id are hashed


def test_platform_ids_stay_exact() -> None:
    """WeChat's MsgId and Telegram's update id name one message of the account: keyed by the id alone."""
    def key(channel: str, user: str, message_id: str) -> str:
        return message_key(Incoming(channel=channel, user_id=user, text="x", message_id=message_id))

    assert key("wechat", "o1", "msg:42") == "msg:42" and key("telegram", "7", "1001") == "1001"
    client: dict[str, Any] = {c: key(c, "u1", "9") for c in ("web", "phone", "visit", "terminal")}
    assert all(v.startswith("sender:") for v in client.values()) and key("web", "u2", "9") != client["web"]
