"""The spoken questionnaire answers of ../shared/data/audio/answers and the question each belongs to.

Each clip's ``kind`` is mapped to a question of the built-in questionnaires; the expected value is
what nlu makes of the clip's reference text typed in, so a spoken answer is right when it parses to
exactly what the typed answer would. Closed questions (choices, yes/no, ethnicity, dates, phone and
ID numbers) are recognised with their grammar (``bot.grammar.phrases_for``); numbers freely (the
measured reason is in bot/grammar.py).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.grammar import phrases_for
from bot.questionnaire import Question, Questionnaire
from bot.understanding import Understanding
from bot.values import encode
from nlu.numbers import read_digits
from nlu.result import Parsed
from voice.api import Transcriber, Transcript

NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
LOW_CONFIDENCE = 0.6  # the engine's default (EngineConfig.low_confidence)

# kind of answer -> (questionnaire, question); age, family and income have no question of their own
# and are read by a number question (household_size), as their values are plain quantities.
QUESTION_OF_KIND: Mapping[str, tuple[str, str]] = {
    "placement": ("veterans", "placement"),
    "rank": ("veterans", "service_role"),
    "yesno": ("veterans", "has_housing"),
    "housing": ("veterans", "has_housing"),
    "gender": ("veterans", "gender"),
    "ethnic": ("veterans", "ethnicity"),
    "insurance": ("veterans", "social_insurance"),
    "disability": ("disabled_update", "disability_category"),
    "marital": ("disabled_update", "marital_status"),
    "birth": ("veterans", "birth_date"),
    "date": ("veterans", "enlist_date"),
    "idcard": ("veterans", "id_number"),
    "phone": ("veterans", "phone"),
    "age": ("disabled_update", "household_size"),
    "family": ("disabled_update", "household_size"),
    "income": ("disabled_update", "household_size"),
}
FREE_KINDS = frozenset({"age", "family", "income"})  # read by a number question: decoded freely


@dataclass(frozen=True)
class Clip:
    """One spoken answer."""

    file: str
    kind: str
    text: str


@dataclass(frozen=True)
class Outcome:
    """What became of one spoken answer."""

    clip: Clip
    heard: Transcript
    expected: Any
    value: Any
    understood: bool  # nlu made a value of what was heard
    grammar: bool  # recognised with the question's grammar (else decoded freely)

    @property
    def right(self) -> bool:
        """The value is the one the typed reference gives."""
        return self.understood and self.value == self.expected

    @property
    def flagged(self) -> bool:
        """The engine would not take it silently: unknown, low confidence, or not understood (asked again)."""
        return self.heard.unknown or self.heard.confidence < LOW_CONFIDENCE or not self.understood

    @property
    def status(self) -> str:
        """right, flagged or wrong (a confident wrong value: must never happen)."""
        return "right" if self.right else "flagged" if self.flagged else "wrong"


def read_clips(answers_dir: Path) -> list[Clip]:
    """The rows of clips.tsv."""
    with (answers_dir / "clips.tsv").open(encoding="utf-8") as f:
        return [Clip(r["file"], r["kind"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]


def question_for(questionnaires: Mapping[str, Questionnaire], kind: str) -> Question:
    """The question a kind of answer is asked by."""
    name, key = QUESTION_OF_KIND[kind]
    return questionnaires[name].by_key[key]


def value_of(understanding: Understanding, q: Question, kind: str, text: str) -> tuple[bool, Any]:
    """(understood, stored value) for ``text`` as the answer to ``q``.

    The synthetic ID number of the clips fails the GB 11643 checksum, so for ID cards the value
    compared is the digit string read (an invalid number is asked again by the engine anyway).
    """
    if kind == "idcard":
        digits = read_digits(text)
        return isinstance(digits, Parsed), digits.value if isinstance(digits, Parsed) else None
    parsed = understanding.parse(q, text, NOW)
    if isinstance(parsed, Parsed):
        return True, encode(q, parsed.value)
    return False, None


def recognise(
    transcriber: Transcriber, understanding: Understanding, questionnaires: Mapping[str, Questionnaire],
    answers_dir: Path, clip: Clip,
) -> Outcome:
    """Recognise one clip with its question's grammar and read the value, as the engine does."""
    q = question_for(questionnaires, clip.kind)
    ok, expected = value_of(understanding, q, clip.kind, clip.text)
    assert ok, f"the reference text {clip.text!r} of {clip.file} is not understood as {q.key}"
    grammar = phrases_for(q)
    heard = transcriber.transcribe((answers_dir / clip.file).read_bytes(), "wav", grammar)
    understood, value = value_of(understanding, q, clip.kind, heard.text) if heard.text else (False, None)
    return Outcome(clip, heard, expected, value, understood, grammar is not None)


def _plain(text: str) -> str:
    """Text without spaces and punctuation, for comparing transcripts."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] in "LN")


def char_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over characters, divided by the reference length."""
    ref, hyp = _plain(reference), _plain(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)] / max(1, len(ref))
