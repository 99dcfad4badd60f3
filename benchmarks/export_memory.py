"""Memory and time of the CSV and XLSX exports as the number of records grows, written to results/export_memory.json.

Run: .venv/bin/python benchmarks/export_memory.py [--sizes 20000 100000] [--pool 3000]

For each size N a temporary SQLite database gets the Gansu region tree and N submitted veterans records
whose answers come from the demo's generator (admin/demo.py: a pool of generated people, cycled, their
sensitive answers sealed as the Store seals them), bulk-inserted. Each export then runs in a fresh Python
process through the app (TestClient, the body read in chunks and written to a file, as a browser would):
the whole campaign as CSV and as XLSX, and one county as CSV (the ``region`` filter). A thread samples
the process's resident set size every few milliseconds; the figures are the RSS before the request
(after a warm-up export of no rows), its peak during the export, and the growth between them; the CSV
export runs once more under tracemalloc for the peak of Python's own heap. Memory stays flat when these
do not rise with N. It takes about 20 minutes for the default sizes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results"
REGIONS = ROOT.parent / "shared" / "data" / "regions" / "gansu.tsv"
SECRET = "benchmark-only secret key, not for real data"
PASSWORD = "benchmark password 2026"
YEAR = 2026
COUNTY = "甘肃省/临夏回族自治州/东乡族自治县"  # one of the demo's three counties: the region-filtered export
SAMPLE_S = 0.005
#: (name, format, region, traced) of the exports measured at every size; a traced one also runs tracemalloc
EXPORTS = (("csv", "csv", None, False), ("xlsx", "xlsx", None, False), ("csv_county", "csv", COUNTY, False),
           ("csv_traced", "csv", None, True))


def _settings(db: Path) -> Any:
    """Settings of a benchmark runtime on a SQLite file."""
    from admin.settings import Settings

    return Settings.model_validate({"env": "test", "database_url": f"sqlite:///{db}", "secret_key": SECRET,
                                    "campaign_year": YEAR})


def _mb(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


# -- seeding -----------------------------------------------------------------------------------


def _pool(store: Any, q: Any, size: int, reference: date) -> list[tuple[str, list[dict[str, Any]]]]:
    """Generated veterans (the demo's people and the values they would give): (village path, answer columns).

    Written straight to the tables, as a bulk load would (the demo itself talks through the engine, which is
    far too slow for a hundred thousand records); relevance is the questionnaire's own."""
    import random

    from admin.demo import demo_places, plan_people
    from admin.demo.values import SKIP, Answerer, veterans_value
    from bot.expressions import compile_expression
    from bot.values import expression_value

    places = demo_places(store)
    people = [p for p in plan_people(YEAR, size * 2 + 10, places, YEAR) if p.questionnaire == "veterans"][:size]
    rng = random.Random(f"benchmark/export/{size}")
    pool = []
    for p in people:
        answerer = Answerer(rng, reference, p.village.split("/")[2])
        env: dict[str, Any] = {}
        answers = []
        for question in q.questions:
            section = q.section_of[question.key]
            if (section.relevant and not compile_expression(section.relevant).holds(env)) or (
                    question.relevance is not None and not question.relevance.holds(env)):
                continue
            value = veterans_value(answerer, p, question)
            if value is SKIP or value is None:
                continue
            answerer.stored[question.key] = value
            env[question.key] = expression_value(question, value)
            sensitive = question.sensitive
            answers.append({
                "question_key": question.key,
                "value_json": None if sensitive else json.dumps(value, ensure_ascii=False),
                "value_enc": store.vault.seal_json(value) if sensitive else None,
                "raw_enc": None,
                "channel": "visit", "actor": "collector:benchmark",
                "status": "confirmed" if question.identifies else "new",
            })
        pool.append((p.village, answers))
    return pool


def seed(db: Path, count: int, pool_size: int) -> dict[str, Any]:
    """A database with the region tree, a system admin and ``count`` submitted veterans records."""
    from sqlalchemy import insert

    from admin.imports.regions import read_region_file
    from admin.runtime import build_runtime
    from admin.web.security import create_staff
    from storage.models import Answer, Record
    from storage.staff_repo import StaffStore

    started = time.perf_counter()
    rt = build_runtime(_settings(db))
    q = rt.questionnaires["veterans"]
    try:
        with rt.store_scope() as store:
            store.regions.add(read_region_file(REGIONS))
            create_staff(StaffStore(store.session), "bench", "bench", PASSWORD, "system_admin", "甘肃省")
            campaign = store.campaigns.ensure("veterans", q.version, YEAR, q.campaign.title,
                                             q.campaign.reference_for(YEAR))
            region_ids = {}
            pool = _pool(store, q, pool_size, campaign.reference_date or date(YEAR, 6, 30))
            for village, _ in pool:
                if village not in region_ids:
                    region = store.regions.by_path(village)
                    assert region is not None, village
                    region_ids[village] = region.id
            now = datetime.now(UTC)
            session, chunk = store.session, 5000
            in_county = 0
            for start in range(0, count, chunk):
                records: list[dict[str, Any]] = []
                answers: list[dict[str, Any]] = []
                for rid in range(start + 1, min(start + chunk, count) + 1):
                    village, columns = pool[(rid - 1) % len(pool)]
                    in_county += village.startswith(COUNTY + "/")
                    records.append({"id": rid, "campaign_id": campaign.id, "subject_key": f"benchmark:{rid}",
                                    "region_id": region_ids[village], "status": "submitted", "stage": "collected",
                                    "receipt": f"{YEAR}{rid:08d}", "first_channel": "visit", "created_at": now,
                                    "updated_at": now, "submitted_at": now})
                    answers.extend({**c, "record_id": rid, "version": 1, "is_current": True, "confidence": 1.0,
                                    "created_at": now} for c in columns)
                session.execute(insert(Record), records)
                session.execute(insert(Answer), answers)
            session.flush()
    finally:
        rt.close()
    return {"seconds": round(time.perf_counter() - started, 1), "db_mb": _mb(db.stat().st_size),
            "records": count, "records_in_county": in_county, "pool": len(pool)}


# -- measuring (in a fresh process) --------------------------------------------------------------


def _rss() -> int:
    """The resident set size of this process now, in bytes (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Sampler(threading.Thread):
    """Samples the resident set size until stopped; ``peak`` is the highest seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S):
            self.peak = max(self.peak, _rss())

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self.done.set()
        self.join()
        self.peak = max(self.peak, _rss())
        return self.peak


