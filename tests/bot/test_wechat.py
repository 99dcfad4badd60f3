"""The WeChat channel through the ASGI app, signed and encrypted exactly as WeChat does (wechatpy's crypto).

The WeChat API (tokens, media, customer-service messages, menu) is a fake server on loopback.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import xmltodict
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel
from sqlmodel import select as sm_select
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from admin.app import create_app
from admin.runtime import Runtime, build_runtime
from bot.channels.wechat import GREETING, HOLDING, UNSUPPORTED, WeChatChannel
from bot.channels.wechat_api import menu_definition, split_text
from nlu.tokenizer import Tokenizer
from storage.models import Answer, Appeal, Blob, Conversation, InboundMessage, Record
from tests.bot.test_engine_voice_seam import ScriptedTranscriber
from tests.bot.wechat_fake import FakeWeChat
from tests.conftest import make_settings
from tests.helpers import default_answer, make_id
from tests.server import serve
from voice.api import Transcript

TOKEN = "intake-test-token"
APPID = "wx0123456789abcdef"
SECRET = "test-app-secret-0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat generates
ACCOUNT = "gh_0123456789ab"  # the account's original id: ToUserName of pushed messages

# The test vectors of wechatpy's own test suite (tests/test_crypto.py).
VECTOR_TOKEN = "123456"
VECTOR_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
VECTOR_APPID = "wx49f0ab532d5d035a"

HAPPY = {
    "recipient_kind": "退役士兵", "name": "张三", "gender": "男", "ethnicity": "汉族",
    "birth_date": "1965年3月12日", "phone": "13912345678", "political_status": "群众",
    "enlist_date": "1983年10月", "discharge_date": "1988年12月", "service_role": "义务兵",
    "placement": "自主就业", "employment": "务农", "has_housing": "有", "housing_area": "80平方米",
    "dibao": "没有", "appeals": "希望解决看病难的问题",
}

_msg_ids = itertools.count(6054768590064713728)


# -- WeChat's side: building signed (and encrypted) pushes, reading replies ---------------------


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the sorted parts (wechatpy's signer)."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def message_xml(user: str, msg_type: str, **fields: str | int) -> str:
    """A pushed message as WeChat's servers write it."""
    body = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()
    )
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{body}</xml>")


class HTTPResponse(Protocol):
    """What the tests read of a response (httpx's, or the TestClient's)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...


@dataclasses.dataclass
class Push:
    """One HTTP request WeChat would make: query parameters and body."""

    params: dict[str, str]
    body: bytes


class WeChatServer:
    """Plays WeChat's servers: signs, encrypts (safe mode) and posts messages to /wechat."""

    def __init__(self, token: str = TOKEN, appid: str = APPID, aes_key: str | None = None) -> None:
        self.token = token
        self.appid = appid
        self.aes_key = aes_key
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None
        # a random start, as WeChat's are: two fake servers must not sign (timestamp, nonce) alike in one second
        self._nonces = itertools.count(secrets.randbelow(10**9) + 10**9)

    def push(self, xml: str, *, timestamp: int | None = None, compatible: bool = False,
             appid: str | None = None, clear: dict[str, str] | None = None) -> Push:
        """The request for a message, signed with the token (and encrypted for ``appid``)."""
        ts, nonce = str(timestamp if timestamp is not None else int(time.time())), str(next(self._nonces))
        params = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "x"}
        if self.aes_key is None:
            return Push(params, xml.encode())
        crypto = WeChatCrypto(self.token, self.aes_key, appid or self.appid)
        envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, ts))["xml"]
        inner = {**xmltodict.parse(xml)["xml"], **(clear or {})} if compatible else {"ToUserName": ACCOUNT}
        copy = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in inner.items())
        body = f"<xml>{copy}<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        return Push(params, body.encode())

    def read(self, response: HTTPResponse) -> dict[str, str] | None:
        """The passive reply of a response (decrypted and its signature checked in safe mode); None for "success"."""
        assert response.status_code == 200, response.text
        if response.text in ("success", ""):
            return None
        reply = xmltodict.parse(response.text)["xml"]
        if self.crypto is not None:
            plain = self.crypto.decrypt_message(response.text, reply["MsgSignature"], reply["TimeStamp"],
                                                reply["Nonce"])
            reply = xmltodict.parse(plain)["xml"]
        return dict(reply)


