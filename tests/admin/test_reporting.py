"""Export cells: free text that a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

from datetime import UTC, datetime

from admin.services.reporting import ExportRow, cells, headers, neutralise
from bot.questionnaire import load_all
from storage.repo import StoredAnswer


def _answer(key: str, value: object) -> StoredAnswer:
    return StoredAnswer(answer_id=1, key=key, value=value, raw=None, confidence=1.0, status="new", channel="web",
                        actor="self:web", version=1, created_at=datetime(2026, 7, 1, tzinfo=UTC))


def test_formula_like_text_is_kept_as_text() -> None:
    assert neutralise('=HYPERLINK("http://x","点我")') == '\'=HYPERLINK("http://x","点我")'
    for dangerous in ("+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(dangerous).startswith("'")
    assert neutralise("希望解决看病难") == "希望解决看病难" and neutralise("") == ""


def test_an_export_line_neutralises_answers_but_not_numbers() -> None:
    q = load_all()["veterans"]
    row = ExportRow(record_id=7, receipt=None, status="submitted", region="甘肃省", answers={
        "name": _answer("name", "=cmd|' /C calc'!A0"),
        "appeals": _answer("appeals", "@看病难"),
        "housing_area": _answer("housing_area", {"value": 70.0, "unit": "平方米"}),
    })
    line = dict(zip(headers(q), cells(q, row, reveal=True), strict=True))
    assert line["姓名"] == "'=cmd|' /C calc'!A0"
    assert line[q.by_key["appeals"].title] == "'@看病难"
    assert line[q.by_key["housing_area"].title] == "70"
    masked = dict(zip(headers(q), cells(q, row, reveal=False), strict=True))  # masked, and still neutralised
    assert masked["姓名"] == "'=" + "*" * 17 and masked[q.by_key["appeals"].title] == "（已隐藏）"
    assert masked[q.by_key["housing_area"].title] == "70"
