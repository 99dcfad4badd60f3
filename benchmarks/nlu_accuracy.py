"""Per-type accuracy of the nlu parsers over ../shared/data/nlu-cases, written to results/nlu_accuracy.json.

Run: .venv/bin/python benchmarks/nlu_accuracy.py
Cases whose expected meaning does not fit an intake are listed as out of scope with the reason (they are
counted, shown and still evaluated, never silently dropped). The evaluation rules are those of the unit
tests (tests/nlu/cases.py), so the benchmark and the tests cannot disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results"

from nlu.ethnicity import ETHNICITIES, SHORT_FORMS, parse_ethnicity  # noqa: E402
from nlu.result import Parsed  # noqa: E402
from tests.nlu.cases import CASES, OUT_OF_SCOPE, check, load  # noqa: E402

TARGETS = {"dates": 0.98, "numbers": 0.98, "idcards": 1.0, "yesno": 0.95, "ethnic_gb3304": 1.0}


def _ethnic(row: dict[str, str]) -> tuple[bool, str]:
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
    return ok, ",".join(got)


def main() -> None:
    """Evaluate every case file and print and save the per-type accuracy."""
    if not CASES.exists():
        print(f"{CASES} not found: nothing to measure", file=sys.stderr)
        sys.exit(2)
    report: dict[str, object] = {}
    all_ok = True
    for kind in ("numbers", "dates", "idcards", "yesno", "ethnic_gb3304"):
        rows = load(f"{kind}.tsv")
        failures: list[dict[str, str]] = []
        out_of_scope: list[dict[str, Any]] = []
        passed = in_scope = 0
        for row in rows:
            ok, got = _ethnic(row) if kind == "ethnic_gb3304" else check(kind, row)
            key = (kind, row.get("input", row.get("code", "")))
            if key in OUT_OF_SCOPE:
                out_of_scope.append({"input": key[1], "reason": OUT_OF_SCOPE[key], "got": got, "passes": ok})
                continue
            in_scope += 1
            passed += ok
            if not ok:
                failures.append({"input": key[1], "got": got, "source": row.get("source", "")})
        accuracy = passed / in_scope if in_scope else 0.0
        overall = (passed + sum(o["passes"] for o in out_of_scope)) / len(rows) if rows else 0.0
        meets = accuracy >= TARGETS[kind]
        all_ok = all_ok and meets
        report[kind] = {
            "cases": len(rows),
            "in_scope": in_scope,
            "passed": passed,
            "accuracy": round(accuracy, 4),
            "accuracy_all_cases": round(overall, 4),
            "target": TARGETS[kind],
            "meets_target": meets,
            "failures": failures,
            "out_of_scope": out_of_scope,
        }
        print(
            f"{kind:14s} {passed:3d}/{in_scope:<3d} in scope = {accuracy:6.1%} (target {TARGETS[kind]:.0%})"
            f"  all {len(rows)} cases = {overall:6.1%}  out of scope: {len(out_of_scope)}"
        )
        for o in out_of_scope:
            print(f"    out of scope: {o['input']}: {o['reason']}")
        for f in failures:
            print(f"    FAIL {f['input']!r} -> {f['got']}")
    report["meets_all_targets"] = all_ok
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu_accuracy.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
