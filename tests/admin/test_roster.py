"""Roster import (CSV and XLSX) and the confirmations it leads to in a conversation."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import select

from admin.runtime import Runtime
from storage.models import Person, Record, RosterEntry
from tests.conftest import TEST_SECRET, Chat
from tests.helpers import make_id

CLI = [sys.executable, "-c", "from admin.cli import main; main()"]
GOOD = make_id("620102", "19650312", "001")
TODAY = date(2026, 7, 15)
GOOD2 = make_id("620102", "19700101", "002")


def _csv(tmp_path: Path, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "roster.csv"
    rows = [
        "身份证号,姓名,联系电话,性别,民族,备注",
        f"{GOOD},张三,13912345678,男,汉族,",
        f"{GOOD2},李梅,0931-8862345,女,回族,",
        "620102196503120010,错号,13900000000,男,汉族,",  # bad check character
        f"{GOOD},重复,13912345678,男,汉族,",
        f"{make_id('620102', '19800101', '003')},王五,12345,男,汉族,",  # bad phone
        ",,,,,",  # blank: skipped, not a data row
        "62010219650312001,马福贵,139,男,回族,",  # two errors: both are reported
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
    return path


def _import(env: dict[str, str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "roster", "import", str(path), "-q", "veterans"], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path}/r.db", "INTAKE_SECRET_KEY": TEST_SECRET}


REPORT = [
    "roster.csv: 6 rows, 2 added, 0 updated, 4 rejected (1 blank row skipped)",
    "  line 4, column '身份证号': not a valid ID number: the check character (the last one) does not match",
    "  line 5, column '身份证号': the same ID number as line 2",
    "  line 6, column '联系电话': not a valid phone number: wrong number of digits (mobile numbers have 11)",
    "  line 8, column '身份证号': not a valid ID number: not 18 characters long",
    "  line 8, column '联系电话': not a valid phone number: wrong number of digits (mobile numbers have 11)",
]


def test_roster_import_command_reports_every_error_of_every_row(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = _import(env, _csv(tmp_path))
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == REPORT
    assert "rows" in result.stderr  # the progress bar goes to standard error
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名\n张三\n", encoding="utf-8")
    result = _import(env, bad)
    assert result.returncode == 2 and "no ID number column" in result.stderr


def test_roster_import_command_reads_gbk_from_excel(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = _import(env, _csv(tmp_path, "gbk"))  # Excel's "CSV" on Chinese Windows: GBK, no BOM
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == REPORT
    again = _import(env, _csv(tmp_path, "gb18030"))
    assert again.stdout.splitlines()[0] == "roster.csv: 6 rows, 0 added, 2 updated, 4 rejected (1 blank row skipped)"


def test_roster_import_command_refuses_a_damaged_file_and_stores_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    broken = tmp_path / "broken.csv"
    broken.write_text(f"身份证号,姓名\n{GOOD},张三\n{GOOD2},\"李梅\n", encoding="utf-8")
    result = _import(env, broken)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert ("error: broken.csv, line 3, column '姓名': a quoted cell starts here and is never closed (a missing \"); "
            "nothing was imported") in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = _import(env, empty)
    assert result.returncode == 2 and "empty.csv: the file is empty (0 bytes)" in result.stderr
    fake = tmp_path / "roster.xlsx"
    fake.write_text("身份证号\n", encoding="utf-8")
    result = _import(env, fake)
    assert result.returncode == 2 and "the workbook cannot be read" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(f"身份证号,姓名\n{GOOD},张三\n", encoding="utf-8")
    result = _import(env, good)  # the first line of the broken file was not stored: it is added now
    assert result.returncode == 0 and result.stdout.splitlines() == ["good.csv: 1 rows, 1 added, 0 updated, 0 rejected"]


def test_every_data_row_is_counted_and_rejected_rows_store_nothing(runtime: Runtime, tmp_path: Path) -> None:
    from admin.imports.roster import import_roster

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["身份证号", "姓名", "联系电话", "地区"])
    ws.append([GOOD, "张三", "13912345678", None])
    ws.append([None, "无号", "13912345678", None])  # no ID number
    ws.append([None, None, None, None])
    ws.append([GOOD2, "李梅", "13800001111", "东乡县"])  # no regions are loaded
    ws.append([620102197001010020, "王五", None, None])  # an ID number Excel rounded
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        campaign = store.campaigns.ensure("veterans", q.version, 2026, q.campaign.title, None)
        report = import_roster(store, campaign, q, path, None, TODAY)
    assert (report.total, report.added, report.updated, report.blank) == (4, 1, 0, 1)
    assert [(r.line, [(e.line, e.column) for e in r.errors]) for r in report.rejected] == [
        (3, [(3, "身份证号")]), (5, [(5, "地区")]), (6, [(6, "身份证号"), (6, "身份证号")])]
    assert "Excel has rounded" in report.rejected[2].errors[0].message
    with runtime.store_scope() as store:
        assert len(store.session.exec(select(Person)).all()) == 1
        assert len(store.session.exec(select(RosterEntry)).all()) == 1


def test_roster_xlsx_then_conversation_confirms_known_values(runtime: Runtime, tmp_path: Path) -> None:
    from admin.imports.roster import import_roster

    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", "联系电话", "性别", "ethnicity"])
    ws.append([GOOD, "张三", "13912345678", "女", "汉族"])  # the roster has the gender wrong
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        campaign = store.campaigns.ensure("veterans", q.version, 2026, q.campaign.title, None)
        report = import_roster(store, campaign, q, path, None, TODAY)
        assert (report.added, report.updated, report.rejected) == (1, 0, [])
        again = import_roster(store, campaign, q, path, None, TODAY)
        assert (again.added, again.updated) == (0, 1)
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person)).one()
        assert person.source == "roster" and store.people.phone(person) == "13912345678"
        assert len(store.session.exec(select(RosterEntry)).all()) == 1

    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.say(GOOD)
    assert "验证码" in chat.last.text  # a roster person must give the code sent to the roster phone
    chat.say(runtime.chat.sms.last_code("13912345678"))  # type: ignore[attr-defined]
    chat.say("退役士兵")
    assert chat.asking == "name" and chat.last.kind == "confirm"
    assert "上次登记的姓名是：张三" in chat.last.text
    chat.say("是")
    assert chat.asking == "gender" and chat.last.kind == "confirm"
    chat.say("不是")
    assert chat.asking == "gender" and chat.last.kind == "question"
    chat.say("男")
    assert chat.asking == "ethnicity" and chat.last.kind == "confirm"
    chat.say("回族")  # answering with a new value directly is a change
    with runtime.store_scope() as store:
        person_id = store.session.exec(select(Person)).one().id
        rec = store.session.exec(select(Record).where(Record.person_id == person_id)).one()
        answers = store.records.current_answers(rec.id or 0)
    assert (answers["name"].value, answers["name"].status) == ("张三", "confirmed")
    assert (answers["gender"].value, answers["gender"].status) == ("1", "changed")
    assert (answers["ethnicity"].value["code"], answers["ethnicity"].status) == ("03", "changed")
    assert answers["id_number"].status == "confirmed"

