"""`intake parse TYPE` as a real process: JSON lines out, bad lines never stop the batch."""

from __future__ import annotations

import json
import subprocess
import sys

CLI = [sys.executable, "-c", "from admin.cli import main; main()"]


def _parse(args: list[str], lines: list[str]) -> list[dict[str, object]]:
    result = subprocess.run([*CLI, "parse", *args], input="\n".join(lines) + "\n", capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    return out


def test_dates_with_now_and_bad_lines() -> None:
    out = _parse(["date", "--now", "2026-07-01T09:00:00"], ["六五年三月十二号", "2月30日", "去年", "", "八五年"])
    assert out[0]["value"] == {"start": "1965-03-12", "end": "1965-03-12", "granularity": "day"}
    assert out[1]["error"] == "impossible_date"
    assert out[2]["value"] == {"start": "2025-01-01", "end": "2025-12-31", "granularity": "year"}
    assert out[3]["error"] == "empty"
    assert out[4]["value"]["granularity"] == "year"  # type: ignore[index]


def test_id_numbers_numbers_digits_phone_yes_no_ethnicity() -> None:
    ids = _parse(["id_number"], ["幺幺零一零五一九四九一二三一零零二叉", "11010519491231002Y"])
    assert ids[0] == {"input": "幺幺零一零五一九四九一二三一零零二叉", "value": "11010519491231002X",
                      "birth_date": "1949-12-31", "gender": "女", "region_code": "110105", "confidence": ids[0]["confidence"]}
    assert "error" in ids[1]
    numbers = _parse(["number"], ["七十来平", "三万五", "元整"])
    assert numbers[0]["value"] == 70 and numbers[0]["approximate"] is True and numbers[0]["unit"] == "平方米"
    assert numbers[1]["value"] == 35000 and "error" in numbers[2]
    assert _parse(["digits"], ["零九三一"])[0]["value"] == "0931"
    assert _parse(["normalize"], ["两岸一些人有三万五"])[0]["value"] == "两岸一些人有35000"
    assert _parse(["phone"], ["幺三九幺二三四五六七八"])[0]["value"] == "13912345678"
    assert [o["value"] for o in _parse(["yes_no"], ["应该没有吧", "不太清楚", "我不想说", "是的"])] == [
        "no", "unsure", "refuse", "yes"]
    assert _parse(["ethnicity"], ["回"])[0]["code"] == "03"


def test_choice_needs_a_question_and_reads_asr_errors() -> None:
    out = _parse(["choice", "--questionnaire", "veterans", "--question", "placement"], ["自主则业", "不知道"])
    assert out[0]["value"] == "2" and out[1]["error"] == "no_match"
    bad = subprocess.run([*CLI, "parse", "choice"], input="x\n", capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2 and "--question" in bad.stderr
    unknown = subprocess.run([*CLI, "parse", "colour"], input="x\n", capture_output=True, text=True, timeout=60,
                             check=False)
    assert unknown.returncode == 2 and "unknown type" in unknown.stderr


def test_numbers_say_exact_approximate_or_range() -> None:
    out = _parse(["number"], ["三千", "五百多", "两到三万"])
    assert out[0]["precision"] == "exact" and "low" not in out[0]
    assert out[1]["precision"] == "approx" and out[1]["value"] == 500 and out[1]["approximate"] is True
    assert out[2]["precision"] == "range" and (out[2]["low"], out[2]["high"]) == (20000, 30000)


def test_dates_read_in_the_past_unless_ahead() -> None:
    now = ["--now", "2026-07-01T09:00:00"]
    assert _parse(["date", *now], ["九月一号"])[0]["value"]["start"] == "2025-09-01"  # type: ignore[index]
    assert _parse(["date", *now, "--ahead"], ["九月一号"])[0]["value"]["start"] == "2026-09-01"  # type: ignore[index]
