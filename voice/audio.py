"""Audio in any channel's format -> 16 kHz mono 16-bit little-endian PCM, the only input Vosk takes.

WeChat voice messages (AMR-NB), Telegram voice notes (OGG/Opus), uploaded recordings (WAV, MP3,
M4A/AAC) and 8 kHz telephone audio are decoded in-process with PyAV (FFmpeg's libraries, shipped in
the ``av`` wheel). A 16 kHz mono 16-bit WAV and raw ``pcm16k`` skip FFmpeg altogether. Anything that
cannot be decoded raises :class:`~voice.api.AudioError` with a short English reason.
"""

from __future__ import annotations

import io
import wave
from typing import Any

from voice.api import AudioError

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
DEFAULT_MAX_SECONDS = 1800.0  # a hotline recording of half an hour; voice messages are at most a minute

# the names channels and uploads use for a format -> FFmpeg's demuxer for it (None: probe the content)
_DEMUXERS: dict[str, str | None] = {
    "wav": "wav", "wave": "wav",
    "amr": "amr",
    "ogg": "ogg", "oga": "ogg", "opus": "ogg", "spx": "ogg", "speex": "ogg",
    "mp3": "mp3", "mpeg": "mp3",
    "m4a": "mov", "mp4": "mov", "aac": "aac", "3gp": "mov",
    "webm": "matroska", "mka": "matroska",
    "flac": "flac",
}
_RAW = {"pcm16k": SAMPLE_RATE, "pcm": SAMPLE_RATE, "s16le": SAMPLE_RATE, "pcm8k": 8000}
_SILK_MAGIC = (b"#!SILK_V3", b"\x02#!SILK_V3")


def normalise_format(fmt: str | None) -> str | None:
    """A format name as the channels give it ("AMR", ".ogg", "audio/ogg", "voice") -> a key of ours, or None."""
    if fmt is None:
        return None
    name = fmt.strip().lower().rsplit("/", 1)[-1].lstrip(".")
    name = name.split(";", 1)[0].strip()
    if name.startswith("x-"):
        name = name[2:]
    if name in _DEMUXERS or name in _RAW or name == "silk":
        return name
    return None if name in ("", "voice", "audio", "octet-stream") else name


def pcm_seconds(pcm: bytes) -> float:
    """How long 16 kHz mono 16-bit PCM lasts."""
    return len(pcm) / BYTES_PER_SECOND


def decode(audio: bytes, fmt: str | None = None, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> bytes:
    """Decode ``audio`` (fmt: wav, amr, ogg, mp3, m4a, pcm16k, pcm8k…; None: detect) to 16 kHz mono s16le."""
    if not audio:
        raise AudioError("empty audio: no bytes were received")
    kind = normalise_format(fmt)
    if kind == "silk" or audio.startswith(_SILK_MAGIC):
        raise AudioError("WeChat SILK v3 audio is not supported; the voice message must be fetched as AMR")
    if kind in _RAW:
        rate = _RAW[kind]
        if len(audio) % 2:
            raise AudioError(f"raw {kind} audio must hold whole 16-bit samples (got an odd number of bytes)")
        if rate == SAMPLE_RATE:
            return _limit(audio, max_seconds)
        return _decode_with_ffmpeg(audio, "s16le", max_seconds, {"sample_rate": str(rate), "ch_layout": "mono"})
    if kind is not None and kind not in _DEMUXERS:
        raise AudioError(f"unsupported audio format {fmt!r}; send WAV, AMR, OGG/Opus, MP3 or M4A")
    if audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
        pcm = _plain_wav(audio)
        if pcm is not None:
            return _limit(pcm, max_seconds)
    return _decode_with_ffmpeg(audio, None, max_seconds, None, hint=_DEMUXERS.get(kind or ""))


def _limit(pcm: bytes, max_seconds: float) -> bytes:
    if not pcm:
        raise AudioError("the audio holds no samples")
    if pcm_seconds(pcm) > max_seconds:
        raise AudioError(f"the audio is longer than {max_seconds:.0f} seconds")
    return pcm


def _plain_wav(audio: bytes) -> bytes | None:
    """The samples of a WAV that already is 16 kHz mono 16-bit PCM; None for any other WAV."""
    try:
        with wave.open(io.BytesIO(audio)) as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getcomptype()) != (SAMPLE_RATE, 1, 2, "NONE"):
                return None
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError):
        return None  # let FFmpeg have a go (WAVE_FORMAT_EXTENSIBLE, A-law, truncated headers...)
    return frames[: len(frames) - len(frames) % 2]


def _decode_with_ffmpeg(
    audio: bytes, demuxer: str | None, max_seconds: float, options: dict[str, str] | None, hint: str | None = None
) -> bytes:
    """Decode with PyAV: probe the content first, then try the demuxer the format name suggests."""
    try:
        import av
    except ImportError as exc:  # pragma: no cover - av is a dependency of the project
        raise AudioError("audio decoding is not installed (the 'av' package is missing)") from exc
    attempts: list[str | None] = [demuxer] if demuxer else [None]
    if hint and hint not in attempts:
        attempts.append(hint)
    problem = "unknown format"
    for attempt in attempts:
        try:
            return _limit(_run_av(av, audio, attempt, options, max_seconds), max_seconds)
        except av.FFmpegError as exc:
            problem = _describe(exc)
        except _NoAudio as exc:
            problem = str(exc)
    raise AudioError(f"cannot decode the audio ({problem}); it may be corrupt or in an unsupported format")


class _NoAudio(Exception):
    """The container opened but holds no decodable audio."""


def _describe(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":", 1)[0].strip() or type(exc).__name__


def _run_av(av: Any, audio: bytes, demuxer: str | None, options: dict[str, str] | None, max_seconds: float) -> bytes:
    limit = int(max_seconds * BYTES_PER_SECOND) + BYTES_PER_SECOND
    out = bytearray()
    with av.open(io.BytesIO(audio), mode="r", format=demuxer, options=options or {}) as container:
        if not container.streams.audio:
            raise _NoAudio("no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        for frame in container.decode(stream):
            for chunk in resampler.resample(frame):
                out += bytes(chunk.planes[0])[: chunk.samples * 2]
            if len(out) > limit:
                raise AudioError(f"the audio is longer than {max_seconds:.0f} seconds")
        for chunk in resampler.resample(None):
            out += bytes(chunk.planes[0])[: chunk.samples * 2]
    if not out:
        raise _NoAudio("no audio samples")
    return bytes(out)
