"""Date families of issue 11: past preference, parts of years and months, numeric orders, spans, eras.

Cases of their own (the benchmark's cases in benchmarks/cases/dates.tsv are kept apart)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from nlu.dates import find_dates, parse_date
from nlu.result import NotUnderstood, Parsed

NOW = datetime(2022, 8, 20, 9, 0)  # a Saturday


def _read(text: str, now: datetime = NOW, **kw: bool) -> Parsed:
    r = parse_date(text, now, **kw)
    assert isinstance(r, Parsed), (text, r)
    return r


@pytest.mark.parametrize(
    ("text", "start", "end", "granularity"),
    [
        ("十月五号", "2021-10-05", "2021-10-05", "day"),
        ("8月19日", "2022-08-19", "2022-08-19", "day"),
        ("九月", "2021-09-01", "2021-09-30", "month"),
        ("25号", "2022-07-25", "2022-07-25", "day"),
        ("11/3", "2021-11-03", "2021-11-03", "day"),
    ],
)
def test_past_reading_without_year(text: str, start: str, end: str, granularity: str) -> None:
    r = _read(text)
    assert (str(r.value.start), str(r.value.end), r.value.granularity) == (start, end, granularity)


def test_past_reading_is_flagged_and_future_keyword_keeps_the_year() -> None:
    past = _read("十月五号")
    assert past.confidence < 0.6 and "future" not in past.extra
    fut = _read("十月五号", future=True)
    assert fut.value.start == date(2022, 10, 5) and fut.extra.get("future") is True
    same = _read("三月五号")
    assert same.value.start == date(2022, 3, 5) and same.confidence >= 0.6
    found = find_dates("十月五号", NOW, future=True)
    assert found[0].value.start == date(2022, 10, 5)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1979年下半年", "1979-07-01", "1979-12-31"),
        ("七九年年末", "1979-11-01", "1979-12-31"),
        ("1969年首月", "1969-01-01", "1969-01-31"),
        ("二〇一一年第二季度", "2011-04-01", "2011-06-30"),
        ("2011年Q1", "2011-01-01", "2011-03-31"),
        ("1977年4月下旬", "1977-04-21", "1977-04-30"),
        ("1977年4月最后两天", "1977-04-29", "1977-04-30"),
        ("1977年4月头五天", "1977-04-01", "1977-04-05"),
        ("本季度", "2022-07-01", "2022-09-30"),
        ("七四年冬天", "1974-12-01", "1975-02-28"),
    ],
)
def test_parts_of_years_and_months(text: str, start: str, end: str) -> None:
    r = _read(text)
    assert (str(r.value.start), str(r.value.end)) == (start, end)


@pytest.mark.parametrize(
    ("text", "start", "confident"),
    [
        ("1968.7.9", "1968-07-09", True),
        ("68/7/9", "1968-07-09", True),
        ("21/07/1968", "1968-07-21", True),
        ("07/21/1968", "1968-07-21", True),
        ("04/05/1968", "1968-05-04", False),  # day and month could be either
        ("7·9", "2022-07-09", True),
        ("1968.7", "1968-07-01", True),
        ("196807", "1968-07-01", True),
    ],
)
def test_numeric_orders(text: str, start: str, confident: bool) -> None:
    r = _read(text)
    assert str(r.value.start) == start
    assert (r.confidence >= 0.6) is confident


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1971-1975年", "1971-01-01", "1975-12-31"),
        ("从1971年——1975年", "1971-01-01", "1975-12-31"),
        ("从七一年到七五年", "1971-01-01", "1975-12-31"),
        ("2016年至今", "2016-01-01", "2022-08-20"),
        ("前年到现在", "2020-01-01", "2022-08-20"),
        ("71到75年", "1971-01-01", "1975-12-31"),
    ],
)
def test_spans_keep_both_ends(text: str, start: str, end: str) -> None:
    r = _read(text)
    assert (str(r.value.start), str(r.value.end), r.value.granularity) == (start, end, "span")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("18世纪90年代", "1790-01-01", "1799-12-31"), ("十九世纪六十年代", "1860-01-01", "1869-12-31"),
     ("上世纪七十年代", "1970-01-01", "1979-12-31")],
)
def test_centuries(text: str, start: str, end: str) -> None:
    r = _read(text)
    assert (str(r.value.start), str(r.value.end)) == (start, end)


@pytest.mark.parametrize(("text", "year"), [("民国二年", 1913), ("民国二十五年", 1936), ("民國元年", 1912)])
def test_minguo_years(text: str, year: int) -> None:
    r = _read(text)
    assert r.value.start == date(year, 1, 1) and r.value.granularity == "year"


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [("二十几年前", 1993, 2001), ("三十来年前", 1990, 1994), ("好几年前", None, None), ("四十多年前", 1973, 1981)],
)
def test_approximate_relative_years_are_guesses(text: str, first: int | None, last: int | None) -> None:
    r = _read(text)
    assert r.confidence < 0.6 and r.value.granularity == "span"
    if first is not None:
        assert (r.value.start.year, r.value.end.year) == (first, last)


def test_explicit_date_wins_over_weekday() -> None:
    right = _read("八月十五号，星期一")  # 2022-08-15 was a Monday
    assert right.value.start == date(2022, 8, 15) and right.confidence >= 0.6
    wrong = _read("八月十五号，星期三")
    assert wrong.value.start == date(2022, 8, 15) and wrong.confidence < 0.6 and wrong.extra["weekday_mismatch"]


@pytest.mark.parametrize("text", ["闰二月", "七一年闰五月", "老历十月", "阴历七月十五"])
def test_lunar(text: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, NotUnderstood) and r.reason == "lunar_date"


@pytest.mark.parametrize("text", ["我今年六十八了", "当兵当了二十年", "莫得记性了"])
def test_not_dates(text: str) -> None:
    assert isinstance(parse_date(text, NOW), NotUnderstood)


def test_traditional_characters_are_folded() -> None:
    assert _read("上個月").value.start == date(2022, 7, 1)
    assert _read("兩年前").value.start == date(2020, 1, 1)
    assert _read("七一年十月一號").value.start == date(1971, 10, 1)


def test_correction_takes_the_second_date() -> None:
    r = _read("七一年五月，不对，六月")
    assert r.value.start == date(1971, 6, 1) and r.extra.get("corrected")


@pytest.mark.parametrize("text", ["\x00", "年年年", "月月月日日", "9" * 400, "—" * 50, "到至今", "周周周", "民国", "Q"])
def test_never_raises(text: str) -> None:
    parse_date(text, NOW)
    find_dates(text, NOW)