class Person:
    """One WeChat user talking to the account through an HTTP client."""

    def __init__(self, client: TestClient | httpx.Client, wx: WeChatServer, runtime: Runtime,
                 user: str = "oyORnuP8q7ou2gfYjqLzSIWZf0rs") -> None:
        self.client = client
        self.wx = wx
        self.runtime = runtime
        self.user = user

    def post(self, push: Push) -> HTTPResponse:
        """Deliver a request to /wechat."""
        return self.client.post("/wechat", params=push.params, content=push.body)

    def send(self, msg_type: str, **fields: str | int) -> str | None:
        """Send a message; the text of the passive reply (None for "success")."""
        if msg_type != "event":
            fields.setdefault("MsgId", next(_msg_ids))
        reply = self.wx.read(self.post(self.wx.push(message_xml(self.user, msg_type, **fields))))
        if reply is None:
            return None
        assert reply["MsgType"] == "text" and reply["ToUserName"] == self.user and reply["FromUserName"] == ACCOUNT
        return reply["Content"]

    def say(self, text: str) -> str:
        """Send a text; the passive reply's text."""
        reply = self.send("text", Content=text)
        assert reply is not None
        return reply

    def event(self, event: str, key: str | None = None) -> str | None:
        """Send an event (subscribe, CLICK ...)."""
        fields: dict[str, str | int] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.send("event", **fields)

    def state(self) -> dict[str, Any]:
        """The stored dialogue state (to know which question is asked)."""
        with self.runtime.store_scope() as store:
            conv = store.conversations.find("wechat", self.user)
            assert conv is not None
            state: dict[str, Any] = store.conversations.state(conv)
            return state

    def answer_until(self, stop: Callable[[dict[str, Any]], bool], answers: dict[str, str] | None = None) -> str:
        """Answer the questions asked (given answers, else defaults) until ``stop(state)``; the last reply."""
        q = self.runtime.questionnaires["veterans"]
        answers = {**HAPPY, **(answers or {})}
        last = ""
        for _ in range(80):
            state = self.state()
            if stop(state):
                return last
            key = state["current"]
            text = "是" if state.get("confirming") == key else answers.get(key, default_answer(q, key))
            last = self.say(text)
            after = self.state()
            assert after.get("current") != key or after["phase"] != "asking", f"{key} refused: {last}"
        raise AssertionError("the questionnaire did not end")

    def begin(self) -> None:
        """Follow the account, accept the notice and give an ID number."""
        greeting = self.event("subscribe")
        assert greeting is not None and GREETING in greeting
        self.say("同意")
        self.say(make_id())
        assert self.state()["current"] == "recipient_kind"


def row_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in every table but the replay guard's memory of signatures seen (storage.replay), which is no data."""
    with runtime.store_scope() as store:
        return {t.name: int(store.session.execute(select(func.count()).select_from(t)).scalar_one())
                for t in SQLModel.metadata.sorted_tables if t.name != "signedrequest"}


def channel_of(app: FastAPI) -> WeChatChannel:
    """The running WeChat channel of an app."""
    channel = app.state.channels["wechat"]
    assert isinstance(channel, WeChatChannel)
    return channel


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[tuple[FakeWeChat, str]]:
    """The fake WeChat API server and its base URL."""
    server = FakeWeChat(APPID, SECRET)
    with serve(server.app) as url:
        yield server, url


@pytest.fixture
def make_runtime(db_url: str, tokenizer: Tokenizer, fake: tuple[FakeWeChat, str]) -> Iterator[Callable[..., Runtime]]:
    """Runtimes configured for WeChat against the fake API (safe mode unless aes_key=None)."""
    made: list[Runtime] = []

    def build(aes_key: str | None = AES_KEY, token: str = TOKEN, appid: str = APPID) -> Runtime:
        rt = build_runtime(make_settings(db_url, wechat_token=token, wechat_appid=appid, wechat_secret=SECRET,
                                         wechat_aes_key=aes_key, wechat_api_base=fake[1]), tokenizer=tokenizer)
        made.append(rt)
        return rt

    yield build
    for rt in made:
        rt.close()


