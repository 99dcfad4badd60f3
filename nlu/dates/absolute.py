"""Absolute dates: 1985年3月12日, 八五年三月, 民国三年, 07年第三季度, 85.3.12, 05/05/89, 6.30, 19850312."""

from __future__ import annotations

import re
from datetime import date, datetime

from nlu.dates.convert import Converted
from nlu.dates.span import Cand, DateSpan, Implicit, build, last_day, months, shift_month, years
from nlu.dates.words import MONTH_PARTS, REL_MONTH, REL_YEAR, YEAR_PARTS, alt

_YEAR_STOP = r"(?!代|前|以前|之前|来|多|半|级|纪|龄|底下|以后|之后|后(?!半年)|内|间|里|了|左右以前|工龄|兵龄)"
_SHORT_MODS = "(?<=年)(?:初|底|末|中)(?![旬秋午])"
_YPARTS = alt(w for w in YEAR_PARTS if len(w) > 1)
CN_DATE_RE = re.compile(
    r"(?P<yb>(?:公元)?(?:(?P<roc>民国)\s*(?P<rocn>\d{1,3}|元)\s*年|(?<!\d)(?P<y>\d{4}|\d{2})\s*年" + _YEAR_STOP
    + r"|(?P<ry>" + alt(REL_YEAR) + r")))?(?:的(?=[\d上下前后年首末开春夏秋冬第Qq]))?"
    r"(?P<yp>" + _YPARTS + r"|第?(?P<q>[1-4])季度|[Qq](?P<q2>[1-4])(?!\d)|" + _SHORT_MODS + r")?"
    r"(?:(?<!\d)(?P<m>\d{1,2})\s*月份?(?!前(?!\d{1,2}天)|以前|之前|后(?!\d{1,2}天)|以后|之后|内|里|间|多|半|来|饼)|(?P<rm>"
    + alt(REL_MONTH) + r"))?(?:的(?=[\d前头最后]))?"
    r"(?:(?<!\d)(?P<d>\d{1,2})(?!\d)\s*(?P<dsfx>日|号)?)?"
    r"(?P<mp>上旬|中旬|下旬|月初|月中|月底|月末|月尾|(?<=月)(?:初|中|底|末|头上)(?![旬秋午])"
    r"|(?:前|头)(?P<fn>\d{1,2})天|(?:最后|后)(?P<ln>\d{1,2})天)?"
)
_NOT_DAY_AFTER = frozenset("楼院房车线门床窗室栋单元排座位")
_BARE_MONTH_PARTS = frozenset({"上旬", "中旬", "下旬", "月初", "月中", "月底", "月末", "月尾"})


def year2(yy: int, now: datetime) -> int:
    """Resolve a two-digit year, preferring the past reading (19yy unless 20yy is not in the future)."""
    return 2000 + yy if 2000 + yy <= now.year else 1900 + yy


def _year_of(m: re.Match[str], conv: Converted, now: datetime) -> tuple[int | None, float, bool]:
    """The year a match names, its confidence, and whether the match must be dropped."""
    if m.group("roc"):
        raw = m.group("rocn")
        year = 1912 if raw == "元" else 1911 + int(raw)
        return (year, 0.9, False) if year <= now.year else (None, 0.0, True)
    ys = m.group("y")
    if ys:
        if len(ys) == 2:
            if m.start("y") in conv.counted:
                return None, 0.0, True  # 三十年: an amount of years, not a year
            return year2(int(ys), now), 0.95, False
        year = int(ys)
        return (year, 1.0, False) if 1800 <= year <= 2200 else (None, 0.0, True)
    if m.group("ry"):
        return now.year + REL_YEAR[m.group("ry")], 0.95, False
    return None, 1.0, False


def _year_part(m: re.Match[str], year: int | None, conf: float, now: datetime) -> Cand | None:
    """上半年 / 年底 / 第三季度 / 开春 of a year (the year of now when none is said)."""
    yp = m.group("yp")
    implicit = Implicit.NONE
    if year is None:
        if len(yp) == 1:
            return None
        year, implicit, conf = now.year, Implicit.YEAR, min(conf, 0.85)
    q = m.group("q") or m.group("q2")
    if q:
        m1, m2, c = 3 * int(q) - 2, 3 * int(q), 0.9
    else:
        m1, m2, c = YEAR_PARTS[yp]
    y2, mo2 = (year + 1, m2 - 12) if m2 > 12 else (year, m2)
    span = months(year, m1, y2, mo2, "month" if m1 == m2 else "span")
    if span is None:
        return None
    y_field = year if implicit is Implicit.NONE else None
    return Cand(m.start(), m.end(), span, (y_field, None, None), min(conf, c), implicit=implicit)


