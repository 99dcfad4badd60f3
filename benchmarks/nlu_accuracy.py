"""Accuracy and calibration of the nlu parsers per family and per source, written to results/nlu_accuracy.json.

Run: .venv/bin/python benchmarks/nlu_accuracy.py

Three sources, reported apart:

* ``shared``: ../shared/data/nlu-cases (public test suites; the cases the parsers were first built on);
* ``own``: benchmarks/cases/*.tsv, cases written for this project from the questionnaires and from how
  people answer, kept apart from the unit tests that drove the code (same columns as the shared files);
* ``generated``: benchmarks/cases/gen_<family>.py, each rendering known values in many surface forms
  (``rows(seed, n)``, same columns), seeded so that a run is reproducible.

For each: accuracy against the target, and calibration: of the values returned with confidence ≥ 0.6
(stored by the engine without a flag), how many are right, and how many are wrong (the target is none).
Cases of the shared files whose expected meaning does not fit an intake are listed as out of scope
with the reason (counted, shown and still evaluated). The evaluation is the unit tests'
(tests/nlu/cases.py), so the two cannot disagree.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results"
OWN = Path(__file__).resolve().parent / "cases"

from nlu.ethnicity import ETHNICITIES, SHORT_FORMS, parse_ethnicity  # noqa: E402
from nlu.result import Parsed  # noqa: E402
from tests.nlu.cases import CASES, OUT_OF_SCOPE, Outcome, check, load  # noqa: E402

FAMILIES = ("numbers", "dates", "idcards", "yesno")
TARGETS = {"dates": 0.98, "numbers": 0.98, "idcards": 1.0, "yesno": 0.95, "ethnic_gb3304": 1.0}
SEED, GENERATED_PER_FAMILY = 20261203, 2000


def _ethnic(row: dict[str, str]) -> Outcome:
    """A GB/T 3304 row: the packaged table agrees, and name, short form + 族 and 我是… are understood."""
    by_code = {e.code: e for e in ETHNICITIES}
    ok = by_code.get(row["code"]) is not None and by_code[row["code"]].name == row["name"]
    ok = ok and SHORT_FORMS.get(row["code"]) == row["short_form"]
    got = []
    for text in (row["name"], f"我是{row['name']}", f"{row['short_form']}族"):
        r = parse_ethnicity(text)
        good = isinstance(r, Parsed) and r.value.code == row["code"]
        ok = ok and good
        got.append(r.value.code if isinstance(r, Parsed) else r.reason)
    return Outcome(ok, ",".join(got), 1.0)


def own_rows(family: str) -> list[dict[str, str]]:
    """The project's own cases of a family (benchmarks/cases/<family>.tsv), or none."""
    path = OWN / f"{family}.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r.get("input") and not r["input"].startswith("#")]


def generated_rows(family: str, seed: int = SEED, n: int = GENERATED_PER_FAMILY) -> list[dict[str, str]]:
    """Rows rendered by benchmarks/cases/gen_<family>.py, or none when the family has no generator."""
    path = OWN / f"gen_{family}.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"gen_{family}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.rows(seed, n))


def evaluate(family: str, source: str, rows: Iterable[dict[str, str]]) -> dict[str, Any]:
    """Accuracy and calibration of one family over one source."""
    failures: list[dict[str, Any]] = []
    out_of_scope: list[dict[str, Any]] = []
    passed = in_scope = confident = confident_right = 0
    for row in rows:
        outcome = _ethnic(row) if family == "ethnic_gb3304" else check(family, row)
        key = (family, row.get("input", row.get("code", "")))
        if source == "shared" and key in OUT_OF_SCOPE:
            out_of_scope.append({"input": key[1], "reason": OUT_OF_SCOPE[key], "got": outcome.got,
                                 "passes": outcome.ok})
            continue
        in_scope += 1
        passed += outcome.ok
        confident += outcome.confident
        confident_right += outcome.confident and outcome.ok
        if not outcome.ok:
            failures.append({"input": key[1], "got": outcome.got, "confident": outcome.confident,
                             "expected": {k: v for k, v in row.items() if k not in ("input", "source", "note")}})
    accuracy = passed / in_scope if in_scope else 1.0
    return {
        "cases": in_scope, "passed": passed, "accuracy": round(accuracy, 4), "target": TARGETS[family],
        "meets_target": accuracy >= TARGETS[family] and confident == confident_right,
        "confident": confident, "confident_wrong": confident - confident_right,
        "calibration": round(confident_right / confident, 4) if confident else None,
        "failures": failures, "out_of_scope": out_of_scope,
    }


def main() -> None:
    """Evaluate every source of every family; print and save the figures."""
    report: dict[str, Any] = {}
    all_ok = True
    sources = {"shared": lambda f: load(f"{f}.tsv"), "own": own_rows, "generated": generated_rows}
    print(f"{'family':14s} {'source':10s} {'right':>13s} {'target':>7s}  confident wrong  calibration")
    for family in (*FAMILIES, "ethnic_gb3304"):
        report[family] = {}
        for source, rows_of in sources.items():
            rows = rows_of(family) if family != "ethnic_gb3304" or source == "shared" else []
            if not rows:
                continue
            r = evaluate(family, source, rows)
            report[family][source] = r
            all_ok = all_ok and r["meets_target"]
            cal = f"{r['calibration']:.1%}" if r["calibration"] is not None else "-"
            print(f"{family:14s} {source:10s} {r['passed']:5d}/{r['cases']:<5d}{r['accuracy']:7.1%} "
                  f"{r['target']:6.0%}  {r['confident_wrong']:15d}  {cal:>11s}")
            for o in r["out_of_scope"]:
                print(f"    out of scope: {o['input']}: {o['reason']}")
            for f in r["failures"][:40]:
                print(f"    FAIL{' (confident)' if f['confident'] else ''} {f['input']!r} -> {f['got']}")
            if len(r["failures"]) > 40:
                print(f"    … {len(r['failures']) - 40} more in results/nlu_accuracy.json")
    if not CASES.exists():
        print(f"note: {CASES} not found: the shared source was not measured", file=sys.stderr)
    report["meets_all_targets"] = all_ok
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu_accuracy.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
