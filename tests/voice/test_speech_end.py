"""The end of a short spoken answer is noticed from the audio level, sooner than Vosk's endpoint."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from voice.audio import decode
from voice.recognizer import GRAMMAR_END_SILENCE, SpeechEnd, VoskTranscriber

CHUNK = 3200  # 100 ms


def tone(seconds: float, amplitude: int, hz: float = 220.0) -> bytes:
    """A sine tone as 16 kHz mono s16le."""
    n = int(16000 * seconds)
    return struct.pack(f"<{n}h", *(int(amplitude * math.sin(2 * math.pi * hz * i / 16000)) for i in range(n)))


def quiet(seconds: float) -> bytes:
    return bytes(2 * int(16000 * seconds))


def test_speech_followed_by_enough_quiet_ends() -> None:
    end = SpeechEnd(0.25)
    end.feed(quiet(0.3))
    assert not end.ended  # nothing said yet
    end.feed(tone(0.6, 4000))
    assert end.voiced and not end.ended
    end.feed(quiet(0.2))
    assert not end.ended  # a pause between words
    end.feed(tone(0.2, 4000))
    end.feed(quiet(0.23))
    assert not end.ended
    end.feed(quiet(0.03))
    assert end.ended


def test_odd_chunk_sizes_are_measured_frame_by_frame() -> None:
    end = SpeechEnd(0.25)
    audio = quiet(0.2) + tone(0.5, 4000) + quiet(0.3)
    for i in range(0, len(audio), 333 * 2 + 1):  # chunks that cut samples and frames in two
        end.feed(audio[i:i + 333 * 2 + 1])
    assert end.ended


def test_steady_background_noise_is_not_speech_but_louder_speech_is() -> None:
    end = SpeechEnd(0.25)
    end.feed(tone(1.0, 350, hz=3000.0))  # a hum just above the absolute minimum
    assert end.floor is not None and not end.voiced
    end.feed(tone(0.3, 2500))
    end.feed(tone(0.3, 350, hz=3000.0))
    assert end.ended


def test_a_grammar_stream_ends_soon_after_the_answer_and_before_vosk_would(
    transcriber: VoskTranscriber, audio_dir: Path
) -> None:
    from bot.grammar import phrases_for
    from bot.questionnaire import load_all

    questionnaires = load_all()
    grammar = phrases_for(questionnaires["veterans"].by_key["placement"])
    speech = decode((audio_dir / "answers" / "ttskit-Aida" / "02_placement.wav").read_bytes(), "wav")
    audio = speech + quiet(2.5)

    def ended_at(stream_grammar: list[str] | None, quick: bool = True) -> tuple[float, str, float]:
        stream = transcriber.stream(stream_grammar, quick_end=quick)
        for i in range(0, len(audio), CHUNK):
            if stream.feed(audio[i:i + CHUNK]):
                break
        at = stream.seconds
        heard = stream.finish()
        return at, heard.text, heard.words[-1].end

    at, text, last_word_end = ended_at(grammar)
    assert text == "自主就业"
    assert at <= last_word_end + GRAMMAR_END_SILENCE + 0.15  # a fifth of a second of quiet, in 100 ms steps
    vosk_at, free_text, _ = ended_at(None)  # free decoding waits for Vosk's endpoint rules
    assert free_text == "自主就业" and vosk_at > at + 0.2
    patient_at, patient_text, _ = ended_at(grammar, quick=False)  # answers with pauses inside them wait too
    assert patient_text == "自主就业" and patient_at > at + 0.2


def test_a_stream_stopped_at_an_endpoint_does_not_spoil_the_next_recognition(
    transcriber: VoskTranscriber, audio_dir: Path
) -> None:
    clip = (audio_dir / "firered_IT0011W0001.wav").read_bytes()
    before = transcriber.transcribe(clip, "wav").confidence
    speech = decode((audio_dir / "answers" / "ttskit-Aida" / "02_placement.wav").read_bytes(), "wav") + quiet(2.0)
    for _ in range(2):  # both warm recognizers of the pool
        stream = transcriber.stream(None)
        for i in range(0, len(speech), CHUNK):
            if stream.feed(speech[i:i + CHUNK]):
                break  # the person stopped: Result, then FinalResult at once
        assert stream.finish().text == "自主就业"
    after = [transcriber.transcribe(clip, "wav").confidence for _ in range(2)]
    # a recognizer reused from that state would score every word 1.0
    assert after == [pytest.approx(before, abs=0.08)] * 2
