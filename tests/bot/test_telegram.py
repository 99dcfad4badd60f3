"""The Telegram channel: the real python-telegram-bot against a fake Bot API server on loopback.

The app runs in a real uvicorn (its lifespan starts the channel); updates are posted to /telegram
as Telegram posts them, with the secret token header; what the bot sends is read from the fake.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel
from sqlmodel import select as sm_select
from typer.testing import CliRunner

from admin.app import create_app
from admin.runtime import Runtime, build_runtime
from bot.channels.telegram import (
    APOLOGY,
    HELP,
    PRIVATE_ONLY,
    SECRET_HEADER,
    UNSUPPORTED,
    TelegramChannel,
    file_base_url,
    keyboard,
    split_text,
)
from bot.messages import Choice, Reply
from bot.questionnaire import QType
from nlu.tokenizer import Tokenizer
from storage.models import Answer, Blob, InboundMessage, Record
from tests.bot.telegram_fake import FakeTelegram
from tests.bot.test_engine_voice_seam import ScriptedTranscriber
from tests.conftest import REPO, TEST_SECRET, make_settings
from tests.helpers import default_answer, make_id, stored_value
from tests.server import serve
from voice.api import Transcript

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "intake-webhook-secret_0123456789"
USER = 5_123_456_789

TYPED = {  # answers typed (text questions); choice questions are answered by tapping a button
    "name": "张三", "ethnicity": "汉族", "birth_date": "1965年3月12日", "phone": "13912345678",
    "enlist_date": "1983年10月", "discharge_date": "1988年12月", "housing_area": "80平方米",
    "appeals": "希望解决看病难的问题",
}
TAPPED = {"recipient_kind": "退役士兵", "gender": "男", "political_status": "群众", "service_role": "义务兵",
          "placement": "自主就业", "employment": "务农", "has_housing": "是", "housing_nature": "农村自建房",
          "dibao": "否", "social_insurance": "新型农村合作医疗", "disability_subsidies": "都没有"}


# -- Telegram's side: updates as the Bot API posts them ------------------------------------------


class Updates:
    """Factories for update JSON, with increasing update ids (as Telegram numbers them)."""

    def __init__(self, user: int = USER, first_update: int = 815_300_000) -> None:
        self.user = user
        self._update_ids = itertools.count(first_update)
        self._message_ids = itertools.count(100)

    def message(self, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        """A ``message`` update from the user in the private chat (or in ``chat``)."""
        sender = {"id": self.user, "is_bot": False, "first_name": "建国", "language_code": "zh-hans"}
        return {"update_id": next(self._update_ids), "message": {
            "message_id": next(self._message_ids), "date": int(time.time()), "from": sender,
            "chat": chat or {"id": self.user, "type": "private", "first_name": "建国"}, **content}}

    def text(self, text: str) -> dict[str, Any]:
        """A typed text, or the text of a tapped reply-keyboard button."""
        return self.message(text=text)

    def command(self, command: str) -> dict[str, Any]:
        """A bot command such as ``/start`` (with its bot_command entity)."""
        length = len(command.split()[0])
        return self.message(text=command, entities=[{"type": "bot_command", "offset": 0, "length": length}])

    def voice(self, file_id: str, size: int, duration: int = 2) -> dict[str, Any]:
        """A voice note (OGG/Opus)."""
        return self.message(voice={"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": duration,
                                   "mime_type": "audio/ogg", "file_size": size})

    def photo(self, *sizes: tuple[str, int, int, int]) -> dict[str, Any]:
        """A photo in several sizes: (file_id, width, height, file_size) each."""
        return self.message(photo=[{"file_id": f, "file_unique_id": f"u{f}", "width": w, "height": h,
                                    "file_size": s} for f, w, h, s in sizes])

    def sticker(self) -> dict[str, Any]:
        """A sticker."""
        return self.message(sticker={"file_id": "CAACAgIAAxkBAAEB", "file_unique_id": "AgADsticker",
                                     "type": "regular", "width": 512, "height": 512, "is_animated": False,
                                     "is_video": False, "emoji": "👍"})

    def location(self) -> dict[str, Any]:
        """A shared location."""
        return self.message(location={"latitude": 36.0611, "longitude": 103.8343})


def buttons(sent: dict[str, Any]) -> list[str] | None:
    """The reply-keyboard buttons of a sent message; None when it removes the keyboard."""
    markup = sent.get("reply_markup")
    assert isinstance(markup, dict), f"no reply_markup in {sent}"
    if markup.get("remove_keyboard"):
        return None
    assert markup["one_time_keyboard"] is True and markup["resize_keyboard"] is True
    return [b["text"] for row in markup["keyboard"] for b in row]


class Person:
    """One Telegram user writing to the bot: posts updates to /telegram, reads what the fake got."""

    def __init__(self, base: str, fake: FakeTelegram, runtime: Runtime, user: int = USER) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.fake = fake
        self.runtime = runtime
        self.user = user
        self.updates = Updates(user)
        self.last: list[dict[str, Any]] = []

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        """Deliver an update as Telegram does (with the secret token header unless None)."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return self.http.post("/telegram", json=update, headers=headers)

    def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver an update; the messages the bot sent while handling it (the webhook waits for them)."""
        before = len(self.fake.sent)
        response = self.post(update)
        assert response.status_code == 200, response.text
        self.last = self.fake.sent[before:]
        assert all(int(m["chat_id"]) == self.user for m in self.last)
        return self.last

    def say(self, text: str) -> list[dict[str, Any]]:
        """Type a text."""
        return self.send(self.updates.text(text))

    def tap(self, label: str) -> list[dict[str, Any]]:
        """Tap a button of the keyboard shown last (Telegram sends the button's text)."""
        shown = buttons(self.last[-1])
        assert shown is not None and label in shown, f"{label!r} is not a button of {shown}"
        return self.say(label)

    def command(self, command: str) -> list[dict[str, Any]]:
        """Send a bot command."""
        return self.send(self.updates.command(command))

    def texts(self) -> str:
        """The texts of the last turn, joined."""
        return "\n".join(str(m["text"]) for m in self.last)

    def state(self) -> dict[str, Any]:
        """The stored dialogue state (to know which question is asked)."""
        with self.runtime.store_scope() as store:
            conv = store.conversations.find("telegram", str(self.user))
            assert conv is not None
            state: dict[str, Any] = store.conversations.state(conv)
            return state

    def begin(self) -> None:
        """Open the chat, accept the notice by its button and give an ID number."""
        self.command("/start")
        self.tap("同意")
        self.say(make_id())
        assert self.state()["current"] == "recipient_kind"

    def answer_until(self, stop: Callable[[dict[str, Any]], bool]) -> int:
        """Answer each question (tapping a button where one fits) until ``stop(state)``; how many were tapped."""
        q = self.runtime.questionnaires["veterans"]
        taps = 0
        for _ in range(80):
            state = self.state()
            if stop(state):
                return taps
            key = state["current"]
            question = q.by_key[key]
            shown = buttons(self.last[-1])
            if question.type in (QType.SINGLE, QType.MULTI, QType.YES_NO):
                expected = [o.label for o in question.options] if question.options else ["是", "否"]
                assert shown == expected + ([] if question.required else ["跳过"]), (key, shown)
                self.tap(TAPPED.get(key, default_answer(q, key)))
                taps += 1
            elif key in TYPED:
                assert shown is None or shown == ["跳过"], (key, shown)  # a typed answer: no options shown
                self.say(TYPED[key])
            elif shown is not None and "跳过" in shown:
                self.tap("跳过")
                taps += 1
            else:
                self.say(default_answer(q, key))
            after = self.state()
            assert after.get("current") != key or after["phase"] != "asking", f"{key} refused: {self.texts()}"
        raise AssertionError("the questionnaire did not end")

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def row_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in every table of storage.models."""
    with runtime.store_scope() as store:
        return {t.name: int(store.session.execute(select(func.count()).select_from(t)).scalar_one())
                for t in SQLModel.metadata.sorted_tables}


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[tuple[FakeTelegram, str]]:
    """The fake Bot API server and its base URL."""
    server = FakeTelegram(TOKEN)
    with serve(server.app) as url:
        yield server, url


@pytest.fixture
def make_runtime(db_url: str, tokenizer: Tokenizer, fake: tuple[FakeTelegram, str]) -> Iterator[Callable[..., Runtime]]:
    """Runtimes configured for Telegram against the fake Bot API."""
    made: list[Runtime] = []

    def build(secret: str | None = SECRET, token: str | None = TOKEN) -> Runtime:
        rt = build_runtime(make_settings(db_url, telegram_token=token, telegram_secret=secret,
                                         telegram_api_base=fake[1] + "/bot"), tokenizer=tokenizer)
        made.append(rt)
        return rt

    yield build
    for rt in made:
        rt.close()


@contextmanager
def running(runtime: Runtime, fake: FakeTelegram) -> Iterator[Person]:
    """The app served on loopback (its lifespan starts the channel) and a person talking to it."""
    with serve(create_app(runtime=runtime)) as base:
        person = Person(base, fake, runtime)
        try:
            yield person
        finally:
            person.close()


# -- the webhook: a whole questionnaire, commands -----------------------------------------------


def test_full_veterans_questionnaire_by_keyboard(make_runtime: Callable[..., Runtime],
                                                 fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        assert [c.method for c in server.calls][:1] == ["getMe"]  # the lifespan connected the bot
        notice = person.command("/start")
        assert len(notice) == 1 and "是否同意" in notice[0]["text"] and buttons(notice[0]) == ["同意", "不同意"]
        identifier = rt.questionnaires["veterans"].identifier
        assert identifier is not None
        prompt = person.tap("同意")
        assert identifier.prompt in prompt[-1]["text"] and buttons(prompt[-1]) is None  # keyboard removed
        person.say(make_id())
        taps = person.answer_until(lambda s: s["phase"] == "review")
        assert taps >= 10
        summary = person.last[-1]
        assert "请核对您填写的信息" in summary["text"] and "张三" in summary["text"]
        keys = buttons(summary)
        assert keys is not None and keys[:2] == ["确认提交", "修改"] and "修改民族" in keys  # and one per item
        edit = person.tap("修改民族")
        assert "民族" in edit[-1]["text"]
        person.say("汉族")
        summary = person.last[-1]
        assert "请核对您填写的信息" in summary["text"]
        receipt = person.tap("确认提交")
        assert "提交成功" in receipt[-1]["text"] and buttons(receipt[-1]) is None
    with rt.store_scope() as store:
        record = store.session.exec(sm_select(Record)).one()
        assert record.status == "submitted" and record.first_channel == "telegram"
        assert record.receipt and record.receipt in receipt[-1]["text"]
        answers = store.session.exec(sm_select(Answer)).all()
        assert {a.channel for a in answers} == {"telegram"}
        assert all(a.message_id is not None and a.message_id.isdigit() for a in answers)  # the update ids
        current = store.records.current_answers(record.id or 0)
        assert current["name"].value == "张三" and current["recipient_kind"].value == "02"
        assert current["employment"].value is not None and current["dibao"].value == "no"
        assert store.conversations.find("telegram", str(USER)) is not None
    # every message went to the person's private chat, as plain text
    assert {int(m["chat_id"]) for m in server.sent} == {USER} and all("parse_mode" not in m for m in server.sent)


def test_start_help_and_cancel(make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        helped = person.command("/help")  # before anything: the help, then the notice
        assert helped[0]["text"] == HELP and "是否同意" in helped[-1]["text"]
        person.tap("同意")
        person.say(make_id())
        assert person.state()["current"] == "recipient_kind"
        helped = person.command("/help")
        assert helped[0]["text"] == HELP and buttons(helped[-1])[:2] == ["退役军官", "退役士兵"]  # type: ignore[index]
        assert person.state()["current"] == "recipient_kind"  # /help answers nothing
        paused = person.command("/cancel")
        assert "已为您保存进度" in person.texts() and buttons(paused[-1]) is None
        assert person.state()["phase"] == "paused"
        again = person.command("/start")
        assert "暂停" in again[-1]["text"] and buttons(again[-1]) == ["继续"]
        back = person.tap("继续")
        assert "欢迎回来" in person.texts() and buttons(back[-1])[:2] == ["退役军官", "退役士兵"]  # type: ignore[index]
        assert person.state()["phase"] == "asking"
    with rt.store_scope() as store:
        assert store.session.exec(sm_select(Answer).where(Answer.question_key == "recipient_kind")).all() == []


def test_start_with_a_questionnaire_name_opens_that_questionnaire(make_runtime: Callable[..., Runtime],
                                                                   fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        person.command("/start disabled_update")  # a deep link t.me/<bot>?start=disabled_update
    with rt.store_scope() as store:
        conv = store.conversations.find("telegram", str(USER))
        assert conv is not None and conv.questionnaire == "disabled_update"


# -- duplicates and retries ---------------------------------------------------------------------


def test_a_redelivered_update_stores_one_answer_and_gets_the_same_replies(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        person.begin()
        update = person.updates.text("退役士兵")
        first = person.send(update)
        assert rt.questionnaires["veterans"].by_key["name"].prompt in first[-1]["text"]
        again = person.send(update)  # Telegram did not see our 200: it posts the same update again
        assert [m["text"] for m in again] == [m["text"] for m in first]
        assert person.state()["current"] == "name"  # not taken as an answer to the next question
        # four concurrent copies of one update
        copies = person.updates.text("张三")
        results: list[int] = []

        def deliver() -> None:
            with httpx.Client(base_url=str(person.http.base_url), timeout=30) as client:
                results.append(client.post("/telegram", json=copies, headers={SECRET_HEADER: SECRET}).status_code)

        threads = [threading.Thread(target=deliver) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 4
        assert person.state()["current"] == "gender"
    with rt.store_scope() as store:
        answers = store.session.exec(sm_select(Answer)).all()
        assert sorted(a.question_key for a in answers) == ["id_number", "name", "recipient_kind"]
        assert {a.message_id for a in answers if a.question_key == "recipient_kind"} == {str(update["update_id"])}
        keys = [m.message_key for m in store.session.exec(sm_select(InboundMessage)).all()]
        assert keys.count(str(update["update_id"])) == 1 and keys.count(str(copies["update_id"])) == 1


def test_a_failed_send_answers_500_and_the_retry_sends_the_stored_replies(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        person.begin()
        update = person.updates.text("退役士兵")
        server.fail("sendMessage", 502)  # the Bot API is down when the reply goes out
        response = person.post(update)
        assert response.status_code == 500  # not acknowledged: Telegram will deliver it again
        assert person.state()["current"] == "name"  # the answer was committed before sending
        retried = person.send(update)
        assert rt.questionnaires["veterans"].by_key["name"].prompt in retried[-1]["text"]
        assert len(server.calls_to("sendMessage")) == len(server.sent) + 1  # one failed attempt
        # an update that failed before its answer was committed is processed afresh when retried
        update = person.updates.text("张三")
        engine_handle = rt.engine.handle_turn
        calls = itertools.count()

        def flaky(store: Any, msg: Any) -> Any:
            if next(calls) == 0:
                raise RuntimeError("the database went away")
            return engine_handle(store, msg)

        rt.engine.handle_turn = flaky  # type: ignore[method-assign]
        before = row_counts(rt)
        assert person.post(update).status_code == 500
        assert row_counts(rt) == before  # rolled back, the message id claim too
        person.send(update)
        assert person.state()["current"] == "gender"
    with rt.store_scope() as store:
        answers = store.session.exec(sm_select(Answer).where(Answer.question_key.in_(["recipient_kind", "name"]))).all()  # type: ignore[attr-defined]
        assert sorted(a.question_key for a in answers) == ["name", "recipient_kind"]
        assert [stored_value(store.vault, a) for a in answers if a.question_key == "recipient_kind"] == ["02"]


def test_a_person_who_blocked_the_bot_is_acknowledged(make_runtime: Callable[..., Runtime],
                                                      fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        server.fail("sendMessage", 403)  # Forbidden: bot was blocked by the user; a retry cannot help
        assert person.post(person.updates.command("/start")).status_code == 200
        assert server.sent == []


# -- the secret token ---------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["wrong-secret", None, "", SECRET + "x"])
def test_bad_or_missing_secret_token_is_403_and_writes_nothing(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str], secret: str | None) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        person.begin()
        before = row_counts(rt)
        sent = len(server.calls_to("sendMessage"))
        response = person.post(person.updates.text("退役士兵"), secret=secret)
        assert response.status_code == 403
        response = person.post(person.updates.command("/start"), secret=secret)
        assert response.status_code == 403
        assert row_counts(rt) == before and len(server.calls_to("sendMessage")) == sent
        assert person.state()["current"] == "recipient_kind"


def test_without_a_configured_secret_the_webhook_is_refused(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str], caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = fake
    rt = make_runtime(secret=None)
    with caplog.at_level(logging.WARNING, logger="bot.channels.telegram"), running(rt, server) as person:
        before = row_counts(rt)
        for secret in (None, "", "anything"):
            assert person.post(person.updates.command("/start"), secret=secret).status_code == 403
        assert row_counts(rt) == before and server.sent == []
    refusals = [r.getMessage() for r in caplog.records if "no INTAKE_TELEGRAM_SECRET" in r.getMessage()]
    assert len(refusals) == 3
    assert any("INTAKE_TELEGRAM_SECRET is not set" in r.getMessage() for r in caplog.records)  # at start-up


def test_the_route_is_404_when_the_channel_is_off(make_runtime: Callable[..., Runtime],
                                                   fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime(token=None)
    with running(rt, server) as person:
        assert person.post(person.updates.command("/start")).status_code == 404
    assert server.calls == []


def test_bodies_that_are_not_updates_are_400(make_runtime: Callable[..., Runtime],
                                             fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        headers = {SECRET_HEADER: SECRET}
        assert person.http.post("/telegram", content=b"not json", headers=headers).status_code == 400
        assert person.http.post("/telegram", json=[1, 2], headers=headers).status_code == 400
        assert person.http.post("/telegram", json={"message": {}}, headers=headers).status_code == 400
        huge = person.http.post("/telegram", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=headers)
        assert huge.status_code == 413 and huge.json()["detail"] == "the JSON body is larger than 1 MiB"
        # an update kind the bot did not ask for (an edit) is acknowledged and ignored
        edit = {"update_id": 9, "edited_message": person.updates.text("x")["message"] | {"edit_date": 1}}
        assert person.post(edit).status_code == 200
    assert server.sent == []


# -- voice notes and photos ---------------------------------------------------------------------


def test_a_voice_note_without_a_recogniser_is_declined_politely(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    clip = b"OggS\x00\x02" + os.urandom(500)
    server.add_file("AwACAgIAAxkBvoice1", clip, "voice/file_1.oga")
    with running(rt, server) as person:
        person.begin()
        before = row_counts(rt)["answer"]
        replies = person.send(person.updates.voice("AwACAgIAAxkBvoice1", len(clip)))
        assert "语音" in replies[0]["text"] and "文字" in replies[0]["text"]
        assert buttons(replies[-1])[:2] == ["退役军官", "退役士兵"]  # type: ignore[index]  # asked again
        assert row_counts(rt)["answer"] == before
    assert [c.params["file_id"] for c in server.calls_to("getFile")] == ["AwACAgIAAxkBvoice1"]
    assert [c.params["path"] for c in server.calls_to("download")] == ["voice/file_1.oga"]


class RecordingTranscriber(ScriptedTranscriber):
    """The scripted recogniser of the voice-seam tests, also remembering the audio and formats given."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[tuple[bytes, str | None]] = []

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        self.heard.append((audio, fmt))
        return super().transcribe(audio, fmt, grammar)


def test_a_voice_note_is_recognised_and_stored_with_its_clip(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    recogniser = RecordingTranscriber()
    rt.engine.transcriber = recogniser
    clip = "退役士兵".encode()  # the scripted recogniser "hears" the bytes' text
    server.add_file("voice-2", clip, "voice/file_2.oga")
    with running(rt, server) as person:
        person.begin()
        replies = person.send(person.updates.voice("voice-2", len(clip)))
        assert rt.questionnaires["veterans"].by_key["name"].prompt in replies[-1]["text"]
        assert person.state()["current"] == "name"
        too_big = person.send(person.updates.voice("voice-3", 21 * 1024 * 1024))
        assert "太大" in too_big[0]["text"]
        gone = person.send(person.updates.voice("voice-gone", 900))  # getFile refuses the id
        assert "没能收到您发送的语音" in gone[0]["text"]
    assert recogniser.heard == [(clip, "ogg")]
    assert [c.params["file_id"] for c in server.calls_to("getFile")] == ["voice-2", "voice-gone"]
    with rt.store_scope() as store:
        answer = store.session.exec(sm_select(Answer).where(Answer.question_key == "recipient_kind")).one()
        assert stored_value(store.vault, answer) == "02" and answer.channel == "telegram" and answer.blob_id is not None
        assert store.blobs.read(answer.blob_id) == ("audio/ogg", clip)


def test_a_photo_for_the_photo_question_is_stored_sealed(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    small, large = b"\xff\xd8\xff\xe0small" + os.urandom(300), b"\xff\xd8\xff\xe0large" + os.urandom(4000)
    server.add_file("photo-s", small, "photos/file_3.jpg")
    server.add_file("photo-l", large, "photos/file_4.jpg")
    sizes = (("photo-s", 90, 120, len(small)), ("photo-l", 960, 1280, len(large)))
    with running(rt, server) as person:
        person.begin()
        early = person.send(person.updates.photo(*sizes))
        assert "不需要照片" in early[0]["text"]
        person.answer_until(lambda s: s.get("current") == "photo")
        assert buttons(person.last[-1]) == ["跳过"]  # the photo question is optional
        got = person.send(person.updates.photo(*sizes))
        assert got[0]["text"] == "照片已收到。"
    assert [c.params["file_id"] for c in server.calls_to("getFile")] == ["photo-l", "photo-l"]  # the largest
    with rt.store_scope() as store:
        answer = store.session.exec(sm_select(Answer).where(Answer.question_key == "photo")).one()
        assert answer.blob_id is not None and answer.channel == "telegram"
        blob = store.session.get(Blob, answer.blob_id)
        assert blob is not None and large not in blob.data_enc and b"large" not in blob.data_enc
        assert store.blobs.read(answer.blob_id) == ("image/jpeg", large)


# -- everything else ----------------------------------------------------------------------------


def test_unsupported_messages_and_group_chats_get_a_polite_reply(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    with running(rt, server) as person:
        person.begin()
        before = row_counts(rt)
        for update in (person.updates.sticker(), person.updates.location(), person.updates.command("/foo")):
            replies = person.send(update)
            assert replies[0]["text"] == UNSUPPORTED
            assert buttons(replies[-1])[:2] == ["退役军官", "退役士兵"]  # type: ignore[index]
        group = person.updates.message(chat={"id": -1001234567890, "type": "supergroup", "title": "老兵群"},
                                       text="退役士兵")
        assert person.post(group).status_code == 200
        assert server.sent[-1]["text"] == PRIVATE_ONLY and int(server.sent[-1]["chat_id"]) == -1001234567890
        after = row_counts(rt)
        assert after["answer"] == before["answer"] and after["inboundmessage"] == before["inboundmessage"]
        assert after["conversation"] == before["conversation"]
        assert person.state()["current"] == "recipient_kind"


def test_an_unreachable_bot_api_at_start_up_is_retried_on_the_next_update(
        make_runtime: Callable[..., Runtime], fake: tuple[FakeTelegram, str]) -> None:
    server, _ = fake
    rt = make_runtime()
    server.fail("getMe", 502, 502)
    with running(rt, server) as person:
        assert person.http.get("/healthz").json()["channels"]["telegram"] is True  # the service runs
        update = person.updates.command("/start")
        assert person.post(update).status_code == 503  # still down: Telegram retries later
        assert server.sent == []
        replies = person.send(update)
        assert "是否同意" in replies[-1]["text"]
    assert len(server.calls_to("getMe")) == 3


# -- the commands -------------------------------------------------------------------------------


def _command_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(PYTHONPATH=str(REPO), INTAKE_ENV="test", INTAKE_SECRET_KEY=TEST_SECRET, **values)
    return env


def test_poll_command_answers_scripted_updates(db_url: str, fake: tuple[FakeTelegram, str], tmp_path: Path,
                                               tokenizer: Tokenizer) -> None:
    server, url = fake
    server.webhook = {"url": "https://old.example/telegram"}  # polling must remove it first
    updates = Updates()
    server.updates += [updates.command("/start"), updates.text("同意"), updates.sticker()]
    env = _command_env(INTAKE_DATABASE_URL=db_url, INTAKE_TELEGRAM_TOKEN=TOKEN,
                       INTAKE_TELEGRAM_API_BASE=url + "/bot", INTAKE_CAMPAIGN_YEAR="2026")
    proc = subprocess.Popen([sys.executable, "-c", "from admin.cli import main; main()", "telegram", "poll"],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(server.sent) >= 4 or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate()
        # every update was answered; wait for getUpdates to confirm them (the next offset)
        last = server.updates[-1]["update_id"]
        wait_for(lambda: any(int(c.params.get("offset") or 0) > last for c in server.calls_to("getUpdates")))
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "polling stopped" in err
    methods = [c.method for c in server.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates") and server.webhook == {}
    texts = server.sent_texts()
    assert "是否同意" in texts[0] and buttons(server.sent[0]) == ["同意", "不同意"]
    identifier = build_runtime(make_settings(db_url), tokenizer=tokenizer)
    try:
        prompt = identifier.questionnaires["veterans"].identifier
        assert prompt is not None and prompt.prompt in texts[1]
        assert texts[2] == UNSUPPORTED and prompt.prompt in texts[3]
        with identifier.store_scope() as store:
            conv = store.conversations.find("telegram", str(USER))
            assert conv is not None and store.conversations.state(conv)["phase"] == "identify"
            assert store.messages.seen("telegram", str(server.updates[1]["update_id"])) is not None
    finally:
        identifier.close()
    assert APOLOGY not in texts


def test_poll_command_refuses_without_a_token(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "from admin.cli import main; main()", "telegram", "poll"],
                          env=_command_env(INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "INTAKE_TELEGRAM_TOKEN is not set" in proc.stderr and "BotFather" in proc.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching anything


def test_webhook_command_registers_the_url_with_the_secret(fake: tuple[FakeTelegram, str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from admin.cli import app

    server, url = fake
    for key in [k for k in os.environ if k.startswith("INTAKE_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(REPO / "tests")  # no .env here
    env = {"INTAKE_TELEGRAM_TOKEN": TOKEN, "INTAKE_TELEGRAM_API_BASE": url + "/bot",
           "INTAKE_PUBLIC_URL": "https://intake.example.cn/"}
    runner = CliRunner()
    refused = runner.invoke(app, ["telegram", "webhook"], env=env)
    assert refused.exit_code == 2 and "INTAKE_TELEGRAM_SECRET" in refused.output
    done = runner.invoke(app, ["telegram", "webhook"], env={**env, "INTAKE_TELEGRAM_SECRET": SECRET})
    assert done.exit_code == 0, done.output
    assert server.webhook["url"] == "https://intake.example.cn/telegram"
    assert server.webhook["secret_token"] == SECRET and server.webhook["allowed_updates"] == ["message"]
    removed = runner.invoke(app, ["telegram", "webhook", "--delete"], env=env)
    assert removed.exit_code == 0 and server.webhook == {}
    bad = runner.invoke(app, ["telegram", "webhook", "--delete"], env={**env, "INTAKE_TELEGRAM_TOKEN": "1:wrong"})
    assert bad.exit_code == 1 and "refused" in bad.output


# -- pieces -------------------------------------------------------------------------------------


def test_file_base_url_follows_the_api_base() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base_url("http://tg.local/bot{token}") == "http://tg.local/file/bot{token}"


def test_long_texts_are_split_at_line_breaks() -> None:
    text = "\n".join(f"第{i}行" + "字" * 50 for i in range(200))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert split_text("x" * 5000) == ["x" * 4096, "x" * 904]
    assert split_text("短") == ["短"]


def test_keyboards_send_the_choice_value_and_fit_long_labels() -> None:
    short = keyboard(Reply("?", (Choice("是", "是"), Choice("否", "否"), Choice("跳过", "跳过"))))
    assert [[b["text"] for b in row] for row in short.to_dict()["keyboard"]] == [["是", "否", "跳过"]]
    long = keyboard(Reply("?", tuple(Choice(v, v) for v in ("无军籍退休退职职工", "西路军红军老战士"))))
    assert [[b["text"] for b in row] for row in long.to_dict()["keyboard"]] == [["无军籍退休退职职工"], ["西路军红军老战士"]]
    village = keyboard(Reply("?", (Choice("东塬村", "甘肃省/兰州市/东塬村"),)))
    assert village.to_dict()["keyboard"][0][0]["text"] == "甘肃省/兰州市/东塬村"  # tapping sends the value
    assert keyboard(Reply("ok")).to_dict() == {"remove_keyboard": True}


def test_the_channel_is_named_telegram() -> None:
    assert TelegramChannel.name == "telegram"