def measure(db: Path, fmt: str, region: str | None, out: Path, traced: bool = False) -> dict[str, Any]:
    """Stream one export through the app into ``out``; memory and time figures (and Python's heap peak)."""
    from fastapi.testclient import TestClient

    from admin.app import create_app
    from admin.runtime import build_runtime

    rt = build_runtime(_settings(db))
    url = f"/api/exports/veterans-{YEAR}.{fmt}"
    params = {"region": region} if region else {}
    try:
        with TestClient(create_app(runtime=rt)) as client:
            r = client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['token']}"}
            warm = client.get(url, params={**params, "status": "in_progress"}, headers=headers)  # no rows
            assert warm.status_code == 200, warm.text
            if traced:
                tracemalloc.start()
            before = _rss()
            sampler = Sampler()
            sampler.start()
            started = time.perf_counter()
            first_byte, size = None, 0
            with client.stream("GET", url, params=params, headers=headers) as response, out.open("wb") as f:
                assert response.status_code == 200, response.status_code
                for chunk in response.iter_bytes():
                    if first_byte is None:
                        first_byte = time.perf_counter() - started
                    size += len(chunk)
                    f.write(chunk)
            seconds = time.perf_counter() - started
            peak = sampler.stop()
            maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            heap = tracemalloc.get_traced_memory()[1] if traced else None
            tracemalloc.stop()
    finally:
        rt.close()
    figures = {"seconds": round(seconds, 2), "first_byte_seconds": round(first_byte or seconds, 2),
               "bytes": size, "rows": _count_rows(out, fmt), "rss_before_mb": _mb(before),
               "rss_peak_mb": _mb(peak), "growth_mb": _mb(peak - before), "ru_maxrss_mb": _mb(maxrss)}
    if heap is not None:
        figures["python_heap_peak_mb"] = _mb(heap)  # allocations made during the export (tracemalloc)
    return figures


