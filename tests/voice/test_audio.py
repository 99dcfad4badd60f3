"""Decoding the channels' audio formats to 16 kHz mono PCM, and clear errors for bad audio."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from tests.voice.conftest import amr_convert, ffmpeg_convert
from voice.api import AudioError
from voice.audio import SAMPLE_RATE, decode, normalise_format, pcm_seconds
from voice.recognizer import VoskTranscriber

CLIP = "firered_IT0011W0001.wav"  # 换一首歌, 1.99 s
CLIP_SECONDS = 1.992

# format given by the channel -> ffmpeg arguments that make such a file from the WAV clip
FORMATS = {
    "ogg": ["-c:a", "libopus", "-b:a", "24k"],  # Telegram voice notes
    "mp3": ["-c:a", "libmp3lame", "-b:a", "32k"],
    "m4a": ["-c:a", "aac", "-b:a", "48k"],
    "wav8k": ["-ar", "8000"],  # telephone audio
    "wav8k-mulaw": ["-ar", "8000", "-c:a", "pcm_mulaw"],
    "wav44k-stereo": ["-ar", "44100", "-ac", "2"],
}


def _make(kind: str, audio_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    src = audio_dir / CLIP
    if kind == "amr":
        return amr_convert(src, tmp_path / "voice.amr"), "amr"
    ext = kind.split("8k")[0].split("44k")[0] if kind.startswith("wav") else kind
    return ffmpeg_convert(src, tmp_path / f"{kind}.{ext}", *FORMATS[kind]), ext


@pytest.mark.parametrize("kind", ["amr", *FORMATS])
def test_channel_formats_decode_to_16k_mono(kind: str, audio_dir: Path, tmp_path: Path) -> None:
    path, ext = _make(kind, audio_dir, tmp_path)
    data = path.read_bytes()
    for fmt in (ext, None):  # told the format, or left to find out
        pcm = decode(data, fmt)
        assert len(pcm) % 2 == 0
        assert abs(pcm_seconds(pcm) - CLIP_SECONDS) < 0.1, (fmt, pcm_seconds(pcm))
        assert max(abs(int.from_bytes(pcm[i : i + 2], "little", signed=True)) for i in range(0, len(pcm), 64)) > 1000


@pytest.mark.parametrize("kind", ["amr", "ogg", "mp3", "m4a", "wav8k"])
def test_channel_formats_are_recognised(kind: str, audio_dir: Path, tmp_path: Path,
                                        transcriber: VoskTranscriber) -> None:
    path, ext = _make(kind, audio_dir, tmp_path)
    heard = transcriber.transcribe(path.read_bytes(), ext)
    assert heard.text == "换一首歌", kind
    assert abs(heard.seconds - CLIP_SECONDS) < 0.1


def test_a_plain_16k_wav_is_read_without_ffmpeg(audio_dir: Path) -> None:
    data = (audio_dir / CLIP).read_bytes()
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SAMPLE_RATE, 1, 2)
    assert decode(data, "wav") == frames
    assert decode(frames, "pcm16k") == frames
    assert abs(pcm_seconds(decode(frames[:16000], "pcm8k")) - 1.0) < 0.01  # 8000 samples at 8 kHz -> 1 s


@pytest.mark.parametrize("fmt", ["wav", "amr", "ogg", "mp3", None])
def test_corrupt_audio_is_a_clear_audio_error(fmt: str | None) -> None:
    with pytest.raises(AudioError, match="cannot decode the audio"):
        decode(b"this is not audio at all " * 40, fmt)


def test_truncated_and_empty_audio_are_audio_errors(audio_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="empty audio"):
        decode(b"", "amr")
    with pytest.raises(AudioError, match="cannot decode"):
        decode((audio_dir / CLIP).read_bytes()[:30], "wav")  # a header cut short
    ogg, _ = _make("ogg", audio_dir, tmp_path)
    with pytest.raises(AudioError, match="cannot decode"):
        decode(ogg.read_bytes()[:120], "ogg")
    with pytest.raises(AudioError, match="no samples|cannot decode"):
        decode(b"#!AMR\n", "amr")  # an AMR header and nothing after it


def test_unsupported_formats_are_named_in_the_error() -> None:
    with pytest.raises(AudioError, match="unsupported audio format 'docx'"):
        decode(b"PK\x03\x04 not audio", "docx")
    with pytest.raises(AudioError, match="SILK"):
        decode(b"\x02#!SILK_V3\x00\x01\x02", None)
    with pytest.raises(AudioError, match="odd number of bytes"):
        decode(b"\x00\x01\x02", "pcm16k")


def test_audio_longer_than_the_limit_is_refused(audio_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="longer than 1 seconds"):
        decode((audio_dir / CLIP).read_bytes(), "wav", max_seconds=1.0)
    ogg, _ = _make("ogg", audio_dir, tmp_path)
    with pytest.raises(AudioError, match="longer than 1 seconds"):
        decode(ogg.read_bytes(), "ogg", max_seconds=1.0)


def test_format_names_from_channels_are_understood() -> None:
    assert normalise_format("AMR") == "amr"
    assert normalise_format(".ogg") == "ogg"
    assert normalise_format("audio/ogg; codecs=opus") == "ogg"
    assert normalise_format("audio/x-wav") == "wav"
    assert normalise_format("voice") is None and normalise_format(None) is None


def test_the_transcriber_raises_audio_error_for_corrupt_and_empty_audio(transcriber: VoskTranscriber) -> None:
    with pytest.raises(AudioError):
        transcriber.transcribe(b"", "amr")
    with pytest.raises(AudioError):
        transcriber.transcribe(b"\x00garbage" * 100, "ogg")
