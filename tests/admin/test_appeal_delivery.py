"""A staff answer reaches the person in WeChat or Telegram at once, without waiting for them to write.

Real adapters against the fake Bot API and the fake WeChat API on loopback, the app in a real uvicorn
with its outbox dispatcher; the hotline answers through the staff API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from admin.app import create_app
from admin.outbox import PREFIX
from admin.runtime import Runtime, build_runtime
from admin.web.security import create_staff
from nlu.tokenizer import Tokenizer
from storage.models import Appeal, Outbox
from storage.staff_repo import StaffStore
from tests.admin.conftest import PW
from tests.bot import test_telegram as tg
from tests.bot import test_wechat as wx
from tests.bot.telegram_fake import FakeTelegram
from tests.bot.test_engine_other_questionnaires import _load_dongxiang
from tests.bot.wechat_fake import FakeWeChat
from tests.conftest import make_settings
from tests.server import serve

ANSWER = "抚恤金已补发，请查收。"


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def hotline_answers(runtime: Runtime, base: str) -> int:
    """The province's hotline takes the one appeal and answers it; its id."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/api/auth/login", json={"username": "hotline", "password": PW}).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        page = http.get("/api/appeals", headers=h)
        assert page.status_code == 200, page.text
        (item,) = page.json()["items"]
        assert item["source"] == "chat" and item["category"] == "pension"
        r = http.post(f"/api/appeals/{item['id']}/answer", json={"text": ANSWER}, headers=h)
        assert r.status_code == 200, r.text
        return int(item["id"])


def outbox_rows(runtime: Runtime) -> list[Outbox]:
    with runtime.store_scope() as store:
        return list(store.session.exec(select(Outbox)).all())


@pytest.fixture
def staffed(db_url: str, tokenizer: Tokenizer, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """Runtimes on one database with the region tree and a province hotline account."""
    made: list[Runtime] = []

    def build(**settings: object) -> Runtime:
        rt = build_runtime(make_settings(db_url, **settings), tokenizer=tokenizer)
        if not made:
            _load_dongxiang(rt, tmp_path)
            with rt.store_scope() as store:
                create_staff(StaffStore(store.session), "hotline", "热线", PW, "hotline", "甘肃省")
        made.append(rt)
        return rt

    yield build
    for rt in made:
        rt.close()


def test_telegram_gets_the_answer_pushed_once(staffed: Callable[..., Runtime]) -> None:
    api = FakeTelegram(tg.TOKEN)
    with serve(api.app) as api_url:
        rt = staffed(telegram_token=tg.TOKEN, telegram_secret=tg.SECRET, telegram_api_base=api_url + "/bot")
        with tg.running(rt, api) as person:
            person.begin()
            person.say("转人工，我的抚恤金一直没发")
            assert "人工" in person.texts()
            before = len(api.sent)
            hotline_answers(rt, str(person.http.base_url))
            wait_for(lambda: len(api.sent) > before)  # nobody wrote: the answer was pushed
            pushed = api.sent[before:]
            assert [m["text"] for m in pushed] == [PREFIX + ANSWER] and int(pushed[0]["chat_id"]) == tg.USER
            assert all(r.delivered_at is not None for r in outbox_rows(rt))
            replies = person.say("好的")  # the next turn does not repeat it
            assert not any(ANSWER in str(m["text"]) for m in replies)
    with rt.store_scope() as store:
        assert store.session.exec(select(Appeal)).one().status == "answered"


def test_a_refused_push_is_delivered_when_the_person_writes_again(staffed: Callable[..., Runtime]) -> None:
    api = FakeTelegram(tg.TOKEN)
    with serve(api.app) as api_url:
        rt = staffed(telegram_token=tg.TOKEN, telegram_secret=tg.SECRET, telegram_api_base=api_url + "/bot")
        with tg.running(rt, api) as person:
            person.begin()
            person.say("转人工，抚恤金没有发放")
            api.fail("sendMessage", 403)  # the person has blocked the bot for now
            before = len(api.calls_to("sendMessage"))
            hotline_answers(rt, str(person.http.base_url))
            wait_for(lambda: len(api.calls_to("sendMessage")) > before)
            wait_for(lambda: all(r.delivered_at is None for r in outbox_rows(rt)))  # released, kept
            replies = person.say("在吗")
            assert replies[0]["text"] == PREFIX + ANSWER
            assert all(r.delivered_at is not None for r in outbox_rows(rt))
            time.sleep(0.5)
            assert sum(ANSWER in t for t in api.sent_texts()) == 1


def test_wechat_gets_the_answer_by_the_customer_service_api(staffed: Callable[..., Runtime]) -> None:
    api = FakeWeChat(wx.APPID, wx.SECRET)
    with serve(api.app) as api_url:
        rt = staffed(wechat_token=wx.TOKEN, wechat_appid=wx.APPID, wechat_secret=wx.SECRET,
                     wechat_aes_key=wx.AES_KEY, wechat_api_base=api_url)
        with serve(create_app(runtime=rt)) as base, httpx.Client(base_url=base, timeout=30) as http:
            person = wx.Person(http, wx.WeChatServer(aes_key=wx.AES_KEY), rt)
            person.begin()
            assert "人工" in person.say("转人工，抚恤金没发")
            hotline_answers(rt, base)
            wait_for(lambda: len(api.sent) == 1)
            (sent,) = api.sent
            assert sent["touser"] == person.user and sent["text"]["content"] == PREFIX + ANSWER
            assert ANSWER not in person.say("谢谢")
