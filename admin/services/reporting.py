"""Export columns and statistics, driven by the questionnaire: one column per question, code values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.questionnaire import QType, Question, Questionnaire
from bot.values import decode_date, display, mask_shown, number_text
from storage.repo import StoredAnswer

YES_NO_CODES = {"yes": "1", "no": "2", "unsure": "8", "refuse": "9"}
FIXED_HEADERS = ("记录号", "回执号", "状态", "地区", "问卷版本")
STATUS_LABELS = {"in_progress": "填写中", "submitted": "已提交"}


@dataclass(frozen=True)
class ExportRow:
    """What an export needs of one record."""

    record_id: int
    receipt: str | None
    status: str
    region: str
    answers: Mapping[str, StoredAnswer]
    form_version: str = ""  # the label of the form version the record is asked from


def headers(q: Questionnaire, columns: Sequence[Question] | None = None) -> list[str]:
    """Chinese column headers: the fixed ones, then one per question in questionnaire order (or ``columns``:
    a campaign's questions over its form versions)."""
    return [*FIXED_HEADERS, *(question.title for question in (q.questions if columns is None else columns))]


def code_value(question: Question, stored: Any, *, reveal: bool) -> str:
    """The export cell of an answer: option codes, ISO dates cut to their granularity, plain numbers.

    Without ``reveal`` the cell is masked as its question says (``Question.mask``): ID numbers and
    ID-like numbers, phones and names masked, ID-derived dates to the year, other text hidden.
    """
    cell = _code(question, stored)
    return cell if reveal else mask_shown(question.mask, cell)


def _code(question: Question, stored: Any) -> str:
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
        if stored.get("range") and stored.get("low") is not None and stored.get("high") is not None:
            return f"{number_text(stored['low'])}~{number_text(stored['high'])}"  # a range stays a range
        return number_text(stored.get("value"))
    if t == QType.ETHNICITY and isinstance(stored, dict):
        return str(stored.get("code", ""))
    if t == QType.PHOTO:
        return "有" if stored else ""
    return str(stored)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula (``=HYPERLINK(…)`` typed as an answer) as plain text."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def cells(q: Questionnaire, row: ExportRow, *, reveal: bool, columns: Sequence[Question] | None = None) -> list[str]:
    """One export line; free text that looks like a formula is kept as text."""
    fixed = [str(row.record_id), row.receipt or "", STATUS_LABELS.get(row.status, row.status), row.region,
             row.form_version]
    values = []
    for question in q.questions if columns is None else columns:
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


def child_region(parent: str, path: str) -> str | None:
    """The direct child of ``parent`` that ``path`` lies in, ``parent`` itself, or None when outside it."""
    if path == parent:
        return parent
    if not parent or not path.startswith(parent + "/"):
        return None
    return parent + "/" + path[len(parent) + 1:].split("/", 1)[0]


class Tally:
    """One pass over records: counts of a question, a cross-tabulation and counts per direct sub-region.

    ``parent`` and ``children`` give the region whose direct children are compared; records placed in
    ``parent`` itself are counted under its own path, records outside it or without a region are not
    counted per region (they still count in the totals).
    """

    def __init__(self, question: Question, by: Question | None = None, parent: str = "",
                 children: Iterable[str] = ()) -> None:
        self.question, self.by, self.parent = question, by, parent
        self.total = 0
        self.counter: Counter[str] = Counter()
        self.table: dict[str, Counter[str]] = {}
        self.regions: dict[str, Counter[str]] = {child: Counter() for child in children}
        self.region_totals: dict[str, int] = dict.fromkeys(self.regions, 0)

    def add(self, record: Mapping[str, StoredAnswer], region: str | None = None) -> None:
        """Count one record's answers (``region`` is the path of the region the record lies in)."""
        a = record.get(self.question.key)
        if a is None:
            return
        labels = _labels(self.question, a.value)
        self.total += 1
        self.counter.update(labels)
        if self.by is not None:
            b = record.get(self.by.key)
            if b is not None:
                for r in labels:
                    row = self.table.setdefault(r, Counter())
                    row.update(_labels(self.by, b.value))
        child = child_region(self.parent, region) if region else None
        if child is not None:
            self.regions.setdefault(child, Counter()).update(labels)
            self.region_totals[child] = self.region_totals.get(child, 0) + 1

    def _ordered(self, counter: Counter[str]) -> dict[str, int]:
        """Counts in option order (options never given left out), then any other label."""
        order = [o.label for o in self.question.options] if self.question.options else sorted(self.counter)
        counts = {label: counter[label] for label in order if counter[label]}
        counts.update({k: v for k, v in counter.items() if k not in counts and v})
        return counts

    def stats(self) -> QuestionStats:
        """Counts and shares of the question's answers."""
        counts = self._ordered(self.counter)
        shares = {k: round(v / self.total, 4) if self.total else 0.0 for k, v in counts.items()}
        return QuestionStats(self.question.key, self.question.title, self.total, counts, shares)

    def crosstab(self) -> dict[str, dict[str, int]]:
        """The question's answers against the ``by`` question's, row by row."""
        return {r: dict(c) for r, c in self.table.items()}

    def by_region(self) -> dict[str, dict[str, int]]:
        """Counts per direct sub-region (every child listed, an empty one with no counts)."""
        return {path: self._ordered(c) for path, c in self.regions.items()}


def question_stats(question: Question, answers: Iterable[Mapping[str, StoredAnswer]]) -> QuestionStats:
    """How often each answer was given (a multiple choice counts each option picked)."""
    tally = Tally(question)
    for record in answers:
        tally.add(record)
    return tally.stats()


def crosstab(
    rows_q: Question, cols_q: Question, answers: Iterable[Mapping[str, StoredAnswer]]
) -> dict[str, dict[str, int]]:
    """Counts of one question's answers against another's (e.g. employment by disability category)."""
    tally = Tally(rows_q, cols_q)
    for record in answers:
        tally.add(record)
    return tally.crosstab()
