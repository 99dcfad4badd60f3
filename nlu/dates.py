"""Reading dates as people give them: absolute, partial, relative, decades and spans."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from nlu._text import clamp, fold, is_blank
from nlu.numbers import CN_NUM, cn_int, mask_protected
from nlu.result import NotUnderstood, Parsed, Result, empty

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
        if s.day == 1 and e.day == _last_day(e.year, e.month):
            if s.month == 1 and e.month == 12:
                return f"{s.year}年至{e.year}年" if s.year != e.year else f"{s.year}年"
            return f"{s.year}年{s.month}月至{e.year}年{e.month}月"
        return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"


def _last_day(year: int, month: int) -> int:
    """Number of days in a month."""
    return calendar.monthrange(year, month)[1]


def _month_span(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, _last_day(year, month))


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """Move a (year, month) by delta months."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


# --- numeral conversion with an index map --------------------------------------------------------

_CN_RUN_RE = re.compile(f"[{CN_NUM}]+")
_UNIT_IN_RUN = frozenset("十百千万亿廿卅拾佰仟萬億")


@dataclass(frozen=True)
class _Converted:
    """Text with Chinese numerals turned into digits, mapped back to the original indices."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    counted: frozenset[int]  # indices of digits that came from numerals with 十/百/千 (amounts)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of a converted span."""
        return self.starts[start], self.ends[end - 1]


def _convert(text: str) -> _Converted:
    """Turn Chinese numerals into Arabic digits (digit by digit when no 十/百/千 appears), dropping spaces."""
    folded = fold(text)
    kept = [i for i, ch in enumerate(folded) if not ch.isspace()]
    compact = "".join(folded[i] for i in kept)
    masked = mask_protected(compact)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    counted: set[int] = set()
    pos = 0
    for m in _CN_RUN_RE.finditer(masked):
        run = m.group(0)
        if any(c in _UNIT_IN_RUN for c in run):
            value = cn_int(run)
            digits = str(value) if value is not None else None
            is_counted = True
        else:
            digits = "".join(str(_DIGIT[c]) for c in run)
            is_counted = False
        if digits is None:
            continue
        for i in range(pos, m.start()):
            out.append(compact[i])
            starts.append(kept[i])
            ends.append(kept[i] + 1)
        for ch in digits:
            if is_counted:
                counted.add(len(out))
            out.append(ch)
            starts.append(kept[m.start()])
            ends.append(kept[m.end() - 1] + 1)
        pos = m.end()
    for i in range(pos, len(compact)):
        out.append(compact[i])
        starts.append(kept[i])
        ends.append(kept[i] + 1)
    return _Converted("".join(out), tuple(starts), tuple(ends), frozenset(counted))


_DIGIT = MappingProxyType({
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3,
    "肆": 4, "伍": 5, "柒": 7, "捌": 8, "玖": 9,
})

# --- patterns ----------------------------------------------------------------------------------

_REL_YEAR = MappingProxyType({
    "今年": 0, "本年": 0, "当年": 0, "去年": -1, "上一年": -1, "上年": -1, "头年": -1, "前年": -2,
    "大前年": -3, "明年": 1, "来年": 1, "下一年": 1, "下年": 1, "后年": 2, "大后年": 3,
})
_REL_MONTH = MappingProxyType({
    "本月": 0, "这个月": 0, "这月": 0, "当月": 0, "上个月": -1, "上一个月": -1, "上月": -1,
    "下个月": 1, "下一个月": 1, "下月": 1,
})
_REL_DAY = MappingProxyType({
    "今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "前日": -2, "大前天": -3,
    "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
})