def _month_part(year: int, month: int, m: re.Match[str]) -> DateSpan | None:
    """上旬 / 月底 / 前十天 / 最后五天 of a month."""
    last = last_day(year, month)
    mp = m.group("mp")
    if m.group("fn"):
        a, b = 1, int(m.group("fn"))
    elif m.group("ln"):
        a, b = last - int(m.group("ln")) + 1, last
    else:
        a, b = MONTH_PARTS[mp]
        b = b or last
    if not 1 <= a <= b <= last:
        return None
    return DateSpan(date(year, month, a), date(year, month, b), "span")


def cn_candidate(m: re.Match[str], conv: Converted, now: datetime) -> Cand | None:
    """Resolve one match of the Chinese date pattern."""
    ms, rm, ds, mp = m.group("m"), m.group("rm"), m.group("d"), m.group("mp")
    has_year = bool(m.group("yb"))
    if not (has_year or m.group("yp") or ms or rm or ds or mp):
        return None
    year, conf, drop = _year_of(m, conv, now)
    if drop:
        return None
    if m.group("yp") and not (ms or rm or ds):
        return _year_part(m, year, conf, now)
    if has_year and not (ms or rm) and (ds or mp):
        span = build(year, None, None) if year is not None else None  # 1985年12: the year only
        if span is None:
            return None
        return Cand(m.start(), m.end("yb"), span, (year, None, None), conf)
    if ds and not (ms or rm):
        if not m.group("dsfx") or mp:
            return None
        if m.end() < len(conv.text) and conv.text[m.end()] in _NOT_DAY_AFTER:
            return None
    if mp and not (ms or rm) and mp not in _BARE_MONTH_PARTS:
        return None
    implicit = Implicit.NONE
    month: int | None = None
    if rm:
        if year is None:
            year, month = shift_month(now.year, now.month, REL_MONTH[rm])
        else:
            month = now.month if REL_MONTH[rm] == 0 else shift_month(year, now.month, REL_MONTH[rm])[1]
        conf = min(conf, 0.95)
    elif ms:
        month = int(ms)
        if not 1 <= month <= 12 and (m.start("m") in conv.counted or not (has_year or ds)):
            return None
    day = int(ds) if ds else None
    if year is None:
        year = now.year
        if month is None:
            month, implicit, conf = now.month, Implicit.MONTH, min(conf, 0.8)
        else:
            implicit, conf = Implicit.YEAR, min(conf, 0.85)
    fields = (year if has_year else None, month if (ms or rm) else None, day)
    span = build(year, month, day)
    if span is None:
        return Cand(m.start(), m.end(), None, fields, 0.0, "impossible_date", implicit)
    end = m.end()
    if day is None and mp and month is not None:
        part = _month_part(year, month, m)
        if part is None:
            return Cand(m.start(), m.end(), None, fields, 0.0, "impossible_date", implicit)
        span = part
    elif day is not None:
        end = m.end("dsfx") if m.group("dsfx") else m.end("d")
    return Cand(m.start(), end, span, fields, conf, implicit=implicit)


# --- numeric forms ------------------------------------------------------------------------------

_UNIT_AFTER = r"(?!\s*(?:万|千|百|元|块|米|斤|公|岁|%|分|毛|角|倍|寸|尺|亩|平|个|次|楼|级|克|吨|度|小时|人|户|口))"
NUM_YMD_RE = re.compile(
    r"(?<![\d.])(?P<y>\d{4}|\d{2})(?P<s>[./\-])(?P<m>\d{1,2})(?:[./\-](?P<d>\d{1,2}))?(?![\d年月])"
)
NUM_DMY_RE = re.compile(r"(?<![\d./\-])(?P<a>\d{1,2})(?P<s>[./\-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\d.])")
NUM_MD_RE = re.compile(
    r"(?<![\d./\-])(?P<m>\d{1,2})(?P<s>[./\-])(?P<d>\d{1,2})(?![\d./\-])(?P<sfx>日|号)?" + _UNIT_AFTER
)
COMPACT_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>[0-3]\d)?(?!\d)")
BARE_YEAR_RE = re.compile(r"(?<![\d./])(?P<y>(?:19|20)\d{2})(?![\d年月./\-])" + _UNIT_AFTER + r"(?!多|来|余)")
YEAR_RANGE_RE = re.compile(
    r"(?<![\d./\-])(?P<a>\d{4}|\d{2})\s*年?\s*(?:-+|~|到|至)\s*(?P<b>\d{4}|\d{2})(?P<yr>\s*年" + _YEAR_STOP + r")?(?![\d月./\-])"
)


TWO_MONTHS_RE = re.compile(
    r"(?:(?<!\d)(?P<y>\d{4}|\d{2})\s*年的?)?(?<!\d)(?P<a>[1-9]|1[01])(?P<sep>月份?|、|,|，|和|或者?|/)?"
    r"(?P<b>[2-9]|1[0-2])\s*月份?(?!前|以前|之前|后|\d)"
)


