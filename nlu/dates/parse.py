"""The entry points: parse_date (one answer) and find_dates (every date of a sentence)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from nlu._text import clamp, fold, is_blank
from nlu.dates.absolute import CN_DATE_RE, cn_candidate, numeric_candidates
from nlu.dates.convert import Converted, convert
from nlu.dates.holidays import holiday_candidates
from nlu.dates.periods import decade_candidates
from nlu.dates.ranges import inherit, merge, select
from nlu.dates.relative import relative_candidates
from nlu.dates.span import Cand, DateSpan, Implicit, build, shift_years
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.tokenizer import default_tokenizer

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
# Date words the reading did not take in (2003年国XX节, 三年前那个冬月): the answer says more than was read,
# so the value is a guess. 日期/生日/号码/周岁 are not date parts.
_UNREAD_RE = re.compile(r"(?<![生节])日(?!期|子)|号(?!码)|月|节(?!目)|旦|季度?|旬|星期|礼拜|周(?!岁|年)|时候|那天|那年")
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
    out.extend(holiday_candidates(conv, now))
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


_ANCHOR_GAP_RE = re.compile(r"\s*的?\s*")
_TODAY_WORDS = frozenset({"今天", "今日", "这一天", "这天", "今儿"})


def _anchor(cands: list[Cand], text: str, now: datetime) -> list[Cand]:
    """A year followed by what leaves the year out takes that year: 三年前的五月, 2003年国庆节, 70年元旦,
    2012年的下半年; 十年前的今天 is today's date in that year."""
    out: list[Cand] = []
    i = 0
    while i < len(cands):
        a = cands[i]
        b = cands[i + 1] if i + 1 < len(cands) else None
        if (b is not None and a.span is not None and b.span is not None and a.span.granularity == "year"
                and _ANCHOR_GAP_RE.fullmatch(text[a.end : b.start])):
            said_today = text[b.start : b.end] in _TODAY_WORDS
            if b.implicit is Implicit.YEAR or said_today:
                span = shift_years(b.span, a.span.start.year - b.span.start.year)
                if span is not None:
                    out.append(Cand(a.start, b.end, span, (a.span.start.year, *b.fields[1:]),
                                    min(a.confidence, b.confidence), implicit=a.implicit))
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out


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


def _read(text: str, now: datetime, future: bool) -> tuple[list[Cand], Converted, bool, bool]:
    """Candidates of an answer after selection, span merging, the past preference and weekday checks;
    whether a weekday disagrees with its date, and whether date words were left unread."""
    conv = convert(fold(text))
    today = now.date()
    cands = select(_candidates(conv, now))
    cands = [_resolve_missing(c, today, future) for c in cands]
    cands = merge(cands, conv.text, now)
    cands = _anchor(cands, conv.text, now)
    cands = [_prefer(c, today, future) for c in cands]
    unread = bool(_UNREAD_RE.search(_unread(conv.text, cands)))
    cands, mismatch = _weekdays(cands, conv.text)
    return cands, conv, mismatch, unread


_NUMERALS = frozenset("0123456789零〇一二两三四五六七八九十百千")


def _inside_words(text: str, span: tuple[int, int]) -> bool:
    """Whether a reading cuts into the words around it (jieba's, over the original text): it lies inside an
    idiom (一日三餐) or its last numeral begins the next word (一月一次: 一次 is "once")."""
    start, end = span
    pos = 0
    for word in default_tokenizer().cut(fold(text)):
        w_start, w_end = pos, pos + len(word)
        pos = w_end
        if w_end <= start:
            continue
        if w_start >= end:
            break
        if len(word) >= 3 and w_start <= start and end <= w_end and (w_end - w_start) > (end - start):
            return True
        if w_start == end - 1 and w_end > end and text[end - 1] in _NUMERALS:
            return True
    return False


def _unread(text: str, cands: list[Cand]) -> str:
    """The text outside every candidate (each gap kept apart by a space)."""
    pieces, pos = [], 0
    for c in sorted(cands, key=lambda c: c.start):
        pieces.append(text[pos : c.start])
        pos = max(pos, c.end)
    pieces.append(text[pos:])
    return " ".join(pieces)


def parse_date(text: str, now: datetime, *, future: bool = False) -> Result[DateSpan]:
    """Read one date, partial date, relative date, decade or span from an answer.

    A month-day, month, day or weekday said without its year (month, week) takes the past reading
    (the dates intake asks for are in the past); ``future=True`` keeps the year, month or week of now."""
    if is_blank(text):
        return empty()
    cands, conv, mismatch, unread = _read(text, now, future)
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
            second = cands[1]
            if second.implicit is not Implicit.NONE and first.span is not None:
                span = inherit(first, replace(second, span=None))  # 三月十二号，不对，十三号
                second = replace(second, span=span) if span is not None else second
                confidence = min(first.confidence, 0.8)
            else:
                confidence = min(second.confidence, 0.8)
            first = second
            extra["corrected"] = True
        else:
            confidence = min(confidence, GUESS)
            extra["others"] = len(cands) - 1
    if first.span is None:
        return NotUnderstood("impossible_date", _IMPOSSIBLE_MESSAGE)
    if unread:
        confidence = min(confidence, GUESS)
        extra["unread"] = True
    where = conv.span(first.start, first.end)
    if confidence >= GUESS and _inside_words(text, where):
        confidence = min(confidence, GUESS)
        extra["inside_words"] = True
    if mismatch:
        confidence = min(confidence, 0.5)
        extra["weekday_mismatch"] = True
    if _HEDGE_RE.search(conv.text):
        confidence = min(confidence, 0.8)
        extra["hedged"] = True
    if first.span.start > now.date():
        extra["future"] = True
    return Parsed(first.span, clamp(confidence), where, extra)


def find_dates(text: str, now: datetime, *, future: bool = False) -> list[Parsed[DateSpan]]:
    """Return every date in a sentence with its span, e.g. 八五年当的兵，八九年退的 -> two years."""
    if is_blank(text):
        return []
    cands, conv, _, _ = _read(text, now, future)
    if LUNAR_RE.search(conv.text):
        return []
    out: list[Parsed[DateSpan]] = []
    for c in cands:
        if c.span is not None:
            extra = {"future": True} if c.span.start > now.date() else {}
            where = conv.span(c.start, c.end)
            confidence = min(c.confidence, GUESS) if _inside_words(text, where) else c.confidence
            out.append(Parsed(c.span, clamp(confidence), where, extra))
    return out
