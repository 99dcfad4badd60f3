"""Property: a random past date rendered in a random surface form parses back to that date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.dates import parse_date
from nlu.result import Parsed

_CN = "零一二三四五六七八九"
_FIN = "零壹贰叁肆伍陆柒捌玖"


def _small(n: int) -> str:
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _render(d: date, form: int) -> str:
    y, m, dd = d.year, d.month, d.day
    return [
        f"{y}年{m}月{dd}日",
        "".join(_CN[int(c)] for c in str(y)) + f"年{_small(m)}月{_small(dd)}号",
        f"{y}.{m}.{dd}",
        f"{y}/{m:02d}/{dd:02d}",
        f"{y}-{m:02d}-{dd:02d}",
        f"{y}{m:02d}{dd:02d}",
        "".join(_FIN[int(c)] for c in str(y)) + f"年{m}月{dd}日",
        " ".join(f"{y}年{m}月{dd}日"),
        f"我是{y}年{_small(m)}月{dd}号生的",
    ][form]


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(1920, 1, 1), max_value=date(2015, 12, 31)),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=3650),
)
def test_rendered_day_reads_back(d: date, form: int, later: int) -> None:
    now = datetime(2016, 1, 1) + timedelta(days=later)
    r = parse_date(_render(d, form), now)
    assert isinstance(r, Parsed), (_render(d, form), r)
    assert r.value.start == r.value.end == d and r.value.granularity == "day"
    assert r.confidence >= 0.6


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=28),
       st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31)))
def test_month_day_is_never_after_now(m: int, dd: int, today: date) -> None:
    now = datetime(today.year, today.month, today.day, 12)
    r = parse_date(f"{_small(m)}月{_small(dd)}日", now)
    assert isinstance(r, Parsed) and r.value.start <= today
    assert (r.value.start.month, r.value.start.day) == (m, dd)
    assert r.value.start.year in (today.year, today.year - 1)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="年月日号前后上下今去明一二三四五六七八九十零0123456789./-~到至今周星期民国世纪代季度半初底旬", max_size=20))
def test_never_raises_on_date_like_noise(text: str) -> None:
    parse_date(text, datetime(2024, 6, 15))