def two_months(conv: Converted, now: datetime) -> list[Cand]:
    """三四月份, 八五年七八月: two neighbouring months said together."""
    out: list[Cand] = []
    for m in TWO_MONTHS_RE.finditer(conv.text):
        a, b = int(m.group("a")), int(m.group("b"))
        if b != a + 1 or m.start("a") in conv.counted:
            continue
        if not m.group("sep") and conv.starts[m.start("a")] != conv.starts[m.start("b")]:
            continue  # 12月 is December; only 三四月 (one run of numerals) is two months
        ys = m.group("y")
        if ys and len(ys) == 2 and m.start("y") in conv.counted:
            continue
        year = (int(ys) if len(ys) == 4 else year2(int(ys), now)) if ys else now.year
        span = months(year, a, year, b)
        if span is None:
            continue
        implicit = Implicit.NONE if ys else Implicit.YEAR
        out.append(Cand(m.start(), m.end(), span, (year if ys else None, a, None), 0.7, implicit=implicit))
    return out


def numeric_candidates(conv: Converted, now: datetime) -> list[Cand]:
    """Dates written with digits and separators, compact digits and bare years."""
    text = conv.text
    out: list[Cand] = []
    for m in NUM_YMD_RE.finditer(text):
        ys, ms, ds = m.group("y"), m.group("m"), m.group("d")
        if len(ys) == 2 and (ds is None or int(ds) > 31):
            continue
        year = int(ys) if len(ys) == 4 else year2(int(ys), now)
        if len(ys) == 4 and not 1800 <= year <= 2200:
            continue
        span = build(year, int(ms), int(ds) if ds else None)
        conf = 1.0 if len(ys) == 4 else 0.9
        if len(ys) == 2 and int(ys) <= 31 and int(ds) <= 31 and int(ys) != int(ds) and int(ms) <= 12:
            conf = 0.5  # 03/04/05: any order could be meant
        out.append(Cand(m.start(), m.end(), span, (year, int(ms), int(ds) if ds else None), conf,
                        None if span else "impossible_date"))
    for m in NUM_DMY_RE.finditer(text):
        out.extend(_dmy(m, now))
    for m in NUM_MD_RE.finditer(text):
        mo, d = int(m.group("m")), int(m.group("d"))
        if not 1 <= mo <= 12 or not 1 <= d <= 31:
            continue
        span = build(now.year, mo, d)
        if span is None and m.group("s") == ".":
            continue
        conf = 0.7 if m.group("s") == "." and not m.group("sfx") else 0.8
        out.append(Cand(m.start(), m.end(), span, (None, mo, d), conf, None if span else "impossible_date",
                        Implicit.YEAR))
    for m in COMPACT_RE.finditer(text):
        y, mo = int(m.group("y")), int(m.group("m"))
        d = int(m.group("d")) if m.group("d") else None
        span = build(y, mo, d)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, (y, mo, d), 0.95 if d else 0.8))
    for m in BARE_YEAR_RE.finditer(text):
        y = int(m.group("y"))
        out.append(Cand(m.start(), m.end(), build(y, None, None), (y, None, None), 0.85))
    out.extend(two_months(conv, now))
    for m in YEAR_RANGE_RE.finditer(text):
        cand = _year_range(m, conv, now)
        if cand is not None:
            out.append(cand)
    return out


def _dmy(m: re.Match[str], now: datetime) -> list[Cand]:
    """05/05/1989 or 12/25/89: the year last, day and month in an order only a part above 12 tells."""
    a, b, ys = int(m.group("a")), int(m.group("b")), m.group("y")
    if len(ys) == 2 and int(ys) <= 31:
        return []  # 03/04/05 is read year first
    year = int(ys) if len(ys) == 4 else year2(int(ys), now)
    if a > 12 >= b:
        day, month, conf = a, b, 0.9
    elif b > 12 >= a:
        day, month, conf = b, a, 0.9
    else:
        day, month, conf = a, b, (0.9 if a == b else 0.5)
    span = build(year, month, day)
    return [Cand(m.start(), m.end(), span, (year, month, day), conf, None if span else "impossible_date")]


def _year_range(m: re.Match[str], conv: Converted, now: datetime) -> Cand | None:
    """1995-1997年, 95到97年, 1995-1997: whole years from the first to the last."""
    ra, rb = m.group("a"), m.group("b")
    if not m.group("yr") and not (len(ra) == 4 and len(rb) == 4):
        return None
    if m.start("a") in conv.counted or m.start("b") in conv.counted:
        return None
    a = int(ra) if len(ra) == 4 else year2(int(ra), now)
    if len(rb) == 4:
        b = int(rb)
    else:
        b = a // 100 * 100 + int(rb)
        if b < a:
            b += 100
    if not (1800 <= a <= b <= 2200):
        return None
    span = years(a, b)
    conf = 0.95 if len(ra) == 4 else 0.9
    return Cand(m.start(), m.end(), span, (a, None, None), conf) if span else None
