"""The terminal chat as a real process: `intake chat` with scripted standard input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from admin.runtime import build_runtime
from storage.models import Record
from tests.conftest import TEST_SECRET, make_settings
from tests.helpers import make_id


def _run(db_url: str, script: list[str], user: str = "tester") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_DATABASE_URL": db_url, "INTAKE_SECRET_KEY": TEST_SECRET,
           "INTAKE_CAMPAIGN_YEAR": "2026", "INTAKE_ENV": "test"}
    exe = Path(sys.executable).with_name("intake")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from admin.cli import main; main()"]
    return subprocess.run(
        [*cmd, "chat", "veterans", "--user", user], input="\n".join(script) + "\n",
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


def test_terminal_chat_scripted_to_submission(db_url: str) -> None:
    id_number = make_id("620102", "19650312", "001")
    first = _run(db_url, ["1", id_number, "退役士兵", "王五", "1", "回族", "六五年三月十二号", "13912345678", "群众"])
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "[1] 同意" in out and "身份证" in out
    assert "王五" in out and "回族" in out and "1965年3月12日" in out
    # a second run of the same terminal user resumes at the next question and finishes
    rest = ["1983年10月", "1988年12月", "义务兵", "跳过", "跳过", "甘肃省兰州市城关区", "自主就业", "务农",
            "没有", "都没有", "都没有", "没有", "都没有", "跳过", "跳过"]
    second = _run(db_url, [*rest, "确认提交"])
    assert second.returncode == 0, second.stderr
    assert "提交成功" in second.stdout, second.stdout
    rt = build_runtime(make_settings(db_url))
    try:
        with rt.store_scope() as store:
            rec = store.session.exec(select(Record)).one()
            answers = store.records.current_answers(rec.id or 0)
            assert rec.status == "submitted"
            assert answers["name"].value == "王五" and answers["name"].channel == "terminal"
            assert answers["gender"].value == "1"
            assert answers["birth_date"].value["start"] == "1965-03-12"
    finally:
        rt.close()


def test_terminal_chat_unknown_questionnaire(db_url: str) -> None:
    env = {**os.environ, "INTAKE_DATABASE_URL": db_url, "INTAKE_SECRET_KEY": TEST_SECRET}
    result = subprocess.run([sys.executable, "-c", "from admin.cli import main; main()", "chat", "nope"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 2 and "unknown questionnaire" in result.stderr