def _alt(words: Mapping[str, int]) -> str:
    """Regex alternation of words, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CN_DATE_RE = re.compile(
    r"(?<!\d)(?:(?P<y>\d{4}|\d{2})\s*年(?!代|前|以前|之前|来|多|半|级|纪|龄|底下)|(?P<ry>" + _alt(_REL_YEAR) + r"))?(?:的(?=\d))?"
    r"(?P<ymod>初|底|末|中|上半年|下半年)?"
    r"(?:(?<!\d)(?P<m>\d{1,2})\s*月份?(?!前|以前|之前)|(?P<rm>" + _alt(_REL_MONTH) + r"))?"
    r"(?:(?<!\d)(?P<d>\d{1,2})(?!\d)\s*(?P<dsfx>日|号)?)?"
    r"(?P<mmod>上旬|中旬|下旬|初|中|底|末)?"
)
_NUM_DATE_RE = re.compile(
    r"(?<![\d.])(?P<y>\d{4}|\d{2})(?P<s>[./\-])(?P<m>\d{1,2})(?:[./\-](?P<d>\d{1,2}))?(?![\d年月])"
)
_COMPACT_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
_BARE_YEAR_RE = re.compile(r"(?<![\d./])(?P<y>(?:19|20)\d{2})(?![\d年月./\-])")
_DECADE_RE = re.compile(
    r"(?P<cent>上世纪|上个世纪|20世纪|二十世纪|本世纪|21世纪)?(?<!\d)(?P<y>\d{1,3})0\s*年代(?P<mod>初|初期|中期|末|末期|后期)?"
)
_REL_DAY_RE = re.compile(_alt(_REL_DAY))
_SOME_YEAR_RE = re.compile(r"(?<!\d)(?:(?P<c>19|20)(?P<d3>\d)|(?P<d>[1-9]))几年(?!前|以前|之前|了)")
_WEEK_RE = re.compile(r"(?P<w>上上|上|这|本|下)?(?:个)?(?:周|星期|礼拜)(?P<d>[1-7日天])?")
_AGO_RE = re.compile(
    r"(?<!\d)(?P<n>\d+|半)(?P<half>个半|半)?\s*(?P<u>年|个月|月|天|日|周|个星期|星期)(?P<half2>半)?(?:以前|之前|前)"
)
_FEW_DAYS_RE = re.compile(r"前(?:两|几|\d)天|这两天|前些天|前些日子")
_CONNECT_RE = re.compile(r"\s*(?:到|至|一直到|-|~|—|－|―)\s*")
_LUNAR_RE = re.compile(
    r"农历|阴历|旧历|老历|腊月|正月|冬月|(?<!月|年)初\d|月初\d|大年初|年三十|除夕|春节|元宵|端午|中秋|重阳|七夕|小年"
)


@dataclass(frozen=True)
class _Cand:
    """A date found in converted text, before spans are merged."""

    start: int
    end: int
    span: DateSpan | None
    fields: tuple[int | None, int | None, int | None]  # explicit y, m, d for span inheritance
    confidence: float
    error: str | None = None


def _year2(yy: int, now: datetime) -> int:
    """Resolve a two-digit year, preferring the past reading (19yy unless 20yy is not in the future)."""
    return 2000 + yy if 2000 + yy <= now.year else 1900 + yy


def _build(y: int, m: int | None, d: int | None) -> DateSpan | None:
    """Make a DateSpan for a year, month or day; None when impossible."""
    if not 1 <= y <= 9999:
        return None
    if m is None:
        return DateSpan(date(y, 1, 1), date(y, 12, 31), "year")
    if not 1 <= m <= 12:
        return None
    if d is None:
        a, b = _month_span(y, m)
        return DateSpan(a, b, "month")
    if not 1 <= d <= _last_day(y, m):
        return None
    day = date(y, m, d)
    return DateSpan(day, day, "day")


def _modded(base: DateSpan, mod: str | None, level: str) -> DateSpan:
    """Apply 初/中/底/上旬/上半年 style modifiers to a year or month."""
    if not mod:
        return base
    y = base.start.year
    if level == "year":
        ranges = {"初": (1, 2), "中": (6, 7), "底": (11, 12), "末": (11, 12), "上半年": (1, 6), "下半年": (7, 12)}
        a, b = ranges.get(mod, (1, 12))
        return DateSpan(date(y, a, 1), date(y, b, _last_day(y, b)), "span")
    m = base.start.month
    last = _last_day(y, m)
    ranges_m = {"初": (1, 10), "上旬": (1, 10), "中": (11, 20), "中旬": (11, 20), "下旬": (21, last),
                "底": (21, last), "末": (21, last)}
    a, b = ranges_m.get(mod, (1, last))
    return DateSpan(date(y, m, a), date(y, m, b), "span")


def _cn_candidate(m: re.Match[str], conv: _Converted, now: datetime) -> _Cand | None:
    """Resolve one match of the Chinese date pattern."""
    ys, ry, ms, rm, ds = m.group("y"), m.group("ry"), m.group("m"), m.group("rm"), m.group("d")
    if not (ys or ry or ms or rm or ds):
        return None
    if ds and not (ms or rm) and not m.group("dsfx"):
        return None
    if ys and ms is None and rm is None and ds:
        return None
    confidence = 1.0
    year: int | None = None
    month: int | None = None
    if ys:
        if len(ys) == 2:
            if m.start("y") in conv.counted:
                return None  # 三十年: an amount of years, not a year
            year = _year2(int(ys), now)
            confidence = 0.95
        else:
            year = int(ys)
            if year < 1800 or year > 2200:
                return None
    elif ry:
        year = now.year + _REL_YEAR[ry]
        confidence = 0.95
    if rm:
        if year is None:
            year, month = _shift_month(now.year, now.month, _REL_MONTH[rm])
        else:
            month = now.month if _REL_MONTH[rm] == 0 else _shift_month(year, now.month, _REL_MONTH[rm])[1]
        confidence = min(confidence, 0.95)
    elif ms:
        month = int(ms)
        if m.start("m") in conv.counted and month > 12:
            return None
    day = int(ds) if ds else None
    if year is None:
        year = now.year
        confidence = min(confidence, 0.85 if month is not None else 0.75)
        if month is None:
            month = now.month
    fields = (int(ys) if ys else (year if ry else None), month if (ms or rm) else None, day)
    span = _build(year, month, day)
    start, end = m.start(), m.end()
    if span is None:
        if (month is not None and not 1 <= month <= 12) and not ys and not ds:
            return None
        return _Cand(start, end, None, fields, 0.0, "impossible_date")
    if day is None:
        level = "month" if month is not None and (ms or rm) else "year"
        mod = m.group("mmod") if level == "month" else (m.group("ymod") or m.group("mmod"))
        if level == "year" and m.group("ymod") is None and m.group("mmod") in ("初", "中", "底", "末"):
            mod = m.group("mmod")
        span = _modded(span, mod, level)
    else:
        end = m.end("dsfx") if m.group("dsfx") else m.end("d")
    if not (ms or rm) and not ys and not ry and ds:
        span = DateSpan(span.start, span.end, "day")
    return _Cand(start, end, span, fields, confidence)


def _candidates(conv: _Converted, now: datetime) -> list[_Cand]:
    """Every date-like piece of a converted text."""
    text = conv.text
    out: list[_Cand] = []
    for m in _NUM_DATE_RE.finditer(text):
        ys, ms, ds = m.group("y"), m.group("m"), m.group("d")
        if len(ys) == 2 and ds is None:
            continue
        year = int(ys) if len(ys) == 4 else _year2(int(ys), now)
        if len(ys) == 4 and not 1800 <= year <= 2200:
            continue
        span = _build(year, int(ms), int(ds) if ds else None)
        fields = (int(ys), int(ms), int(ds) if ds else None)
        conf = 1.0 if len(ys) == 4 else 0.9
        out.append(_Cand(m.start(), m.end(), span, fields, conf, None if span else "impossible_date"))
    for m in _COMPACT_RE.finditer(text):
        y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        span = _build(y, mo, d)
        if span is not None:
            out.append(_Cand(m.start(), m.end(), span, (y, mo, d), 0.95))
    for m in _DECADE_RE.finditer(text):
        digits = m.group("y")
        cent = m.group("cent")
        if len(digits) == 3:
            base = int(digits) * 10
        elif len(digits) == 1:
            dec = int(digits) * 10
            if cent in ("本世纪", "21世纪"):
                base = 2000 + dec
            elif cent:
                base = 1900 + dec
            else:
                base = 2000 + dec if 2000 + dec <= now.year else 1900 + dec
        else:
            continue
        a, b = date(base, 1, 1), date(base + 9, 12, 31)
        mod = m.group("mod")
        if mod in ("初", "初期"):
            b = date(base + 3, 12, 31)
        elif mod == "中期":
            a, b = date(base + 3, 1, 1), date(base + 6, 12, 31)
        elif mod in ("末", "末期", "后期"):
            a = date(base + 7, 1, 1)
        gran = "span" if mod else "decade"
        out.append(_Cand(m.start(), m.end(), DateSpan(a, b, gran), (base, None, None), 0.9))
    for m in _CN_DATE_RE.finditer(text):
        if m.end() == m.start():
            continue
        cand = _cn_candidate(m, conv, now)
        if cand is not None:
            out.append(cand)
    for m in _SOME_YEAR_RE.finditer(text):
        if m.group("c"):
            base = int(m.group("c") + m.group("d3")) * 10
        else:
            dec = int(m.group("d")) * 10
            base = 2000 + dec if 2000 + dec <= now.year else 1900 + dec
        out.append(
            _Cand(m.start(), m.end(), DateSpan(date(base, 1, 1), date(base + 9, 12, 31), "decade"),
                  (base, None, None), 0.7)
        )
    for m in _BARE_YEAR_RE.finditer(text):
        y = int(m.group("y"))
        out.append(_Cand(m.start(), m.end(), _build(y, None, None), (y, None, None), 0.85))
    today = now.date()
    for m in _REL_DAY_RE.finditer(text):
        day = today + timedelta(days=_REL_DAY[m.group(0)])
        out.append(_Cand(m.start(), m.end(), DateSpan(day, day, "day"), (None, None, None), 0.95))
    for m in _WEEK_RE.finditer(text):
        if not m.group("w") and not m.group("d"):
            continue
        offset = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, None: 0}[m.group("w")]
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        if m.group("d"):
            day = monday + timedelta(days=6 if m.group("d") in "日天" else int(m.group("d")) - 1)
            week_span = DateSpan(day, day, "day")
        else:
            week_span = DateSpan(monday, monday + timedelta(days=6), "span")
        out.append(_Cand(m.start(), m.end(), week_span, (None, None, None), 0.8))
    for m in _AGO_RE.finditer(text):
        span = _ago(m, now)
        if span is not None:
            out.append(_Cand(m.start(), m.end(), span, (None, None, None), 0.8))
    for m in _FEW_DAYS_RE.finditer(text):
        out.append(
            _Cand(m.start(), m.end(), DateSpan(today - timedelta(days=7), today - timedelta(days=2), "span"),
                  (None, None, None), 0.6)
        )
    return out


def _ago(m: re.Match[str], now: datetime) -> DateSpan | None:
    """Resolve 三年前 / 两个半月前 / 十天前 against now."""
    n_raw, half, unit = m.group("n"), m.group("half"), m.group("u")
    n = 0.5 if n_raw == "半" else float(n_raw)
    if half or m.group("half2"):
        n += 0.5
    if n > 200:
        return None
    today = now.date()
    if unit == "年" and n == int(n):
        y = now.year - int(n)
        return DateSpan(date(y, 1, 1), date(y, 12, 31), "year")
    if unit in ("个月", "月", "年"):
        months = n * 12 if unit == "年" else n
        if months == int(months):
            y, mo = _shift_month(now.year, now.month, -int(months))
            a, b = _month_span(y, mo)
            return DateSpan(a, b, "month")
        days = months * 30.5
        return DateSpan(today - timedelta(days=round(days + 30.5)), today - timedelta(days=round(days)), "span")
    per = 7 if unit in ("周", "个星期", "星期") else 1
    d = today - timedelta(days=round(n * per))
    return DateSpan(d, d, "day")


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Keep the longest non-overlapping candidates, in text order."""
    ordered = sorted(cands, key=lambda c: (-(c.end - c.start), c.start))
    chosen: list[_Cand] = []
    for c in ordered:
        if all(c.end <= k.start or c.start >= k.end for k in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


def _merge(cands: list[_Cand], text: str, now: datetime) -> list[_Cand]:
    """Join A到B / A-B into spans, letting B inherit the year and month it leaves out."""
    out: list[_Cand] = []
    i = 0
    while i < len(cands):
        a = cands[i]
        if i + 1 < len(cands) and a.span is not None:
            b = cands[i + 1]
            gap = text[a.end : b.start]
            if _CONNECT_RE.fullmatch(gap):
                b_span = _inherit(a, b, now)
                if b_span is not None and b_span.end >= a.span.start:
                    merged = DateSpan(a.span.start, b_span.end, "span")
                    out.append(_Cand(a.start, b.end, merged, a.fields, min(a.confidence, b.confidence)))
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out


def _inherit(a: _Cand, b: _Cand, now: datetime) -> DateSpan | None:
    """Resolve the end of a span, filling its missing year/month from the start."""
    assert a.span is not None
    by, bm, bd = b.fields
    ay, am, _ = a.fields
    if by is None and bm is None and bd is not None and am is not None:
        return _build(a.span.start.year, a.span.start.month, bd)
    if by is None and bm is not None and ay is not None:
        return _build(a.span.start.year, bm, bd)
    if by is not None and by < 100:
        century = a.span.start.year // 100 * 100
        year = century + by
        if year < a.span.start.year:
            year += 100
        return _build(year, bm, bd)
    return b.span


def _find(text: str, now: datetime) -> tuple[list[_Cand], _Converted]:
    """Candidates of a text after conversion, selection and span merging."""
    conv = _convert(text)
    cands = _select(_candidates(conv, now))
    return _merge(cands, conv.text, now), conv


_LUNAR_MESSAGE = "请告诉我公历（阳历）日期，可以看一下身份证上的日期。"
_IMPOSSIBLE_MESSAGE = "这个日期不存在，请再核对一下。"


def parse_date(text: str, now: datetime) -> Result[DateSpan]:
    """Read one date, partial date, relative date, decade or span from an answer."""
    if is_blank(text):
        return empty()
    conv = _convert(text)
    if _LUNAR_RE.search(conv.text):
        return NotUnderstood("lunar_date", _LUNAR_MESSAGE)
    cands = _merge(_select(_candidates(conv, now)), conv.text, now)
    if not cands:
        return NotUnderstood("no_date", "没有听出日期，请说年、月、日，例如1965年3月12日。")
    first = cands[0]
    if first.span is None:
        return NotUnderstood("impossible_date", _IMPOSSIBLE_MESSAGE)
    confidence = first.confidence
    extra: dict[str, object] = {}
    if len(cands) > 1:
        confidence = min(confidence, 0.6)
        extra["others"] = len(cands) - 1
    if first.span.start > now.date():
        extra["future"] = True
    return Parsed(first.span, clamp(confidence), conv.span(first.start, first.end), extra)


def find_dates(text: str, now: datetime) -> list[Parsed[DateSpan]]:
    """Return every date in a sentence with its span, e.g. 八五年当的兵，八九年退的 -> two years."""
    if is_blank(text):
        return []
    cands, conv = _find(text, now)
    if _LUNAR_RE.search(conv.text):
        return []
    return [
        Parsed(c.span, clamp(c.confidence), conv.span(c.start, c.end))
        for c in cands
        if c.span is not None
    ]
