"""The entry points: parse_date (one answer) and find_dates (every date of a sentence)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from nlu._text import clamp, fold, is_blank
from nlu.dates.absolute import CN_DATE_RE, cn_candidate, numeric_candidates
from nlu.dates.convert import Converted, convert
from nlu.dates.periods import decade_candidates
from nlu.dates.ranges import merge, select
from nlu.dates.relative import relative_candidates
from nlu.dates.span import Cand, DateSpan, Implicit, build, shift_years
from nlu.result import NotUnderstood, Parsed, Result, empty

LUNAR_RE = re.compile(
    r"农历|阴历|旧历|老历|腊月|正月|冬月|闰\d{1,2}月|闰[正腊冬]月|(?<!月|年)初\d|月初\d|大年初|年三十|除夕|春节"
    r"|元宵|端午|中秋|重阳|七夕|小年|清明|冬至"
)
_AGE_AFTER_RE = re.compile(r"\s*(?:都|已经|就|刚)?\s*\d+\s*(?:岁|了|多|周岁|出头)")
_NOW_WORDS = frozenset({"今年", "本年", "当年", "这一年"})  # 今年七十三了: an age, not a date
_CORRECTION_BEFORE_RE = re.compile(r"(?:不是|并不是)$")
_CORRECTION_GAP_RE = re.compile(r"[，,、。\s]*(?:不对|不是|错了|说错了|哦不|不不)?[，,、。\s]*(?:是|应该是|就是)?[，,、。\s]*")
_CORRECTION_WORDS_RE = re.compile(r"不对|不是|错了|哦不|不不")
_HEDGE_RE = re.compile(r"大概|大约|可能|好像|估计|差不多|左右|记不清|记不太清|不太记得|应该是|也许|或许|前后")
_WEEKDAY_GAP_RE = re.compile(r"[\s，,、。的是（）()]*")
GUESS = 0.55  # below the engine's 0.6: a reading that had to be guessed is flagged for review

_LUNAR_MESSAGE = "请告诉我公历（阳历）日期，可以看一下身份证上的日期。"
_IMPOSSIBLE_MESSAGE = "这个日期不存在，请再核对一下。"
_NO_DATE_MESSAGE = "没有听出日期，请说年、月、日，例如1965年3月12日。"


def _candidates(conv: Converted, now: datetime) -> list[Cand]:
    """Every date-like piece of a converted text."""
    out = numeric_candidates(conv, now)
    out.extend(decade_candidates(conv, now))
    for m in CN_DATE_RE.finditer(conv.text):
        if m.end() > m.start():
            cand = cn_candidate(m, conv, now)
            if cand is not None:
                out.append(cand)
    out.extend(relative_candidates(conv, now))
    return [c for c in out if not (conv.text[c.start : c.end] in _NOW_WORDS and _AGE_AFTER_RE.match(conv.text, c.end))]


def _resolve_missing(c: Cand, today: date, future: bool) -> Cand:
    """A month-day or day that does not exist in the year or month of now (2月29日, 31号) in the nearest one."""
    if c.span is not None or c.implicit is Implicit.NONE:
        return c
    _, month, day = c.fields
    if day is None:
        return c
    step = 1 if future else -1
    y, mo = today.year, today.month
    for _ in range(48):
        if c.implicit is Implicit.YEAR and month is not None:
            y += step
            span = build(y, month, day)
        else:
            mo += step
            if mo in (0, 13):
                y, mo = y + step, 12 if mo == 0 else 1
            span = build(y, mo, day)
        if span is not None:
            return replace(c, span=span, error=None, confidence=GUESS)
    return c


def _prefer(c: Cand, today: date, future: bool) -> Cand:
    """The past reading of a date whose year, month or week was left out (the future one with future=True)."""
    if c.span is None or c.implicit is Implicit.NONE or future:
        return c
    if c.span.start <= today:
        if c.span.end > today and (c.span.end - c.span.start).days > 31:
            return c.with_span(c.span, min(c.confidence, GUESS))  # 上半年 in March: not over yet
        return c
    span: DateSpan | None
    if c.implicit is Implicit.YEAR:
        span = shift_years(c.span, -1)
    elif c.implicit is Implicit.WEEK:
        span = DateSpan(c.span.start - timedelta(days=7), c.span.end - timedelta(days=7), c.span.granularity)
    else:
        span = None
        y, mo = today.year, today.month
        for _ in range(12):
            y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
            start = build(y, mo, c.span.start.day)
            end = build(y, mo, c.span.end.day)
            if start is not None and end is not None:
                span = DateSpan(start.start, end.end, c.span.granularity)
                break
    if span is None:
        return c
    return c.with_span(span, min(c.confidence, GUESS))


def _weekdays(cands: list[Cand], text: str) -> tuple[list[Cand], bool]:
    """Drop a bare weekday said beside an explicit date (二月十号，周日); tell whether the two disagree."""
    out: list[Cand] = []
    mismatch = False
    for i, c in enumerate(cands):
        if c.weekday is not None:
            neighbours = [k for k in (cands[i - 1] if i else None, cands[i + 1] if i + 1 < len(cands) else None)
                          if k is not None and k.span is not None and k.span.granularity == "day"
                          and k.weekday is None]
            near = [k for k in neighbours
                    if _WEEKDAY_GAP_RE.fullmatch(text[min(k.end, c.end) : max(k.start, c.start)])]
            if near:
                day = near[0].span.start if near[0].span else None
                mismatch = mismatch or (day is not None and day.weekday() != c.weekday)
                continue
        out.append(c)
    return out, mismatch


def _read(text: str, now: datetime, future: bool) -> tuple[list[Cand], Converted, bool]:
    """Candidates of an answer after selection, span merging, the past preference and weekday checks."""
    conv = convert(fold(text))
    today = now.date()
    cands = select(_candidates(conv, now))
    cands = [_resolve_missing(c, today, future) for c in cands]
    cands = merge(cands, conv.text, now)
    cands = [_prefer(c, today, future) for c in cands]
    cands, mismatch = _weekdays(cands, conv.text)
    return cands, conv, mismatch


def parse_date(text: str, now: datetime, *, future: bool = False) -> Result[DateSpan]:
    """Read one date, partial date, relative date, decade or span from an answer.

    A month-day, month, day or weekday said without its year (month, week) takes the past reading
    (the dates intake asks for are in the past); ``future=True`` keeps the year, month or week of now."""
    if is_blank(text):
        return empty()
    cands, conv, mismatch = _read(text, now, future)
    if LUNAR_RE.search(conv.text):
        return NotUnderstood("lunar_date", _LUNAR_MESSAGE)
    if not cands:
        return NotUnderstood("no_date", _NO_DATE_MESSAGE)
    first = cands[0]
    extra: dict[str, object] = {}
    confidence = first.confidence
    if len(cands) > 1:
        gap = conv.text[first.end : cands[1].start]
        corrected = _CORRECTION_BEFORE_RE.search(conv.text[: first.start]) or _CORRECTION_WORDS_RE.search(gap)
        if corrected and len(cands) == 2 and _CORRECTION_GAP_RE.fullmatch(gap):
            first, confidence = cands[1], min(cands[1].confidence, 0.8)
            extra["corrected"] = True
        else:
            confidence = min(confidence, GUESS)
            extra["others"] = len(cands) - 1
    if first.span is None:
        return NotUnderstood("impossible_date", _IMPOSSIBLE_MESSAGE)
    if mismatch:
        confidence = min(confidence, 0.5)
        extra["weekday_mismatch"] = True
    if _HEDGE_RE.search(conv.text):
        confidence = min(confidence, 0.8)
        extra["hedged"] = True
    if first.span.start > now.date():
        extra["future"] = True
    return Parsed(first.span, clamp(confidence), conv.span(first.start, first.end), extra)


def find_dates(text: str, now: datetime, *, future: bool = False) -> list[Parsed[DateSpan]]:
    """Return every date in a sentence with its span, e.g. 八五年当的兵，八九年退的 -> two years."""
    if is_blank(text):
        return []
    cands, conv, _ = _read(text, now, future)
    if LUNAR_RE.search(conv.text):
        return []
    out: list[Parsed[DateSpan]] = []
    for c in cands:
        if c.span is not None:
            extra = {"future": True} if c.span.start > now.date() else {}
            out.append(Parsed(c.span, clamp(c.confidence), conv.span(c.start, c.end), extra))
    return out
