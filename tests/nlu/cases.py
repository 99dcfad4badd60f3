"""Loading the shared nlu acceptance cases (../shared/data/nlu-cases) for the tests."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CASES = SHARED / "data" / "nlu-cases"
REGIONS = SHARED / "data" / "regions" / "gansu.tsv"


def load(name: str) -> list[dict[str, str]]:
    """Rows of one nlu-cases TSV, or an empty list when the shared folder is missing."""
    path = CASES / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def params(name: str) -> list[object]:
    """pytest params for the rows of a case file, skipping with a reason when it is missing."""
    rows = load(name)
    if not rows:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CASES / name} not available"))]
    return [pytest.param(r, id=f"{i}-{r[next(iter(r))]}") for i, r in enumerate(rows)]


def reference_time(raw: str) -> datetime:
    """The 'now' of a date case; partial:year=…,month=… becomes the 15th of that month (June if none)."""
    if raw.startswith("partial:"):
        kv = dict(item.split("=") for item in raw[len("partial:") :].split(","))
        return datetime(int(kv["year"]), int(kv.get("month", 6)), 15)
    return datetime.fromisoformat(raw).replace(tzinfo=None)


# Cases whose expected meaning does not fit an intake, with the reason (listed, never silently dropped).
OUT_OF_SCOPE: dict[tuple[str, str], str] = {
    ("dates", "18年10月1日到19年2月3日"): (
        "future reading of two-digit years (2018-2019 against now=2017-03); the intake reads two-digit "
        "years as the past (1918-1919) because birth, enlistment and discharge dates are never in the future"
    ),
    ("dates", "3年半前"): (
        "JioNLP blur convention (2015-10 for 3.5 years before 2019-05); the intake computes 42 months "
        "before the reference month, 2015-11, and marks it as a month"
    ),
    **{
        ("dates", text): (
            "JioNLP's same-calendar-year (same-month) convention for a date said without its year (month) "
            "that lies after now; the intake takes the past reading (every date it asks for is in the past), "
            "with confidence < 0.6 so the answer is flagged; parse_date(..., future=True) gives this reading"
        )
        for text in ("9月30日", "十二月20号", "30日")
    },
}


@dataclass(frozen=True)
class Outcome:
    """How a parser did on one case: right or not, what it produced, and how sure it said it was."""

    ok: bool
    got: str
    confidence: float | None  # None: the parser gave no value (a refusal to guess)

    @property
    def confident(self) -> bool:
        """A value the engine stores without a flag (confidence ≥ 0.6)."""
        return self.confidence is not None and self.confidence >= CONFIDENT


CONFIDENT = 0.6  # the engine's default INTAKE_LOW_CONFIDENCE: below it an answer is flagged for review


def _conf(result: object) -> float | None:
    from nlu.result import Parsed

    return result.confidence if isinstance(result, Parsed) else None


def _number_ok(q: object, expected: str) -> bool:
    """A quantity against an expected number: ``500`` (exact), ``approx:500``, ``range:10000-50000``,
    each optionally followed by ``@unit`` (``10.3@元``, ``approx:70@平方米``)."""
    from nlu.numbers import Precision, Quantity

    assert isinstance(q, Quantity)
    expected, _, unit = expected.partition("@")
    if unit and q.unit != unit:
        return False
    kind, _, figure = expected.rpartition(":")
    if kind == "range":
        low, _, high = figure.partition("~") if "~" in figure else figure.partition("-")
        return (q.precision == Precision.RANGE and q.low is not None and q.high is not None
                and float(q.low) == float(low) and float(q.high) == float(high))
    precision = Precision.APPROX if kind == "approx" else Precision.EXACT
    return q.precision == precision and float(q.value) == float(figure)


def check(kind: str, row: dict[str, str]) -> Outcome:
    """Evaluate one case (a row of a nlu-cases TSV) with the nlu parsers."""
    from datetime import date

    from nlu.dates import parse_date
    from nlu.idcard import parse_id_number
    from nlu.numbers import normalize, parse_number, read_digits
    from nlu.result import NotUnderstood, Parsed
    from nlu.yesno import parse_yes_no

    text = row.get("input", "")
    if kind == "numbers":
        mode, expected = row["mode"], row["expected"]
        if mode == "transform_cn2an":
            got = normalize(text)
            return Outcome(got == expected, got, 1.0)
        if mode == "transform_cn2an_direct":
            got = normalize(text, direct=True)
            return Outcome(got == expected, got, 1.0)
        if mode == "direct":
            r = read_digits(text)
            return Outcome(isinstance(r, Parsed) and r.value == expected, repr(r), _conf(r))
        q = parse_number(text, expected_unit=mode[len("unit:"):] if mode.startswith("unit:") else None)
        if expected == "ValueError":
            return Outcome(isinstance(q, NotUnderstood), repr(q), _conf(q))
        return Outcome(isinstance(q, Parsed) and _number_ok(q.value, expected), repr(q), _conf(q))
    if kind == "dates":
        d = parse_date(text, reference_time(row["reference_time"]))
        if row["expected_start"] == "INVALID":
            return Outcome(isinstance(d, NotUnderstood) and d.reason == "impossible_date", repr(d), _conf(d))
        if row["expected_start"] in ("LUNAR", "NONE"):  # the project's own cases: lunar, or no date at all
            want = "lunar_date" if row["expected_start"] == "LUNAR" else None
            ok = isinstance(d, NotUnderstood) and (want is None or d.reason == want)
            return Outcome(ok, repr(d), _conf(d))
        if not isinstance(d, Parsed):
            return Outcome(False, repr(d), None)
        gran_ok = d.value.granularity == row["granularity"] or (
            row["granularity"] == "span" and d.value.granularity == "decade"
        )
        same = str(d.value.start) == row["expected_start"] and str(d.value.end) == row["expected_end"]
        return Outcome(same and gran_ok, f"{d.value.start}..{d.value.end} {d.value.granularity}", d.confidence)
    if kind == "idcards":
        card = parse_id_number(text, date(2024, 6, 1))
        if row["expected"] == "invalid":
            return Outcome(isinstance(card, NotUnderstood), repr(card), _conf(card))
        if not isinstance(card, Parsed):
            return Outcome(False, repr(card), None)
        v = card.value
        ok = (
            (not row["birth_date"] or str(v.birth_date) == row["birth_date"])
            and (not row["gender"] or v.gender == row["gender"])
            and (not row["region_code"] or v.region_code == row["region_code"])
        )
        return Outcome(ok, repr(card), card.confidence)
    if kind == "yesno":
        r = parse_yes_no(text)
        return Outcome(isinstance(r, Parsed) and r.value == row["expected"], repr(r), _conf(r))
    raise ValueError(kind)
