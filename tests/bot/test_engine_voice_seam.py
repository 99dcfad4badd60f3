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
    speak("张三|0.4".encode())  # heard with low confidence: kept, flagged
    with runtime.store_scope() as store:
        answers = {a.question_key: a for a in store.session.exec(select(Answer)).all()}
        kind, name = answers["recipient_kind"], answers["name"]
        assert kind.blob_id is not None and store.blob_bytes(kind.blob_id) == ("audio/wav", "退役士兵".encode())
        assert name.confidence == 0.4
        assert [(f.question_key, f.reason) for f in store.session.exec(select(Flag)).all()] == [
            ("name", "low_confidence")]
    assert fake.grammars[-1] is None  # a name is decoded freely


def test_voice_without_a_recogniser_is_declined_politely(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans")
    chat.start()
    replies = runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=b"x", audio_format="amr"))
    assert "语音" in replies[0].text and replies[-1].kind == "notice"
