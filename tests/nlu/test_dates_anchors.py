"""A year said before what leaves its year out (三年前的五月, 2003年国庆节), holidays, and date words the
reading did not take in."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from nlu.dates import find_dates, parse_date
from nlu.result import Parsed

NOW = datetime(2022, 8, 20, 9, 0)


def _read(text: str) -> Parsed:
    r = parse_date(text, NOW)
    assert isinstance(r, Parsed), (text, r)
    return r


@pytest.mark.parametrize(
    ("text", "start", "end", "granularity"),
    [
        ("两年前的三月", date(2020, 3, 1), date(2020, 3, 31), "month"),
        ("五年前的今天", date(2017, 8, 20), date(2017, 8, 20), "day"),
        ("1999年的十月", date(1999, 10, 1), date(1999, 10, 31), "month"),
        ("去年的国庆节", date(2021, 10, 1), date(2021, 10, 1), "day"),
        ("八八年元旦", date(1988, 1, 1), date(1988, 1, 1), "day"),
        ("1976年八一建军节", date(1976, 8, 1), date(1976, 8, 1), "day"),
        ("2010年的下半年", date(2010, 7, 1), date(2010, 12, 31), "span"),
    ],
)
def test_a_year_anchors_what_follows(text: str, start: date, end: date, granularity: str) -> None:
    r = _read(text)
    assert (r.value.start, r.value.end, r.value.granularity) == (start, end, granularity)
    assert r.confidence >= 0.6


def test_a_holiday_without_a_year_is_the_last_one() -> None:
    r = _read("国庆节那天")  # now is August: the last national day was in 2021
    assert r.value.start == date(2021, 10, 1)
    assert _read("儿童节").value.start == date(2022, 6, 1)


@pytest.mark.parametrize("text", ["2003年国X节", "1985年那个冬月", "九零年的下个星期"])
def test_date_words_left_unread_make_a_guess(text: str) -> None:
    r = parse_date(text, NOW)
    assert not isinstance(r, Parsed) or r.confidence < 0.6


@pytest.mark.parametrize("text", ["出生日期是1966年", "我的生日是1966年3月", "身份证号码上是1966年", "今年八十周岁，1942年生的"])
def test_words_that_are_not_date_parts_keep_the_confidence(text: str) -> None:
    assert _read(text).confidence >= 0.6


@pytest.mark.parametrize("text", ["一日三餐都吃不饱", "一月一次", "九月九的酒"])
def test_a_reading_that_cuts_into_words_is_a_guess(text: str) -> None:
    r = parse_date(text, NOW)
    assert not isinstance(r, Parsed) or r.confidence < 0.6
    assert all(d.confidence < 0.6 for d in find_dates(text, NOW))


@pytest.mark.parametrize("text", ["我是85年生的", "我是八五年生的", "他六六年生", "七八年入伍"])
def test_readings_on_word_boundaries_keep_their_confidence(text: str) -> None:
    assert _read(text).confidence >= 0.9
