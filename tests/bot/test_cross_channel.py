"""One person, two channels: begun in WeChat, identified again in Telegram, finished there.

Both adapters run in one real uvicorn app against their fake APIs on loopback; the record shows
which channel gave each answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime, build_runtime
from nlu.tokenizer import Tokenizer
from storage.models import Answer, Record
from tests.bot import test_telegram as tg
from tests.bot import test_wechat as wx
from tests.bot.telegram_fake import FakeTelegram
from tests.bot.wechat_fake import FakeWeChat
from tests.conftest import make_settings
from tests.helpers import RecordingSms, make_id
from tests.server import serve


@pytest.fixture
def both(db_url: str, tokenizer: Tokenizer, sms: RecordingSms) -> Iterator[tuple[Runtime, FakeTelegram]]:
    """A runtime with WeChat (safe mode) and Telegram on, each against its fake API."""
    wechat_api, telegram_api = FakeWeChat(wx.APPID, wx.SECRET), FakeTelegram(tg.TOKEN)
    with serve(wechat_api.app) as wechat_url, serve(telegram_api.app) as telegram_url:
        rt = build_runtime(make_settings(
            db_url, wechat_token=wx.TOKEN, wechat_appid=wx.APPID, wechat_secret=wx.SECRET,
            wechat_aes_key=wx.AES_KEY, wechat_api_base=wechat_url,
            telegram_token=tg.TOKEN, telegram_secret=tg.SECRET, telegram_api_base=telegram_url + "/bot",
        ), tokenizer=tokenizer, sms=sms)
        try:
            yield rt, telegram_api
        finally:
            rt.close()


def test_a_person_begun_in_wechat_continues_in_telegram(both: tuple[Runtime, FakeTelegram], sms: RecordingSms) -> None:
    rt, telegram_api = both
    id_number = make_id(seq="417")
    with serve(create_app(runtime=rt)) as base, httpx.Client(base_url=base, timeout=30) as http:
        # WeChat: follow, accept, identify, answer up to the phone number, then stop.
        wechat = wx.Person(http, wx.WeChatServer(aes_key=wx.AES_KEY), rt)
        wechat.event("subscribe")
        wechat.say("同意")
        wechat.say(id_number)
        wechat.answer_until(lambda s: s["current"] == "political_status")
        with rt.store_scope() as store:
            record = store.session.exec(select(Record)).one()
            given_in_wechat = set(store.records.current_answers(record.id or 0))
        assert {"id_number", "name", "phone", "birth_date"} <= given_in_wechat

        # Telegram: a new chat, the same ID number; a code goes to the phone given in WeChat.
        person = tg.Person(base, telegram_api, rt)
        person.command("/start")
        person.tap("同意")
        factor = person.say(id_number)
        assert "验证码" in person.texts() and len(factor) == 1
        assert sms.sent and sms.sent[-1][0] == "13912345678"
        person.say("000000" if sms.last_code() != "000000" else "111111")
        assert "验证码不对" in person.texts()
        person.say(sms.last_code())
        assert "核对通过" in person.texts() and "欢迎回来" in person.texts()
        assert person.state()["current"] == "political_status"  # where WeChat left off
        person.answer_until(lambda s: s["phase"] == "review")
        receipt = person.tap("确认提交")
        assert "提交成功" in receipt[-1]["text"]
        person.close()

    with rt.store_scope() as store:
        record = store.session.exec(select(Record)).one()  # one record, not one per channel
        assert record.status == "submitted" and record.first_channel == "wechat"
        current = store.records.current_answers(record.id or 0)
        by_channel = {key: answer.channel for key, answer in current.items()}
        assert {k for k, c in by_channel.items() if c == "wechat"} == given_in_wechat
        assert by_channel["political_status"] == "telegram" and by_channel["placement"] == "telegram"
        assert {a.channel for a in store.session.exec(select(Answer)).all()} == {"wechat", "telegram"}
        assert len(current) > len(given_in_wechat) + 5
