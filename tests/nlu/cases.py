"""Loading the shared nlu acceptance cases (../shared/data/nlu-cases) for the tests."""

from __future__ import annotations

import csv
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
