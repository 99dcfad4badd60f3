"""Fixtures for the voice tests (the real model itself is a session fixture of tests/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import shared_path


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
