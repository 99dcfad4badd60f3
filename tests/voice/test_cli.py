"""`intake voice transcribe` and `intake voice fetch-model` run as a person runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from voice.model import MODEL_NAME, is_model_dir

CLI = [sys.executable, "-c", "from admin.cli import main; main()"]
REPO = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=_env(**env), timeout=240,
                          check=False)


def test_transcribe_prints_one_json_object_per_file_and_progress_on_stderr(
    model_dir: Path, audio_dir: Path, tmp_path: Path
) -> None:
    corrupt = tmp_path / "broken.amr"
    corrupt.write_bytes(b"#!AMR\n" + os.urandom(300))
    files = [audio_dir / "firered_IT0011W0001.wav", corrupt, audio_dir / "aishell1_BAC009S0724W0121.wav"]
    done = _run(["voice", "transcribe", *map(str, files)], tmp_path, INTAKE_VOSK_MODEL=str(model_dir))
    assert done.returncode == 1, done.stderr  # one file failed
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(f) for f in files]
    first, broken, last = rows
    assert first["text"] == "换一首歌" and abs(first["seconds"] - 1.992) < 0.01 and 0 < first["confidence"] <= 1
    assert last["text"] == "广州市房地产中介协会分析" and last["seconds"] > 4
    assert set(broken) == {"file", "error"} and "cannot decode" in broken["error"]
    assert "transcribing" in done.stderr and "3/3" in done.stderr  # the tqdm bar
    assert "换一首歌" not in done.stderr  # transcripts go to stdout only


def test_transcribe_with_a_question_recognises_with_its_grammar_and_parses_the_value(
    model_dir: Path, audio_dir: Path, tmp_path: Path
) -> None:
    answers = audio_dir / "answers" / "ttskit-Aida"
    files = [answers / "13_assigned.wav", answers / "02_placement.wav"]
    done = _run(["voice", "transcribe", "--model", str(model_dir), "--questionnaire", "veterans", "--question",
                 "placement", *map(str, files)], tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["text"], r["value"], r["unknown"]) for r in rows] == [("安排工作", "1", False), ("自主就业", "3", False)]


def test_transcribe_without_a_model_is_a_clear_error(audio_dir: Path, tmp_path: Path) -> None:
    done = _run(["voice", "transcribe", str(audio_dir / "firered_IT0011W0001.wav")], tmp_path)
    assert done.returncode == 2
    assert "INTAKE_VOSK_MODEL" in done.stderr and "--model" in done.stderr and done.stdout == ""
    bad = _run(["voice", "transcribe", "--model", str(tmp_path / "none"), str(audio_dir / "firered_IT0011W0001.wav")],
               tmp_path)
    assert bad.returncode == 2 and "does not exist" in bad.stderr
    wrong = _run(["voice", "transcribe", "--model", str(tmp_path), "--questionnaire", "veterans", "--question",
                  "nope", str(audio_dir / "firered_IT0011W0001.wav")], tmp_path)
    assert wrong.returncode == 2 and "--question" in wrong.stderr


def test_fetch_model_from_a_local_zip_installs_into_the_cache(model_zip: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = _run(["voice", "fetch-model", "--from-zip", str(model_zip), "--cache-dir", str(cache)], tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("INTAKE_VOSK_MODEL="))
    installed = Path(line.split("=", 1)[1])
    assert is_model_dir(installed) and installed.name == MODEL_NAME and installed.is_relative_to(cache)


def test_fetch_model_refuses_a_zip_with_the_wrong_sha256(tmp_path: Path) -> None:
    fake = tmp_path / f"{MODEL_NAME}.zip"
    fake.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip: not the model
    done = _run(["voice", "fetch-model", "--from-zip", str(fake), "--cache-dir", str(tmp_path / "cache")], tmp_path)
    assert done.returncode == 1 and "sha256 mismatch" in done.stderr
    assert not (tmp_path / "cache").exists()
    neither = _run(["voice", "fetch-model"], tmp_path)
    assert neither.returncode == 2 and "--from-zip" in neither.stderr
