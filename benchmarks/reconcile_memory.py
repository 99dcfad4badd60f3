"""Memory of a reconciliation import as the department's list grows, written to results/reconcile_memory.json.

Run: .venv/bin/python benchmarks/reconcile_memory.py [--sizes 5 25 50] [--roster 2000]

For each size (MB of CSV) a temporary SQLite database gets the Gansu region tree, a system admin and a
veterans roster of ``--roster`` people in 东乡族自治县, a few hundred of whom have submitted records. A
低保 list of about that size is generated: ID number, name, 是否低保, a remark column, the roster
people first and then people unknown to the roster (as a county's list mostly is), with some repeated
and some invalid ID numbers. The service runs in a child process (uvicorn, as ``intake serve`` runs
it); the list is uploaded with a streamed multipart body, and the parent samples the child's resident
set size (/proc/PID/status) every few milliseconds: the figures are the RSS before the upload, its
peak during the import, and the growth between them. Memory is bounded when the growth does not rise
with the size of the file. About 10 minutes for the default sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results"
REGIONS = ROOT.parent / "shared" / "data" / "regions" / "gansu.tsv"
SECRET = "benchmark-only secret key, not for real data"
PASSWORD = "benchmark password 2026"
YEAR = 2026
VILLAGES = ("甘肃省/临夏回族自治州/东乡族自治县/东塬乡/东塬村", "甘肃省/临夏回族自治州/东乡族自治县/东塬乡/刘牙村")
MAPPING = {"id_column": "身份证号", "name_column": "姓名", "columns": {"是否低保": "dibao"}}
SAMPLE_S = 0.005
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id(n: int) -> str:
    """The n-th valid ID number of the benchmark: Dongxiang county, 1,000 a day from 1940-01-01 (all different)."""
    born = date(1940, 1, 1) + timedelta(days=n // 1000)
    body = f"622926{born:%Y%m%d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def _unique_ids() -> Iterator[str]:
    n = 0
    while True:
        yield _id(n)
        n += 1


def _settings(db: Path) -> Any:
    from admin.settings import Settings

    return Settings.model_validate({"env": "test", "database_url": f"sqlite:///{db}", "secret_key": SECRET,
                                    "campaign_year": YEAR})


def seed(db: Path, roster: int, folder: Path) -> list[str]:
    """The database: regions, an admin, a roster of ``roster`` people; returns their ID numbers."""
    from admin.imports.regions import read_region_file
    from admin.imports.roster import import_roster
    from admin.runtime import build_runtime
    from admin.web.security import create_staff
    from storage.staff_repo import StaffStore

    rt = build_runtime(_settings(db))
    q = rt.questionnaires["veterans"]
    ids = _unique_ids()
    numbers = [next(ids) for _ in range(roster)]
    listing = folder / "roster.csv"
    with listing.open("w", encoding="utf-8") as out:
        out.write("身份证号,姓名,地区\n")
        for i, number in enumerate(numbers):
            out.write(f"{number},名册{i},{VILLAGES[i % 2]}\n")
    try:
        with rt.store_scope() as store:
            store.regions.add(read_region_file(REGIONS))
        rt.reload_regions()
        with rt.store_scope() as store:
            create_staff(StaffStore(store.session), "bench", "bench", PASSWORD, "system_admin", "甘肃省")
            campaign = store.campaigns.ensure("veterans", q.version, YEAR, q.campaign.title,
                                             q.campaign.reference_for(YEAR))
            report = import_roster(store, campaign, q, listing, rt.understanding.regions, date(YEAR, 7, 1))
            assert not report.rejected, report.rejected[:3]
    finally:
        rt.close()
    return numbers


def department_list(path: Path, megabytes: int, roster: list[str]) -> int:
    """A 低保 list of about ``megabytes`` MB; returns its number of data rows."""
    rng = random.Random(f"reconcile/{megabytes}")
    ids = _unique_ids()
    for _ in roster:
        next(ids)  # the unknown people come after the roster's numbers
    target = megabytes * 1_000_000
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("身份证号,姓名,是否低保,备注\n")
        size = 0
        while size < target:
            if rows < len(roster):
                number = roster[rows]
            elif rows % 997 == 0:
                number = roster[rows % len(roster)]  # repeated
            elif rows % 1009 == 0:
                number = "62292619650312001"  # invalid
            else:
                number = next(ids)
            line = f"{number},低保户{rows},{rng.choice('是否')},{'年审已通过，家庭人口三人' if rows % 2 else '新增'}\n"
            out.write(line)
            size += len(line.encode())
            rows += 1
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss(pid: int) -> int:
    """Resident set size of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(megabytes: int, roster_size: int) -> dict[str, Any]:
    """One import of a list of ``megabytes`` MB against a fresh database, in a fresh server process."""
    with tempfile.TemporaryDirectory(prefix="intake-bench-reconcile-") as tmp:
        folder = Path(tmp)
        db = folder / "intake.db"
        roster = seed(db, roster_size, folder)
        listing = folder / "低保名单.csv"
        rows = department_list(listing, megabytes, roster)
        port = _free_port()
        env = {**os.environ, "INTAKE_ENV": "test", "INTAKE_DATABASE_URL": f"sqlite:///{db}",
               "INTAKE_SECRET_KEY": SECRET, "INTAKE_CAMPAIGN_YEAR": str(YEAR)}
        server = subprocess.Popen([sys.executable, "-c", "from admin.cli import main; main()", "serve",
                                   "--port", str(port)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=1800) as http:
                for _ in range(600):
                    try:
                        if http.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                token = http.post("/api/auth/login", json={"username": "bench", "password": PASSWORD}).json()["token"]
                http.get("/api/reconcile/runs", headers={"Authorization": f"Bearer {token}"})  # warm
                before = _rss(server.pid)
                peak = before
                done = threading.Event()

                def sample() -> None:
                    nonlocal peak
                    while not done.is_set():
                        peak = max(peak, _rss(server.pid))
                        time.sleep(SAMPLE_S)

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                started = time.perf_counter()
                with listing.open("rb") as fh:
                    r = http.post("/api/reconcile", headers={"Authorization": f"Bearer {token}"},
                                  files={"file": (listing.name, fh, "text/csv")},
                                  data={"campaign": f"veterans-{YEAR}", "department": "dibao",
                                        "mapping": json.dumps(MAPPING, ensure_ascii=False)})
                seconds = time.perf_counter() - started
                done.set()
                sampler.join()
                assert r.status_code == 201, r.text[:500]
                run = r.json()
        finally:
            server.terminate()
            server.wait(timeout=30)
        return {
            "file_mb": round(listing.stat().st_size / 1e6, 1), "rows": rows, "roster": roster_size,
            "matched": run["matched"], "rejected_listed": len(run["rejected"]),
            "items": sum(n for kind in run["counts"].values() for n in kind.values()),
            "seconds": round(seconds, 1), "rss_before_mb": round(before / 2**20, 1),
            "rss_peak_mb": round(peak / 2**20, 1), "rss_growth_mb": round((peak - before) / 2**20, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 25, 50], help="list sizes in MB")
    parser.add_argument("--roster", type=int, default=2000, help="people on the roster")
    args = parser.parse_args()
    results = []
    for size in args.sizes:
        result = measure(size, args.roster)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "reconcile_memory.json"
    out.write_text(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} cores",
                               "python": platform.python_version(), "database": "SQLite", "results": results},
                              ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
