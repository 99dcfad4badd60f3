"""The engine's voice seam: audio goes through a Transcriber, the clip is kept with the answer.

The recogniser here is a scripted stand-in so that the engine's plumbing is tested on its own;
recognition with the real Vosk model is tested in tests/voice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select

from admin.runtime import Runtime
from bot.messages import Incoming
from storage.models import Answer, Flag
from tests.conftest import Chat
from tests.helpers import make_id
from voice.api import AudioError, Transcript


class ScriptedTranscriber:
    """Returns the text given in the audio bytes (utf-8), remembering the grammar it was asked with."""

    def __init__(self) -> None:
        self.grammars: list[Sequence[str] | None] = []

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        self.grammars.append(grammar)
        if audio == b"corrupt":
            raise AudioError("cannot decode")
        text, _, conf = audio.decode().partition("|")
        return Transcript(text=text, confidence=float(conf or 0.95), words=(), seconds=1.0)


def test_voice_answers_use_the_question_grammar_and_keep_the_clip(runtime: Runtime) -> None:
    fake = ScriptedTranscriber()
    runtime.engine.transcriber = fake
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.say(make_id())
    assert chat.asking == "recipient_kind"

    def speak(audio: bytes) -> None:
        chat.replies = runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=audio,
                                                    audio_format="wav", at=chat.now, message_id=audio.hex()[:60]))

    speak(b"corrupt")
    assert chat.replies[0].kind == "error" and "再说一遍" in chat.replies[0].text
    speak("退役士兵".encode())
    assert chat.asking == "name"
    assert fake.grammars[-1] is not None and "退役士兵" in fake.grammars[-1]
    speak("张三|0.4".encode())  # heard with low confidence: read back before anything is stored
    assert fake.grammars[-1:] == [None]  # a name is decoded freely
    assert chat.last.kind == "confirm" and "张三" in chat.last.text
    speak("对".encode())
    assert chat.asking == "gender"
    assert fake.grammars[-1] is not None and "不对" in fake.grammars[-1]  # the read-back has a yes/no grammar
    with runtime.store_scope() as store:
        answers = {a.question_key: a for a in store.session.exec(select(Answer)).all()}
        kind, name = answers["recipient_kind"], answers["name"]
        assert kind.blob_id is not None and store.blobs.read(kind.blob_id) == ("audio/wav", "退役士兵".encode())
        assert name.value_json is None and store.vault.open_json(name.value_enc or b"") == "张三"  # sealed
        assert name.blob_id is not None and name.blob_id != kind.blob_id
        assert store.blobs.read(name.blob_id) == ("audio/wav", "张三|0.4".encode())  # the clip of the answer
        assert store.session.exec(select(Flag)).all() == []  # confirmed by the person


def test_voice_without_a_recogniser_is_declined_politely(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    replies = runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=b"x", audio_format="amr"))
    assert "语音" in replies[0].text and replies[-1].kind == "notice"


def test_spoken_yes_no_and_doubtful_answers_are_read_back(runtime: Runtime) -> None:
    runtime.engine.transcriber = ScriptedTranscriber()
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.say(make_id())

    def speak(text: str) -> None:
        chat.replies = runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=text.encode(),
                                                    audio_format="wav", at=chat.now))

    speak("自主就业|0.3")  # a doubtful hearing at the kind question: read back, not stored
    assert chat.last.kind == "confirm" and "自主就业" in chat.last.text and chat.asking == "recipient_kind"
    speak("不对")
    assert chat.asking == "recipient_kind" and chat.last.kind == "question"
    speak("退役士兵")  # heard clearly: taken at once
    assert chat.asking == "name"
    for text in ("张三", "男", "汉族", "1965年3月12日", "13912345678", "群众", "1983年", "1988年", "义务兵",
                 "跳过", "跳过", "兰州市", "自主就业", "务农"):
        chat.say(text)
    assert chat.asking == "has_housing"
    speak("没有")  # a spoken yes/no is always confirmed
    assert chat.last.kind == "confirm" and "没有" in chat.last.text
    speak("对")
    assert chat.asking != "has_housing"
    with runtime.store_scope() as store:
        answers = {a.question_key: a for a in store.session.exec(select(Answer)).all() if a.is_current}
    assert answers["has_housing"].value_json == '"no"' and answers["has_housing"].blob_id is not None
    assert store.vault.open(answers["has_housing"].raw_enc or b"") == "没有"


def test_dates_phones_and_numbers_are_heard_with_their_own_recognition_mode(runtime: Runtime) -> None:
    fake = ScriptedTranscriber()
    runtime.engine.transcriber = fake
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.say(make_id())

    def speak(text: str) -> None:
        chat.replies = runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=text.encode(),
                                                    audio_format="wav", at=chat.now))

    for text in ("退役士兵", "张三", "男", "汉族"):
        chat.say(text)
    assert chat.asking == "birth_date"
    speak("一九六五年三月十二日")
    date_grammar = fake.grammars[-1]
    assert date_grammar is not None and "一九六五年三月" in date_grammar and "三月十二日" in date_grammar
    assert "三月" not in date_grammar and "转人工" in date_grammar  # a month alone is no answer
    assert chat.asking == "phone"
    speak("一三九一二三四五六七八")
    assert fake.grammars[-1] is not None and {"幺", "零", "九", "手机号码是"} <= set(fake.grammars[-1])
    assert chat.asking == "political_status"
    for text in ("群众", "1983年", "1988年", "义务兵", "跳过", "跳过", "兰州市", "自主就业", "务农", "有",
                 "农村自建房"):
        chat.say(text)
    assert chat.asking == "housing_area"
    speak("八十平方米")
    assert fake.grammars[-1] is None  # numbers are decoded freely (bot/grammar.py says why)
    assert chat.asking != "housing_area"
    with runtime.store_scope() as store:
        answers = {a.question_key: a for a in store.session.exec(select(Answer)).all() if a.is_current}
        birth = store.vault.open_json(answers["birth_date"].value_enc or b"")  # a birth date is sealed
    assert birth["start"] == "1965-03-12" and answers["birth_date"].blob_id is not None
    assert answers["phone"].blob_id is not None and answers["housing_area"].blob_id is not None