# -- URL verification and the crypto vectors ----------------------------------------------------


def test_url_verification_plaintext_and_safe(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime(aes_key=None)
    app = create_app(runtime=rt)
    with TestClient(app) as client:
        ts, nonce = str(int(time.time())), "28476543"
        good = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "9170381622"}
        r = client.get("/wechat", params=good)
        assert r.status_code == 200 and r.text == "9170381622"
        assert client.get("/wechat", params={**good, "signature": "0" * 40}).status_code == 403
        assert client.get("/wechat", params={**good, "nonce": "28476544"}).status_code == 403
        old = str(int(ts) - 301)
        stale = {**good, "timestamp": old, "signature": sign(TOKEN, old, nonce)}
        assert client.get("/wechat", params=stale).status_code == 403
        assert client.get("/wechat").status_code == 403

    # safe mode: the encrypted echostr of wechatpy's test vectors, checked with msg_signature and decrypted
    rt = make_runtime(aes_key=VECTOR_AES_KEY, token=VECTOR_TOKEN, appid=VECTOR_APPID)
    app = create_app(runtime=rt)
    vector = {"msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "timestamp": "1411443780",
              "nonce": "437374425",
              "echostr": "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="}
    with TestClient(app) as client:
        assert client.get("/wechat", params=vector).status_code == 403  # 2014: outside the time window
        channel_of(app).clock = lambda: 1411443780 + 12
        r = client.get("/wechat", params=vector)
        assert r.status_code == 200 and r.text == "5927782489442352469"
        assert client.get("/wechat", params={**vector, "nonce": "437374424"}).status_code == 403  # the failing vector
        # an official account's plain check still works in safe mode
        plain = {"signature": sign(VECTOR_TOKEN, "1411443780", "1"), "timestamp": "1411443780", "nonce": "1",
                 "echostr": "abc"}
        assert client.get("/wechat", params=plain).text == "abc"


def test_wechatpy_crypto_vector_is_decrypted_and_answered(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime(aes_key=VECTOR_AES_KEY, token=VECTOR_TOKEN, appid=VECTOR_APPID)
    app = create_app(runtime=rt)
    xml = """<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=]]></Encrypt>
<AgentID><![CDATA[1]]></AgentID>
</xml>"""
    params = {"msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "timestamp": "1411525903",
              "nonce": "461056294", "encrypt_type": "aes", "signature": sign(VECTOR_TOKEN, "1411525903", "461056294")}
    wx = WeChatServer(VECTOR_TOKEN, VECTOR_APPID, VECTOR_AES_KEY)
    with TestClient(app) as client:
        before = row_counts(rt)
        assert client.post("/wechat", params=params, content=xml).status_code == 403  # stale in real time
        assert row_counts(rt) == before
        channel_of(app).clock = lambda: 1411525903 + 1
        reply = wx.read(client.post("/wechat", params=params, content=xml))
    # the vector's message is a text "test" from "messense": a new conversation, answered with the notice
    assert reply is not None and reply["ToUserName"] == "messense" and "是否同意" in reply["Content"]
    with rt.store_scope() as store:
        assert store.conversations.find("wechat", "messense") is not None
        assert store.messages.seen("wechat", "msg:4363689963896700987") is not None


# -- full questionnaires ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plaintext", "safe", "compatible"])
def test_full_veterans_questionnaire(make_runtime: Callable[..., Runtime], mode: str) -> None:
    rt = make_runtime(aes_key=None if mode == "plaintext" else AES_KEY)
    wx = WeChatServer(aes_key=None if mode == "plaintext" else AES_KEY)
    if mode == "compatible":
        wx_push = wx.push
        wx.push = lambda xml, **kw: wx_push(xml, compatible=True, **kw)  # type: ignore[method-assign]
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        first = person.event("subscribe")
        assert first is not None and first.startswith(GREETING) and "是否同意" in first
        assert first.endswith("请回复：同意 / 不同意")
        identifier = rt.questionnaires["veterans"].identifier
        assert identifier is not None and identifier.prompt in person.say("同意")
        person.say(make_id())
        summary = person.answer_until(lambda s: s["phase"] == "review")
        assert "请核对您填写的信息" in summary and "张三" in summary
        assert summary.endswith("请回复：确认提交 / 修改")
        receipt_text = person.say("确认提交")
        assert "提交成功" in receipt_text
    with rt.store_scope() as store:
        record = store.session.exec(sm_select(Record)).one()
        assert record.status == "submitted" and record.first_channel == "wechat"
        assert record.receipt and record.receipt in receipt_text
        answers = store.session.exec(sm_select(Answer)).all()
        assert {a.channel for a in answers} == {"wechat"}
        current = store.records.current_answers(record.id or 0)
        assert current["name"].value == "张三" and current["employment"].value is not None
        # every message was stored once, with the reply it got
        assert len(store.session.exec(sm_select(InboundMessage)).all()) >= len(HAPPY)


def test_compatible_mode_trusts_only_the_ciphertext(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    wx = WeChatServer(aes_key=AES_KEY)
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        person.event("subscribe")
        xml = message_xml(person.user, "text", Content="同意", MsgId=next(_msg_ids))
        reply = wx.read(person.post(wx.push(xml, compatible=True, clear={"Content": "不同意"})))
        assert reply is not None and "不同意" not in reply["Content"] and "不会保存" not in reply["Content"]
        assert person.state()["phase"] == "identify"  # the encrypted 同意 was taken


def test_long_replies_are_split_and_the_rest_sent_by_customer_service(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeWeChat, str]) -> None:
    server, _ = fake
    rt = make_runtime(aes_key=None)
    long_appeal = "希望解决看病难的问题，" * 80  # about 2,400 bytes: the read-back cannot fit one message
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, WeChatServer(), rt)
        person.begin()
        first = person.answer_until(lambda s: s["phase"] == "review", {"appeals": long_appeal})
        wait_for(lambda: len(server.sent) >= 1)
        time.sleep(0.3)
    assert len(first.encode()) <= 2048 and "请核对您填写的信息" in first
    rest = [m["text"]["content"] for m in server.sent]
    assert all(len(t.encode()) <= 2048 for t in rest) and all(m["touser"] == person.user for m in server.sent)
    whole = "".join([first, *rest]).replace("\n", "")
    assert long_appeal in whole and whole.endswith("请回复：确认提交 / 修改")


