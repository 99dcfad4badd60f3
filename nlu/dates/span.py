"""DateSpan, the value every date reading returns, and the calendar helpers the readers share."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum

GRANULARITIES = ("day", "month", "year", "decade", "span")


@dataclass(frozen=True)
class DateSpan:
    """An inclusive range of days with the precision it was given in."""

    start: date
    end: date
    granularity: str

    def display(self) -> str:
        """Render the span the way a person would say it back, e.g. 1985年3月."""
        s, e = self.start, self.end
        if self.granularity == "day":
            return f"{s.year}年{s.month}月{s.day}日"
        if self.granularity == "month":
            return f"{s.year}年{s.month}月"
        if self.granularity == "year":
            return f"{s.year}年"
        if self.granularity == "decade":
            return f"{s.year}年代"
        if s == e:
            return f"{s.year}年{s.month}月{s.day}日"
        if s.day == 1 and e.day == last_day(e.year, e.month):
            if s.month == 1 and e.month == 12:
                return f"{s.year}年至{e.year}年" if s.year != e.year else f"{s.year}年"
            return f"{s.year}年{s.month}月至{e.year}年{e.month}月"
        return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"


class Implicit(Enum):
    """Which part of a reading was taken from "now" because the answer left it out."""

    NONE = "none"
    YEAR = "year"  # 3月12日, 年底, 第四季度: the year of now
    MONTH = "month"  # 12号, 月底: the month of now
    WEEK = "week"  # 周三: the week of now


@dataclass(frozen=True)
class Cand:
    """A date found in the converted text (indices of the converted text), before spans are merged."""

    start: int
    end: int
    span: DateSpan | None
    fields: tuple[int | None, int | None, int | None]  # explicit y, m, d for span inheritance
    confidence: float
    error: str | None = None
    implicit: Implicit = Implicit.NONE
    weekday: int | None = None  # 0..6 for a bare weekday (周三), checked against a date beside it

    def with_span(self, span: DateSpan, confidence: float | None = None) -> Cand:
        """The same candidate with another span (and confidence)."""
        return replace(self, span=span, confidence=self.confidence if confidence is None else confidence)


def last_day(year: int, month: int) -> int:
    """Number of days in a month."""
    return calendar.monthrange(year, month)[1]


def month_span(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, last_day(year, month))


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """Move a (year, month) by delta months."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def months(y1: int, m1: int, y2: int, m2: int, granularity: str = "span") -> DateSpan | None:
    """The span from the first day of (y1, m1) to the last day of (y2, m2); None when out of range."""
    if not (1 <= y1 <= 9999 and 1 <= y2 <= 9999):
        return None
    return DateSpan(date(y1, m1, 1), date(y2, m2, last_day(y2, m2)), granularity)


def years(y1: int, y2: int, granularity: str = "span") -> DateSpan | None:
    """The span of whole years y1..y2; None when out of range."""
    if not (1 <= y1 <= y2 <= 9999):
        return None
    return DateSpan(date(y1, 1, 1), date(y2, 12, 31), granularity)


def build(y: int, m: int | None, d: int | None) -> DateSpan | None:
    """Make a DateSpan for a year, month or day; None when impossible."""
    if not 1 <= y <= 9999:
        return None
    if m is None:
        return DateSpan(date(y, 1, 1), date(y, 12, 31), "year")
    if not 1 <= m <= 12:
        return None
    if d is None:
        a, b = month_span(y, m)
        return DateSpan(a, b, "month")
    if not 1 <= d <= last_day(y, m):
        return None
    day = date(y, m, d)
    return DateSpan(day, day, "day")


def shift_years(span: DateSpan, delta: int) -> DateSpan | None:
    """The same span delta years earlier or later (29 February becomes the 28th); None when out of range."""
    try:
        start = _safe_replace_year(span.start, span.start.year + delta)
        end = _safe_replace_year(span.end, span.end.year + delta)
    except ValueError:
        return None
    return DateSpan(start, end, span.granularity)


def _safe_replace_year(day: date, year: int) -> date:
    """day in another year, clamping 29 February (and a month's last day) to a real day."""
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def shift_months(span: DateSpan, delta: int) -> DateSpan | None:
    """The same days of the month delta months away; None when a day does not exist there."""
    y1, m1 = shift_month(span.start.year, span.start.month, delta)
    y2, m2 = shift_month(span.end.year, span.end.month, delta)
    if not (1 <= y1 <= 9999 and 1 <= y2 <= 9999):
        return None
    end_day = last_day(y2, m2) if span.end.day == last_day(span.end.year, span.end.month) else span.end.day
    if span.start.day > last_day(y1, m1) or end_day > last_day(y2, m2):
        return None
    return DateSpan(date(y1, m1, span.start.day), date(y2, m2, end_day), span.granularity)
