"""Export columns and statistics, driven by the questionnaire: one column per question, code values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.questionnaire import QType, Question, Questionnaire
from bot.values import decode_date, display
from storage.crypto import mask_id_number, mask_phone
from storage.repo import StoredAnswer

YES_NO_CODES = {"yes": "1", "no": "2", "unsure": "8", "refuse": "9"}
FIXED_HEADERS = ("记录号", "回执号", "状态", "地区")
STATUS_LABELS = {"in_progress": "填写中", "submitted": "已提交"}


@dataclass(frozen=True)
class ExportRow:
    """What an export needs of one record."""

    record_id: int
    receipt: str | None
    status: str
    region: str
    answers: Mapping[str, StoredAnswer]


def headers(q: Questionnaire) -> list[str]:
    """Chinese column headers: the fixed ones, then one per question in questionnaire order."""
    return [*FIXED_HEADERS, *(question.title for question in q.questions)]


def code_value(question: Question, stored: Any, *, reveal: bool) -> str:
    """The export cell of an answer: option codes, ISO dates cut to their granularity, plain numbers."""
    if stored is None:
        return ""
    t = question.type
    if t == QType.SINGLE:
        return str(stored)
    if t == QType.MULTI:
        return ";".join(str(c) for c in stored)
    if t == QType.YES_NO:
        return YES_NO_CODES.get(str(stored), str(stored))
    if t == QType.DATE:
        span = decode_date(stored)
        if span is None:
            return ""
        if span.granularity == "day":
            return span.start.isoformat()
        if span.granularity == "month":
            return span.start.isoformat()[:7]
        if span.granularity == "year":
            return str(span.start.year)
        return f"{span.start.isoformat()}/{span.end.isoformat()}"
    if t == QType.NUMBER and isinstance(stored, dict):
        number = stored.get("value")
        return f"{int(number)}" if isinstance(number, float) and number.is_integer() else str(number)
    if t == QType.ETHNICITY and isinstance(stored, dict):
        return str(stored.get("code", ""))
    if t == QType.PHOTO:
        return "有" if stored else ""
    if t == QType.ID_NUMBER:
        return str(stored) if reveal else mask_id_number(str(stored))
    if t == QType.PHONE:
        return str(stored) if reveal else mask_phone(str(stored))
    return str(stored)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula (``=HYPERLINK(…)`` typed as an answer) as plain text."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def cells(q: Questionnaire, row: ExportRow, *, reveal: bool) -> list[str]:
    """One export line; free text that looks like a formula is kept as text."""
    fixed = [str(row.record_id), row.receipt or "", STATUS_LABELS.get(row.status, row.status), row.region]
    values = []
    for question in q.questions:
        a = row.answers.get(question.key)
        value = code_value(question, a.value if a else None, reveal=reveal)
        values.append(value if question.type == QType.NUMBER else neutralise(value))
    return fixed + values


@dataclass
class QuestionStats:
    """Counts of the answers to one question."""

    key: str
    label: str
    total: int
    counts: dict[str, int]  # option label -> count
    shares: dict[str, float]


def _labels(question: Question, stored: Any) -> list[str]:
    if stored is None:
        return ["（未作答）"]
    if question.type == QType.MULTI:
        return [display(question, [c]) for c in stored] or ["无"]
    return [display(question, stored)]


def question_stats(question: Question, answers: Iterable[Mapping[str, StoredAnswer]]) -> QuestionStats:
    """How often each answer was given (a multiple choice counts each option picked)."""
    counter: Counter[str] = Counter()
    total = 0
    for record in answers:
        a = record.get(question.key)
        if a is None:
            continue
        total += 1
        counter.update(_labels(question, a.value))
    order = [o.label for o in question.options] if question.options else sorted(counter)
    counts = {label: counter[label] for label in order if counter[label]}
    counts.update({k: v for k, v in counter.items() if k not in counts})
    shares = {k: round(v / total, 4) if total else 0.0 for k, v in counts.items()}
    return QuestionStats(question.key, question.title, total, counts, shares)


def crosstab(
    rows_q: Question, cols_q: Question, answers: Iterable[Mapping[str, StoredAnswer]]
) -> dict[str, dict[str, int]]:
    """Counts of one question's answers against another's (e.g. employment by disability category)."""
    table: dict[str, Counter[str]] = {}
    for record in answers:
        a, b = record.get(rows_q.key), record.get(cols_q.key)
        if a is None or b is None:
            continue
        for r in _labels(rows_q, a.value):
            for c in _labels(cols_q, b.value):
                table.setdefault(r, Counter())[c] += 1
    return {r: dict(c) for r, c in table.items()}


def batches(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    """Record ids in batches, so that exports and statistics keep memory flat."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
