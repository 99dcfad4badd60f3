"""Fixtures for the voice tests: the real Vosk model, unpacked once per session from ../shared/models."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import shared_path
from voice.model import MODEL_NAME, MODEL_SHA256, resolve_model
from voice.recognizer import VoskTranscriber


@pytest.fixture(scope="session")
def model_zip() -> Path:
    """The official small Mandarin model zip of ../shared (skips when ../shared is absent)."""
    return shared_path("models", f"{MODEL_NAME}.zip")


@pytest.fixture(scope="session")
def model_dir(model_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model unpacked once for the session, through the same code INTAKE_VOSK_MODEL=zip uses."""
    return resolve_model(model_zip, tmp_path_factory.mktemp("vosk-cache"), sha256=MODEL_SHA256)


@pytest.fixture(scope="session")
def transcriber(model_dir: Path) -> Iterator[VoskTranscriber]:
    """One recogniser for the whole run (the model loads once)."""
    t = VoskTranscriber(model_dir, workers=2)
    yield t
    t.close()


@pytest.fixture(scope="session")
def audio_dir() -> Path:
    """../shared/data/audio."""
    return shared_path("data", "audio")


def ffmpeg_convert(src: Path, dest: Path, *args: str) -> Path:
    """Convert a clip with the ffmpeg command (installed from Debian by .ci/run)."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("the ffmpeg command is not installed (bash .ci/run installs it)")
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src), *args,
                    str(dest)], check=True)
    return dest


def amr_convert(src: Path, dest: Path) -> Path:
    """Encode a clip as AMR-NB 12.2 kbit/s, as WeChat sends voice messages.

    Debian's ffmpeg command has no AMR encoder (libopencore-amrnb is not enabled in its build), so
    this uses PyAV, whose wheel's FFmpeg has it.
    """
    import av

    with av.open(str(src)) as inp, av.open(str(dest), "w", format="amr") as out:
        stream = out.add_stream("libopencore_amrnb", rate=8000, layout="mono")
        stream.bit_rate = 12200
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        for frame in inp.decode(audio=0):
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return dest
