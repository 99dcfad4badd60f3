"""The recogniser's pool: thread safety, the bound on concurrent work, reuse, streaming, shutdown."""

from __future__ import annotations

import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from voice.api import Transcriber, VoiceUnavailable
from voice.audio import BYTES_PER_SECOND
from voice.recognizer import FairSlots, VoskTranscriber

CLIPS = ("firered_IT0011W0001.wav", "aishell1_BAC009S0724W0121.wav", "paddlespeech_zh.wav")


def _pcm(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes())


def test_it_implements_the_transcriber_protocol(transcriber: VoskTranscriber) -> None:
    t: Transcriber = transcriber
    assert callable(t.transcribe)


def test_concurrent_calls_give_the_same_results_and_run_at_most_workers_at_once(
    transcriber: VoskTranscriber, audio_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = [(audio_dir / c).read_bytes() for c in CLIPS]
    expected = [transcriber.transcribe(a, "wav") for a in audio]
    running = peak = 0
    lock = threading.Lock()
    recognise = transcriber._recognise

    def counting(pcm: bytes, plan: Any) -> Any:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            return recognise(pcm, plan)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(transcriber, "_recognise", counting)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: transcriber.transcribe(audio[i % 3], "wav"), range(8)))
    assert [r.text for r in results] == [expected[i % 3].text for i in range(8)]
    # Vosk's word confidences vary by a few hundredths from run to run, fresh recognizer or not
    assert [r.confidence for r in results] == pytest.approx([expected[i % 3].confidence for i in range(8)], abs=0.08)
    assert peak == transcriber.workers == 2


def test_a_reused_recognizer_carries_nothing_over(transcriber: VoskTranscriber, audio_dir: Path) -> None:
    a, b = (audio_dir / CLIPS[0]).read_bytes(), (audio_dir / CLIPS[2]).read_bytes()
    first = transcriber.transcribe(a, "wav")
    transcriber.transcribe(b, "wav")
    again = transcriber.transcribe(a, "wav")
    assert again.text == first.text and [w.word for w in again.words] == [w.word for w in first.words]
    assert [(w.start, w.end) for w in again.words] == [(w.start, w.end) for w in first.words]  # times from 0 again
    assert again.confidence == pytest.approx(first.confidence, abs=0.08)


def test_a_busy_pool_refuses_instead_of_queueing_forever(
    transcriber: VoskTranscriber, audio_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcriber, "busy_timeout", 0.05)
    with transcriber._slot(), transcriber._slot(), pytest.raises(VoiceUnavailable, match="busy"):
        transcriber.transcribe((audio_dir / CLIPS[0]).read_bytes(), "wav")
    assert transcriber.transcribe((audio_dir / CLIPS[0]).read_bytes(), "wav").text == "换一首歌"


def test_a_stream_fed_in_chunks_gives_the_same_transcript(transcriber: VoskTranscriber, audio_dir: Path) -> None:
    pcm = _pcm(audio_dir / CLIPS[1])
    whole = transcriber.transcribe_pcm(pcm)
    stream = transcriber.stream()
    partials = []
    for i in range(0, len(pcm), BYTES_PER_SECOND // 10):
        stream.feed(pcm[i : i + BYTES_PER_SECOND // 10])
        partials.append(stream.partial())
    final = stream.finish()
    assert final.text == whole.text == "广州市房地产中介协会分析"
    assert abs(final.seconds - whole.seconds) < 1e-6
    assert partials[0] == "" and partials[-1] and final.text.startswith(partials[-1][:2])
    with pytest.raises(RuntimeError, match="finished"):
        stream.feed(b"\0\0")


def test_a_stream_with_a_grammar(transcriber: VoskTranscriber, audio_dir: Path) -> None:
    pcm = _pcm(audio_dir / "answers" / "ttskit-Aida" / "13_assigned.wav")
    stream = transcriber.stream(["安排工作", "自主就业", "自谋职业"])
    for i in range(0, len(pcm), 3200):
        stream.feed(pcm[i : i + 3200])
    heard = stream.finish()
    assert heard.text == "安排工作" and heard.confidence > 0.9 and not heard.unknown


def test_a_closed_transcriber_refuses_work(model_dir: Path, audio_dir: Path) -> None:
    t = VoskTranscriber(model_dir, workers=1)
    assert t.transcribe((audio_dir / CLIPS[0]).read_bytes()).text == "换一首歌"  # format found from the content
    t.close()
    with pytest.raises(VoiceUnavailable, match="shut down"):
        t.transcribe((audio_dir / CLIPS[0]).read_bytes(), "wav")


def test_a_folder_that_is_no_model_is_voice_unavailable(tmp_path: Path) -> None:
    with pytest.raises(VoiceUnavailable):
        VoskTranscriber.from_path(tmp_path)
    with pytest.raises(ValueError, match="workers"):
        VoskTranscriber(tmp_path, workers=0)


def test_slots_are_served_first_come_first_served() -> None:
    slots = FairSlots(1)
    assert slots.acquire(0)
    order: list[str] = []

    def wait(name: str) -> None:
        assert slots.acquire(5)
        order.append(name)
        slots.release()

    first = threading.Thread(target=wait, args=("first",))
    first.start()
    while slots.waiting < 1:
        time.sleep(0.001)
    second = threading.Thread(target=wait, args=("second",))
    second.start()
    while slots.waiting < 2:
        time.sleep(0.001)
    assert not slots.acquire(0.01)  # a newcomer does not jump the queue
    slots.release()
    first.join()
    second.join()
    assert order == ["first", "second"]
    assert slots.acquire(0)  # the slot came back to the pool
