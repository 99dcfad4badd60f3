"""Dates: absolute, partial, two-digit years, relative, decades, spans, impossible and lunar dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from nlu.dates import DateSpan, find_dates, parse_date
from nlu.result import NotUnderstood, Parsed

NOW = datetime(2024, 6, 15, 10, 0)


@pytest.mark.parametrize(
    ("text", "start", "end", "granularity"),
    [
        ("1965年3月12日", "1965-03-12", "1965-03-12", "day"),
        ("1965-03-12", "1965-03-12", "1965-03-12", "day"),
        ("1965年3月", "1965-03-01", "1965-03-31", "month"),
        ("1965年", "1965-01-01", "1965-12-31", "year"),
        ("1965", "1965-01-01", "1965-12-31", "year"),
        ("六五年三月十二号", "1965-03-12", "1965-03-12", "day"),
        ("一九八五年三月十二", "1985-03-12", "1985-03-12", "day"),
        ("一九八五年三月十二日出生", "1985-03-12", "1985-03-12", "day"),
        ("85.3.12", "1985-03-12", "1985-03-12", "day"),
        ("八五年三月", "1985-03-01", "1985-03-31", "month"),
        ("85年", "1985-01-01", "1985-12-31", "year"),
        ("2019/04/19", "2019-04-19", "2019-04-19", "day"),
        ("19650312", "1965-03-12", "1965-03-12", "day"),
        ("1999.08-2002.02", "1999-08-01", "2002-02-28", "span"),
        ("1999年8月至2002年2月", "1999-08-01", "2002-02-28", "span"),
        ("去年", "2023-01-01", "2023-12-31", "year"),
        ("前年", "2022-01-01", "2022-12-31", "year"),
        ("三年前", "2021-01-01", "2021-12-31", "year"),
        ("上个月15号", "2024-05-15", "2024-05-15", "day"),
        ("九十年代", "1990-01-01", "1999-12-31", "decade"),
        ("上世纪90年代", "1990-01-01", "1999-12-31", "decade"),
        ("七十年代末", "1977-01-01", "1979-12-31", "span"),
        ("零三年", "2003-01-01", "2003-12-31", "year"),
        ("二四年", "2024-01-01", "2024-12-31", "year"),
        ("二五年", "1925-01-01", "1925-12-31", "year"),
        ("大概是八五年左右吧", "1985-01-01", "1985-12-31", "year"),
        ("1985年底", "1985-11-01", "1985-12-31", "span"),
        ("3月12日", "2024-03-12", "2024-03-12", "day"),
    ],
)
def test_parse_date(text: str, start: str, end: str, granularity: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, Parsed), r
    assert (str(r.value.start), str(r.value.end), r.value.granularity) == (start, end, granularity)
    s, e = r.span
    assert 0 <= s < e <= len(text)


def test_two_digit_year_lowers_confidence() -> None:
    full, short = parse_date("1985年3月", NOW), parse_date("85年3月", NOW)
    assert isinstance(full, Parsed) and isinstance(short, Parsed)
    assert full.confidence == 1.0 and short.confidence < 1.0


@pytest.mark.parametrize("text", ["1965年2月30日", "2月30日", "1990年13月1日", "一九八三年二月二十九日"])
def test_impossible_dates_are_rejected(text: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, NotUnderstood) and r.reason == "impossible_date"


@pytest.mark.parametrize("text", ["农历三月初五", "阴历1965年8月15日", "腊月二十三", "正月十五生的"])
def test_lunar_dates_are_not_converted(text: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, NotUnderstood) and r.reason == "lunar_date"


@pytest.mark.parametrize("text", ["", "  ", "不记得了", "三十年"])
def test_no_date(text: str) -> None:
    assert isinstance(parse_date(text, NOW), NotUnderstood)


def test_find_dates_two_years() -> None:
    text = "我是八五年当的兵，八九年退的"
    found = find_dates(text, NOW)
    assert [(f.value.start.year, f.value.granularity) for f in found] == [(1985, "year"), (1989, "year")]
    assert [text[f.span[0] : f.span[1]] for f in found] == ["八五年", "八九年"]


def test_find_dates_in_multi_slot_sentence() -> None:
    text = "我叫张三，男，汉族，1965年3月出生"
    (d,) = find_dates(text, NOW)
    assert d.value == DateSpan(date(1965, 3, 1), date(1965, 3, 31), "month")
    assert text[d.span[0] : d.span[1]] == "1965年3月"


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (DateSpan(date(1985, 3, 1), date(1985, 3, 31), "month"), "1985年3月"),
        (DateSpan(date(1985, 3, 12), date(1985, 3, 12), "day"), "1985年3月12日"),
        (DateSpan(date(1985, 1, 1), date(1985, 12, 31), "year"), "1985年"),
        (DateSpan(date(1990, 1, 1), date(1999, 12, 31), "decade"), "1990年代"),
        (DateSpan(date(1999, 8, 1), date(2002, 2, 28), "span"), "1999年8月至2002年2月"),
    ],
)
def test_display(span: DateSpan, shown: str) -> None:
    assert span.display() == shown


def test_future_is_flagged_not_rejected() -> None:
    r = parse_date("明年", NOW)
    assert isinstance(r, Parsed) and r.extra.get("future") is True
