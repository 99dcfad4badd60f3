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


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    rows = [
        "身份证号,姓名,联系电话,性别,民族,备注",
        f"{GOOD},张三,13912345678,男,汉族,",
        f"{GOOD2},李梅,0931-8862345,女,回族,",
        "620102196503120010,错号,13900000000,男,汉族,",  # bad check character
        f"{GOOD},重复,13912345678,男,汉族,",
        f"{make_id('620102', '19800101', '003')},王五,12345,男,汉族,",  # bad phone
    ]
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_roster_import_command_reports_rejected_rows(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path}/r.db", "INTAKE_SECRET_KEY": TEST_SECRET}
    result = subprocess.run([*CLI, "roster", "import", str(_csv(tmp_path)), "-q", "veterans"],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 1
    assert "5 rows, 2 added, 0 updated, 3 rejected" in result.stdout
    assert "line 4: 身份证号码无效" in result.stdout
    assert "line 5: 身份证号码在文件中重复" in result.stdout
    assert "line 6: 联系电话无效" in result.stdout
    assert "rows" in result.stderr  # the progress bar goes to standard error
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名\n张三\n", encoding="utf-8")
    result = subprocess.run([*CLI, "roster", "import", str(bad)], capture_output=True, text=True, env=env,
                            timeout=120, check=False)
    assert result.returncode == 2 and "no ID number column" in result.stderr


def test_roster_xlsx_then_conversation_confirms_known_values(runtime: Runtime, tmp_path: Path) -> None:
    from admin.roster import import_roster

    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", "联系电话", "性别", "ethnicity"])
    ws.append([GOOD, "张三", "13912345678", "女", "汉族"])  # the roster has the gender wrong
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        campaign = store.ensure_campaign("veterans", q.version, 2026, q.campaign.title, None)
        report = import_roster(store, campaign, q, path, None, TODAY)
        assert (report.added, report.updated, report.rejected) == (1, 0, [])
        again = import_roster(store, campaign, q, path, None, TODAY)
        assert (again.added, again.updated) == (0, 1)
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person)).one()
        assert person.source == "roster" and store.person_phone(person) == "13912345678"
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
        answers = store.current_answers(rec.id or 0)
    assert (answers["name"].value, answers["name"].status) == ("张三", "confirmed")
    assert (answers["gender"].value, answers["gender"].status) == ("1", "changed")
    assert (answers["ethnicity"].value["code"], answers["ethnicity"].status) == ("03", "changed")
    assert answers["id_number"].status == "confirmed"

