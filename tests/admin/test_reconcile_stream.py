"""A department list of several batches: what one batch must know of the others (repeated ID numbers, the
line a roster person was found on) is kept across them, rejected rows beyond the first thousand are
counted, GB18030 lists and damaged ones are read by admin.imports.tables, and an oversized list is refused. The memory
bound itself is shown by benchmarks/reconcile_memory.py, not by a test."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from admin.app import create_app
from admin.imports.reconcile import BATCH, MAX_REJECTED_LISTED, ListTooLarge, receive_list
from admin.runtime import Runtime
from storage.reconcile_scratch import Scratch
from tests.admin.conftest import ID_A, login
from tests.helpers import make_id

MAPPING = '{"id_column": "身份证号", "columns": {"是否低保": "dibao"}}'


def _numbers(count: int) -> list[str]:
    """``count`` different valid ID numbers of people nobody knows."""
    out: list[str] = []
    day = 0
    while len(out) < count:
        out.extend(make_id("622926", f"19{40 + day // 336 % 60:02d}{1 + day // 28 % 12:02d}{1 + day % 28:02d}",
                           f"{seq:03d}") for seq in range(100, 110))
        day += 1
    return out[:count]


def _post(client: TestClient, headers: dict[str, str], body: bytes) -> Any:
    return client.post("/api/reconcile", headers=headers, files={"file": ("低保名单.csv", body)},
                       data={"campaign": "veterans-2026", "department": "dibao", "mapping": MAPPING})


def test_a_list_of_several_batches(runtime: Runtime, world: dict[str, int]) -> None:
    strangers = _numbers(3 * BATCH)
    bad = MAX_REJECTED_LISTED + 50
    lines = ["身份证号,是否低保", *(f"{n},是" for n in strangers), f"{ID_A},是"]  # A, on the roster, last
    lines += [f"{strangers[1]},否"]  # a repeat of line 3, batches later
    lines += ["62292619650312001,是"] * bad  # invalid ID numbers
    with TestClient(create_app(runtime=runtime)) as client:
        county = login(runtime, "dongxiang", client)
        r = _post(client, county, ("\n".join(lines) + "\n").encode("gb18030"))  # as Excel on Chinese Windows saves it
        assert r.status_code == 201, r.text
        run = r.json()
        assert (run["rows"], run["matched"]) == (len(strangers) + 2 + bad, 1)
        rejected = run["rejected"]
        assert len(rejected) == MAX_REJECTED_LISTED + 1
        repeat = len(strangers) + 3
        assert rejected[0] == {"line": repeat, "code": "duplicate", "message": "身份证号码与第3行重复"}
        assert rejected[-1] == {"line": 0, "code": "more_rejected", "message": f"另有{bad + 1 - MAX_REJECTED_LISTED}行同样被跳过，未逐行列出"}
        assert run["counts"]["missing"]["not_on_roster"] == len(strangers)
        items = client.get(f"/api/reconcile/runs/{run['id']}/items", headers=county,
                           params={"reason": "not_collected"}).json()["items"]
        # A is on the roster and not submitted: the finding names the line A was found on
        a_line = len(strangers) + 2
        assert [i["line"] for i in items if i["id_number"] == ID_A[:6] + "********" + ID_A[-4:]] == [a_line]
        ordered = client.get(f"/api/reconcile/runs/{run['id']}/items", headers=county,
                             params={"reason": "not_on_roster", "limit": 500}).json()["items"]
        assert [i["line"] for i in ordered] == list(range(2, 502))  # in the order of the file


def test_an_oversized_list_is_refused_while_it_is_copied(tmp_path: Path) -> None:
    class Source(io.RawIOBase):
        """51 MiB of zeros, counting what was read."""

        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            n = min(len(buffer), 51 * 2**20 - self.read_bytes)
            buffer[:n] = b"\0" * n
            self.read_bytes += n
            return n

    source = Source()
    target = tmp_path / "list.csv"
    try:
        receive_list(io.BufferedReader(source), target, 50 * 2**20)
    except ListTooLarge:
        pass
    else:
        raise AssertionError("a 51 MiB list was taken")
    assert source.read_bytes <= 50 * 2**20 + 2 * 2**20 and target.stat().st_size <= 50 * 2**20


def test_csv_encodings(tmp_path: Path) -> None:
    from admin.imports.reconcile import ColumnMapping, read_rows

    mapping = ColumnMapping(id_column="身份证号", columns={})
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(("身份证号,是否低保\n" + "张三,是\n" * 200_000).encode("gb18030"))  # characters across chunks
    positions, rows = read_rows(gbk, mapping, {})
    assert positions == {"身份证号": 0}
    count = 0
    for row in rows:
        assert row.values == ("张三", "是") and not row.errors
        count += 1
    assert count == 200_000


def test_the_scratch_keeps_first_lines_across_batches(tmp_path: Path) -> None:
    with Scratch(tmp_path / "s") as scratch:
        assert scratch.first_seen([("a", 2), ("b", 3), ("a", 4)]) == [None, None, 2]
        assert scratch.first_seen([("b", 9), ("c", 10)]) == [3, None]
        scratch.matched(7, 5)
        scratch.matched(7, 11)
        assert scratch.lines_of([7, 8]) == {7: 5}
        scratch.add_items([{"kind": "missing", "reason": "not_on_roster", "line": n} for n in range(2500)])
        batches = list(scratch.items(batch=1000))
        assert [len(b) for b in batches] == [1000, 1000, 500] and batches[2][-1]["line"] == 2499


def test_a_damaged_list_names_the_line_and_column(tmp_path: Path) -> None:
    from admin.imports.reconcile import ColumnMapping, ReconcileError, read_rows

    mapping = ColumnMapping(id_column="身份证号", columns={})
    broken = tmp_path / "list.csv"
    broken.write_text(f"身份证号,是否低保\n{ID_A},是\n{ID_A},\"是\n", encoding="utf-8")
    _, rows = read_rows(broken, mapping, {})
    try:
        list(rows)
    except ReconcileError as exc:
        assert str(exc) == "list.csv, line 3, column '是否低保': a quoted cell starts here and is never closed (a missing \")"
    else:
        raise AssertionError("a broken quote was read")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    try:
        read_rows(empty, mapping, {})
    except ReconcileError as exc:
        assert str(exc) == "empty.csv: the file is empty (0 bytes)"
    else:
        raise AssertionError("an empty file was read")


def test_rows_with_unreadable_cells_are_rejected_with_the_reader_s_errors(runtime: Runtime, world: dict[str, int],
                                                                         tmp_path: Path) -> None:
    body = f"身份证号,是否低保\n{ID_A},是,多余\n".encode("gb18030") + b"62292619650312001X,\x80\n"
    with TestClient(create_app(runtime=runtime)) as client:
        county = login(runtime, "dongxiang", client)
        r = _post(client, county, body)
        assert r.status_code == 201, r.text
        assert [(x["line"], x["code"], x["message"]) for x in r.json()["rejected"]] == [
            (2, "bad_cells", "line 2, column '#3': 3 cells, but the header has 2 columns (a value at position 3 has "
                             "no column)"),
            (3, "bad_cells", "line 3, column '是否低保': byte 0x80 cannot be read as GB18030 (GBK) text"),
        ]