def test_routes_answer_404_when_the_channel_is_off(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/wechat", params={"echostr": "x"}).status_code == 404
        assert client.post("/wechat", content=b"<xml/>").status_code == 404


# -- forged requests ----------------------------------------------------------------------------


def _tamper_encrypt(push: Push) -> Push:
    body = push.body.decode()
    start = body.index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
    flipped = "A" if body[start + 20] != "A" else "B"
    return Push(push.params, (body[:start + 20] + flipped + body[start + 21:]).encode())


def _resign(push: Push, token: str = TOKEN) -> Push:
    """Recompute msg_signature over the (tampered) ciphertext, as someone knowing only the token could."""
    encrypt = xmltodict.parse(push.body)["xml"]["Encrypt"]
    p = push.params
    return Push({**p, "msg_signature": sign(token, p["timestamp"], p["nonce"], encrypt)}, push.body)


FORGED_PLAINTEXT: dict[str, Callable[[WeChatServer, str], Push]] = {
    "tampered signature": lambda wx, xml: dataclasses.replace(
        wx.push(xml), params={**wx.push(xml).params, "signature": "f" * 40}),
    "signed with another token": lambda wx, xml: WeChatServer(token="other-token").push(xml),
    "stale timestamp": lambda wx, xml: wx.push(xml, timestamp=int(time.time()) - 301),
    "future timestamp": lambda wx, xml: wx.push(xml, timestamp=int(time.time()) + 301),
    "no parameters": lambda wx, xml: Push({}, xml.encode()),
    "unknown encrypt_type": lambda wx, xml: Push({**wx.push(xml).params, "encrypt_type": "rsa"}, xml.encode()),
}
FORGED_SAFE: dict[str, Callable[[WeChatServer, str], Push]] = {
    "tampered msg_signature": lambda wx, xml: Push({**(p := wx.push(xml)).params, "msg_signature": "0" * 40}, p.body),
    "tampered body": lambda wx, xml: _tamper_encrypt(wx.push(xml)),
    "tampered body, re-signed with the token": lambda wx, xml: _resign(_tamper_encrypt(wx.push(xml))),
    "wrong AppID": lambda wx, xml: wx.push(xml, appid="wx9999999999999999"),
    "stale timestamp": lambda wx, xml: wx.push(xml, timestamp=int(time.time()) - 400),
    "tampered signature": lambda wx, xml: Push({**(p := wx.push(xml)).params, "signature": "1" * 40}, p.body),
    "plaintext to a safe-mode account": lambda wx, xml: WeChatServer(aes_key=None).push(xml),
}


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_forged_requests_get_403_and_write_nothing(make_runtime: Callable[..., Runtime], mode: str) -> None:
    aes = AES_KEY if mode == "safe" else None
    rt = make_runtime(aes_key=aes)
    wx = WeChatServer(aes_key=aes)
    forged = FORGED_SAFE if mode == "safe" else FORGED_PLAINTEXT
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        before = row_counts(rt)
        for name, build in forged.items():
            for xml in (message_xml(person.user, "text", Content="同意", MsgId=next(_msg_ids)),
                        message_xml(person.user, "event", Event="subscribe")):
                r = person.post(build(wx, xml))
                assert r.status_code == 403, f"{name}: {r.status_code} {r.text}"
            assert row_counts(rt) == before, name
        # the same message, properly signed, does write (so the counting above can see writes)
        assert "是否同意" in (person.event("subscribe") or "")
        assert row_counts(rt)["conversation"] == before["conversation"] + 1


def test_signed_but_unreadable_body_is_a_400(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime(aes_key=None)
    wx = WeChatServer()
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        before = row_counts(rt)
        assert person.post(wx.push("not xml")).status_code == 400
        assert person.post(wx.push("<xml><MsgType>text</MsgType></xml>")).status_code == 400
        assert person.post(Push(wx.push("x").params, b"<xml>" + b"a" * 70000 + b"</xml>")).status_code == 413
        assert row_counts(rt) == before


# -- de-duplication -----------------------------------------------------------------------------


def test_four_concurrent_copies_store_one_answer(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    wx = WeChatServer(aes_key=AES_KEY)
    # two app instances on one database, as two workers behind a load balancer
    with serve(create_app(runtime=rt)) as url_a, serve(create_app(runtime=rt)) as url_b, \
            httpx.Client(base_url=url_a, timeout=30) as a, httpx.Client(base_url=url_b, timeout=30) as b:
        person = Person(a, wx, rt)
        person.begin()
        person.say("退役士兵")
        assert person.state()["current"] == "name"
        push = wx.push(message_xml(person.user, "text", Content="张三", MsgId=next(_msg_ids)))
        barrier = threading.Barrier(4)
        results: list[HTTPResponse] = []

        def copy(client: httpx.Client) -> None:
            barrier.wait()
            results.append(client.post("/wechat", params=push.params, content=push.body))

        threads = [threading.Thread(target=copy, args=(c,)) for c in (a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        replies = [wx.read(r) for r in results]
    assert len(replies) == 4 and all(r is not None for r in replies)
    texts = {r["Content"] for r in replies if r is not None}
    assert len(texts) == 1 and "性别" in texts.pop()
    with rt.store_scope() as store:
        names = store.session.exec(sm_select(Answer).where(Answer.question_key == "name")).all()
        assert len(names) == 1
        assert store.session.exec(sm_select(Answer).where(Answer.question_key == "gender")).all() == []
    assert person.state()["current"] == "gender"


# -- events and other message types -------------------------------------------------------------


def test_events_menu_clicks_and_unknown_types(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    wx = WeChatServer(aes_key=AES_KEY)
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        before = row_counts(rt)
        assert person.event("unsubscribe") is None  # nothing to say, no error, nothing stored
        assert person.event("VIEW", "https://example.org/") is None
        assert person.event("TEMPLATESENDJOBFINISH") is None
        assert row_counts(rt) == before
        notice = person.event("subscribe")
        assert notice is not None and GREETING in notice and "是否同意" in notice and "请回复：同意 / 不同意" in notice
        assert "是否同意" in (person.event("CLICK", "START") or "")  # START resumes: the notice again
        # message types the chat cannot take get a polite reply, never a 500
        for msg_type, fields in (("video", {"MediaId": "v1", "ThumbMediaId": "t1"}),
                                 ("location", {"Location_X": "36.06", "Location_Y": "103.83", "Scale": 15,
                                               "Label": "兰州"}),
                                 ("holographic", {"Whatever": "x"})):
            assert person.send(msg_type, **fields) == UNSUPPORTED
        assert person.event("CLICK", "NO_SUCH_KEY") is None
        # HUMAN opens an appeal for the hotline
        reply = person.event("CLICK", "HUMAN") or ""
        assert "转人工" in reply
        with rt.store_scope() as store:
            appeal = store.session.exec(sm_select(Appeal)).one()
            assert appeal.channel == "wechat" and appeal.channel_user_id == person.user and appeal.source == "chat"
        # CONTINUE sends "继续": a paused conversation goes on; MY_RECORD shows where it stands
        person.say("同意")
        person.say(make_id())
        person.say("暂停")
        assert person.state()["phase"] == "paused"
        assert "继续" in (person.event("CLICK", "CONTINUE") or "")
        assert person.state()["phase"] == "asking"
        prompt = rt.questionnaires["veterans"].by_key["recipient_kind"].prompt
        assert prompt in (person.event("CLICK", "MY_RECORD") or "")


# -- photos and voice ---------------------------------------------------------------------------


def test_photo_is_downloaded_and_stored_sealed(make_runtime: Callable[..., Runtime],
                                               fake: tuple[FakeWeChat, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    wx = WeChatServer(aes_key=AES_KEY)
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)
    server.media["early-photo"] = (photo, "image/png")
    server.media["photo-1"] = (photo, "image/png")
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        person.begin()
        assert "不需要照片" in (person.send("image", PicUrl="http://x/1.png", MediaId="early-photo") or "")
        assert "没能收到" in (person.send("image", PicUrl="http://x/2.png", MediaId="gone") or "")
        person.answer_until(lambda s: s.get("current") == "photo")
        server.expire_tokens()  # wechatpy fetches a new token and retries
        reply = person.send("image", PicUrl="http://x/3.png", MediaId="photo-1")
        assert reply is not None and reply.startswith("照片已收到。")
    assert [c.params["media_id"] for c in server.calls_to("/cgi-bin/media/get")] == [
        "early-photo", "gone", "photo-1", "photo-1"]
    assert len(server.calls_to("/cgi-bin/token")) == 2  # cached, refreshed once when it expired
    with rt.store_scope() as store:
        answer = store.session.exec(sm_select(Answer).where(Answer.question_key == "photo")).one()
        assert answer.blob_id is not None and answer.channel == "wechat"
        blob = store.session.get(Blob, answer.blob_id)
        assert blob is not None and photo not in blob.data_enc
        assert store.blobs.read(answer.blob_id) == ("image/png", photo)


def test_voice_without_a_recogniser_is_declined_politely(make_runtime: Callable[..., Runtime],
                                                         fake: tuple[FakeWeChat, str]) -> None:
    server, _ = fake
    rt = make_runtime(aes_key=None)
    server.media["voice-1"] = (b"#!AMR\n" + os.urandom(300), "audio/amr")
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, WeChatServer(), rt)
        person.begin()
        reply = person.send("voice", MediaId="voice-1", Format="amr")
        assert reply is not None and "语音" in reply and "文字" in reply
    assert [c.params["media_id"] for c in server.calls_to("/cgi-bin/media/get")] == ["voice-1"]
    assert person.state()["current"] == "recipient_kind"


class SlowTranscriber(ScriptedTranscriber):
    """The scripted recogniser, taking ``delay`` seconds per message; counts its calls."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.formats: list[str | None] = []

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        self.formats.append(fmt)
        time.sleep(self.delay)
        return super().transcribe(audio, fmt, grammar)


def test_slow_voice_gets_a_holding_reply_then_one_customer_service_message(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeWeChat, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    slow = SlowTranscriber(delay=1.5)
    rt.engine.transcriber = slow
    wx = WeChatServer(aes_key=AES_KEY)
    server.media["voice-slow"] = ("退役士兵".encode(), "audio/amr")
    app = create_app(runtime=rt)
    with TestClient(app) as client:
        channel = channel_of(app)
        channel.config = dataclasses.replace(channel.config, reply_deadline=0.3)
        person = Person(client, wx, rt)
        person.begin()
        msg_id = next(_msg_ids)
        push = wx.push(message_xml(person.user, "voice", MediaId="voice-slow", Format="amr", MsgId=msg_id))
        started = time.monotonic()
        first = wx.read(person.post(push))
        assert time.monotonic() - started < 1.2  # answered before recognition finished
        assert first is not None and first["Content"] == HOLDING
        retry = person.post(push)  # WeChat's retry while the work is in flight: nothing new starts
        assert retry.status_code == 200 and wx.read(retry) is None
        wait_for(lambda: len(server.sent) >= 1 and channel.in_flight == 0)
        time.sleep(0.3)
        assert len(slow.grammars) == 1 and slow.formats == ["amr"]
        assert len(server.calls_to("/cgi-bin/media/get")) == 1
        (sent,) = server.sent
        prompt = rt.questionnaires["veterans"].by_key["name"].prompt
        assert sent["touser"] == person.user and sent["msgtype"] == "text" and prompt in sent["text"]["content"]
        # a late retry gets the stored replies, and nothing is recognised, stored or sent again
        late = wx.read(person.post(push))
        assert late is not None and late["Content"] == sent["text"]["content"]
        assert len(slow.grammars) == 1 and len(server.sent) == 1
    with rt.store_scope() as store:
        kinds = store.session.exec(sm_select(Answer).where(Answer.question_key == "recipient_kind")).all()
        assert len(kinds) == 1 and kinds[0].blob_id is not None
        assert store.blobs.read(kinds[0].blob_id) == ("audio/amr", "退役士兵".encode())
        claimed = store.session.exec(sm_select(InboundMessage).where(InboundMessage.message_key == f"msg:{msg_id}"))
        assert len(claimed.all()) == 1
        conv = store.session.exec(sm_select(Conversation)).one()
        assert store.conversations.state(conv)["current"] == "name"


# -- replies longer than WeChat allows ----------------------------------------------------------


def test_split_text_keeps_messages_within_2048_bytes() -> None:
    text = "\n".join(f"第{i}行：" + "退役军人信息采集" * 12 for i in range(40)) + "\n" + "长" * 1500
    chunks = split_text(text)
    assert len(chunks) > 1 and all(len(c.encode()) <= 2048 for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")
    assert split_text("短消息") == ["短消息"] and split_text("") == []


# -- the menu command ---------------------------------------------------------------------------


def test_menu_command_creates_the_menu(fake: tuple[FakeWeChat, str], tmp_path: Path) -> None:
    server, url = fake
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    cmd = [sys.executable, "-c", "from admin.cli import main; main()", "wechat", "menu"]
    refused = subprocess.run(cmd, env={**env, "INTAKE_WECHAT_API_BASE": url}, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "INTAKE_WECHAT_APPID" in refused.stderr
    assert server.calls == []
    done = subprocess.run(cmd, env={**env, "INTAKE_WECHAT_APPID": APPID, "INTAKE_WECHAT_SECRET": SECRET,
                                    "INTAKE_WECHAT_API_BASE": url}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "menu created" in done.stdout
    (token,) = server.calls_to("/cgi-bin/token")
    assert token.params["appid"] == APPID and token.params["secret"] == SECRET
    (created,) = server.calls_to("/cgi-bin/menu/create")
    assert created.body == menu_definition()
    labels = [b["name"] for b in created.body["button"]] + [
        s["name"] for b in created.body["button"] for s in b.get("sub_button", [])]
    assert {"开始登记", "继续填写", "我的登记", "人工服务"} <= set(labels)
    keys = {s.get("key") for b in created.body["button"] for s in [b, *b.get("sub_button", [])]}
    assert {"START", "CONTINUE", "MY_RECORD", "HUMAN"} <= keys
    wrong = subprocess.run(cmd, env={**env, "INTAKE_WECHAT_APPID": APPID, "INTAKE_WECHAT_SECRET": "wrong",
                                     "INTAKE_WECHAT_API_BASE": url}, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 1 and "40125" in wrong.stderr