def _count_rows(path: Path, fmt: str) -> int:
    """Data rows of an export file (read after the measurement)."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return sum(1 for _ in csv.reader(f)) - 1
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in wb.active.iter_rows(values_only=True)) - 1
    finally:
        wb.close()


def _measure_in_child(db: Path, fmt: str, region: str | None, out: Path, traced: bool) -> dict[str, Any]:
    """Run :func:`measure` in a new interpreter, so that seeding and earlier exports leave no trace."""
    cmd = [sys.executable, __file__, "--measure", str(db), "--format", fmt, "--out", str(out)]
    if region:
        cmd += ["--region", region]
    if traced:
        cmd.append("--traced")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _slope(runs: list[dict[str, Any]], name: str, figure: str, sizes: list[int]) -> float | None:
    """How much a memory figure rises per 10,000 more records, between the smallest and the largest size (MB)."""
    if len(sizes) < 2:
        return None
    small, large = runs[0]["exports"][name][figure], runs[-1]["exports"][name][figure]
    return round((large - small) / ((sizes[-1] - sizes[0]) / 10_000), 2)


def main() -> None:
    """Seed each size, measure each export in a child process, write the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--pool", type=int, default=3000, help="generated people whose answers are cycled")
    parser.add_argument("--output", type=Path, default=RESULTS / "export_memory.json")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=("csv", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--region", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.format, args.region, args.out, args.traced)))
        return

    sizes = sorted(args.sizes)
    runs = []
    with tempfile.TemporaryDirectory(prefix="intake-export-bench-") as tmp:
        for n in sizes:
            db = Path(tmp) / f"export-{n}.db"
            print(f"seeding {n} records …", file=sys.stderr, flush=True)
            seeded = seed(db, n, args.pool)
            print(f"  {seeded}", file=sys.stderr, flush=True)
            exports = {}
            for name, fmt, region, traced in EXPORTS:
                out = Path(tmp) / f"export-{n}-{name}.{fmt}"
                exports[name] = _measure_in_child(db, fmt, region, out, traced)
                expected = seeded["records_in_county"] if region else n
                if exports[name]["rows"] != expected:
                    raise SystemExit(f"{name} of {n}: {exports[name]['rows']} rows, expected {expected}")
                out.unlink()
                print(f"  {name}: {exports[name]}", file=sys.stderr, flush=True)
            runs.append({"records": n, "seed": seeded, "exports": exports})
            db.unlink()
    slopes = {name: _slope(runs, name, "growth_mb", sizes) for name, _, _, traced in EXPORTS if not traced}
    slopes.update({f"{name}_python_heap": _slope(runs, name, "python_heap_peak_mb", sizes)
                   for name, _, _, traced in EXPORTS if traced})
    result = {
        "what": "peak resident memory and time of streaming an export through the app, by number of records",
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "database": "SQLite file (WAL), Gansu region tree, submitted veterans records from the demo generator",
        "method": "each export in a fresh process via TestClient, body read in chunks into a file; RSS sampled "
                  f"every {SAMPLE_S * 1000:.0f} ms; growth = peak during the export - RSS before it; csv_traced "
                  "runs the CSV export again under tracemalloc (slower) for the peak of Python's own heap",
        "flat_means": "memory rises by less than 1 MB per 10,000 more records between the sizes",
        "runs": runs,
        "growth_mb_per_10k_records": slopes,
        "flat": {name: s is not None and s < 1.0 for name, s in slopes.items()},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"growth_mb_per_10k_records": slopes, "flat": result["flat"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
