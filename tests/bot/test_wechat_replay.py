"""WeChat plaintext mode: a captured signed query string cannot carry another body, while WeChat's own retries
(the same request again) are still answered as the first time. Signed with wechatpy's real signer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer
from storage.replay import SignedRequest, SignedRequests
from tests.bot.test_wechat import (  # noqa: F401, F811  (fixtures)
    AES_KEY,
    Person,
    Push,
    WeChatServer,
    _msg_ids,
    fake,
    make_runtime,
    message_xml,
    row_counts,
)
from tests.server import serve


def test_a_signature_replayed_with_another_body_is_refused(make_runtime: Callable[..., Runtime]) -> None:  # noqa: F811
    rt = make_runtime(aes_key=None)
    wx = WeChatServer()
    # two app instances on one database, as two worker processes: the second knows what the first saw
    with serve(create_app(runtime=rt)) as url_a, serve(create_app(runtime=rt)) as url_b, \
            httpx.Client(base_url=url_a, timeout=30) as a, httpx.Client(base_url=url_b, timeout=30) as b:
        person = Person(a, wx, rt)
        person.begin()
        captured = wx.push(message_xml(person.user, "text", Content="退役士兵", MsgId=next(_msg_ids)))
        first = wx.read(a.post("/wechat", params=captured.params, content=captured.body))
        assert first is not None and person.state()["current"] == "name"
        before = row_counts(rt)
        # the attacker keeps the signed query string and sends another message, as another person
        forged = message_xml("o-attacker", "text", Content="同意", MsgId=next(_msg_ids)).encode()
        for client in (a, b):
            r = client.post("/wechat", params=captured.params, content=forged)
            assert r.status_code == 403, r.text
        # and the same person's next answer, under the old signature
        forged = message_xml(person.user, "text", Content="李四", MsgId=next(_msg_ids)).encode()
        assert b.post("/wechat", params=captured.params, content=forged).status_code == 403
        assert row_counts(rt) == before and person.state()["current"] == "name"
        # WeChat's retry of the captured request itself, to either worker, is answered as the first time
        for client in (a, b):
            again = wx.read(client.post("/wechat", params=captured.params, content=captured.body))
            assert again is not None and again["Content"] == first["Content"]
    with rt.store_scope() as store:
        assert len(store.session.exec(select(Answer).where(Answer.question_key == "recipient_kind")).all()) == 1


def test_safe_mode_replays_are_refused_too(make_runtime: Callable[..., Runtime]) -> None:  # noqa: F811
    rt = make_runtime(aes_key=AES_KEY)
    wx = WeChatServer(aes_key=AES_KEY)
    with TestClient(create_app(runtime=rt)) as client:
        person = Person(client, wx, rt)
        person.begin()
        captured = wx.push(message_xml(person.user, "text", Content="退役士兵", MsgId=next(_msg_ids)))
        assert wx.read(person.post(captured)) is not None
        other = wx.push(message_xml(person.user, "text", Content="李四", MsgId=next(_msg_ids)))
        assert person.post(Push(captured.params, other.body)).status_code == 403
        assert wx.read(person.post(captured)) is not None  # the retry


def test_remembered_signatures_are_pruned_after_the_window(runtime: Runtime) -> None:
    signed = SignedRequests(runtime.db)
    now = 1_800_000_000.0
    assert signed.first_use("wechat", "sig", "1", "n1", b"a", valid_until=now + 300, now=now)
    assert signed.first_use("wechat", "sig", "1", "n1", b"a", valid_until=now + 300, now=now + 1)  # a retry
    assert not signed.first_use("wechat", "sig", "1", "n1", b"b", valid_until=now + 300, now=now + 2)
    assert signed.first_use("wechat", "sig", "2", "n2", b"c", valid_until=now + 300, now=now + 2)
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(SignedRequest)).all()) == 2
    # ten minutes on, both have left the window: the next request prunes them
    assert signed.first_use("wechat", "sig", "3", "n3", b"d", valid_until=now + 900, now=now + 600)
    with runtime.store_scope() as store:
        assert [r.key for r in store.session.exec(select(SignedRequest)).all()].__len__() == 1
