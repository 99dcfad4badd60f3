"""Dates relative to now: 昨天, 上周三, 三年前, 两个半月前, 二十几年前, 十来年前, 好几年前, 上季度."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from nlu.dates.convert import Converted
from nlu.dates.span import Cand, DateSpan, Implicit, month_span, months, shift_month, years
from nlu.dates.words import REL_DAY, REL_WEEK, WEEKDAYS, alt

REL_DAY_RE = re.compile(alt(REL_DAY))
WEEK_RE = re.compile(r"(?P<w>" + alt(REL_WEEK) + r")?(?:个|一个)?(?:周|星期|礼拜)(?P<d>[1-7日天]|末)?(?![\d年岁])")
AGO_RE = re.compile(
    r"(?<!\d)(?P<n>\d+|半)(?P<half>个半|半)?\s*(?P<u>年|个月|月|天|日|周|个星期|星期|个礼拜|礼拜)(?P<half2>半)?"
    r"(?P<dir>以前|之前|前|以后|之后|后)(?![年天月])"
)
APPROX_AGO_RE = re.compile(
    r"(?<!\d)(?P<n>\d+)(?:(?P<q>几|多|来)个?|个(?P<q2>多))(?P<u>年|月|天|周|星期)(?:以前|之前|前)"
    r"|(?<!\d)(?P<n3>\d+)(?P<u3>年|个月|天)(?P<q3>多)(?:以前|之前|前)"
)
# Vague stretches of the past: (years back from, years back to, confidence).
VAGUE_RE = re.compile(
    r"好几年(?:以前|之前|前)|几年(?:以前|之前|前)|前几年|前些年|早些年|那几年|好多年(?:以前|之前|前)|很多年(?:以前|之前|前)"
    r"|多年(?:以前|之前|前)|这几年|近几年|最近几年|这些年|近年来|近些年|前(?P<n>[23])年(?![前后])"
)
_VAGUE = {"这几年": (4, 0, 0.4), "近几年": (4, 0, 0.4), "最近几年": (4, 0, 0.4), "这些年": (9, 0, 0.3),
          "近年来": (4, 0, 0.4), "近些年": (4, 0, 0.4), "前几年": (9, 2, 0.3), "那几年": (9, 2, 0.2)}
FEW_DAYS_RE = re.compile(r"前(?:两|几|2)天|这两天|这几天|前些天|前些日子|前一阵子?|前段时间")
FEW_MONTHS_RE = re.compile(r"前几个月|几个月(?:以前|之前|前)|前些月")
REL_QUARTER_RE = re.compile(r"(?P<w>上上|上|这|本|下)(?:个|一个)?季度")


def _from_cn_digits(conv: Converted, start: int, end: int) -> bool:
    """八五 read digit by digit (a year), not an amount such as 二十 or 20."""
    return end - start >= 2 and start not in conv.counted and conv.starts[start] == conv.starts[start + 1]


def _ago(m: re.Match[str], now: datetime) -> tuple[DateSpan, float] | None:
    """Resolve 三年前 / 两个半月前 / 十天前 / 三年后 against now."""
    n_raw, unit = m.group("n"), m.group("u")
    n = 0.5 if n_raw == "半" else float(n_raw)
    if m.group("half") or m.group("half2"):
        n += 0.5
    if n > 150:
        return None
    sign = 1 if "后" in m.group("dir") else -1
    conf = 0.8 if sign < 0 else 0.5  # 三年后: maybe after another event, not after now
    today = now.date()
    if unit == "年" and n == int(n):
        span = years(now.year + sign * int(n), now.year + sign * int(n), "year")
        return (span, conf) if span else None
    if unit in ("个月", "月", "年"):
        count = n * 12 if unit == "年" else n
        if count == int(count):
            y, mo = shift_month(now.year, now.month, sign * int(count))
            if not 1 <= y <= 9999:
                return None
            a, b = month_span(y, mo)
            return DateSpan(a, b, "month"), conf
        days = count * 30.5
        if sign > 0:
            return DateSpan(today + timedelta(days=round(days)), today + timedelta(days=round(days + 30.5)), "span"), conf
        return DateSpan(today - timedelta(days=round(days + 30.5)), today - timedelta(days=round(days)), "span"), conf
    per = 7 if unit in ("周", "个星期", "星期", "个礼拜", "礼拜") else 1
    d = today + timedelta(days=sign * round(n * per))
    return DateSpan(d, d, "day"), conf * (0.85 if per == 7 else 1.0)


def _approx_ago(m: re.Match[str], now: datetime) -> DateSpan | None:
    """二十几年前, 三十多年前, 十来年前, 两个多月前, 三年多前: a stretch of the past, never one value."""
    n = int(m.group("n") or m.group("n3"))
    q = m.group("q") or m.group("q2") or m.group("q3")
    unit = m.group("u") or m.group("u3")
    if q == "来":
        lo, hi = max(1, n - 2), n + 2
    elif n % 10 == 0 and q in ("几", "多") and not m.group("q3"):
        lo, hi = n + 1, n + 9
    else:
        lo, hi = n, n + 1
    if hi > 150:
        return None
    today = now.date()
    if unit == "年":
        return years(now.year - hi, now.year - lo)
    if unit in ("月", "个月"):
        y1, m1 = shift_month(now.year, now.month, -hi)
        y2, m2 = shift_month(now.year, now.month, -lo)
        return months(y1, m1, y2, m2)
    per = 7 if unit in ("周", "星期") else 1
    return DateSpan(today - timedelta(days=hi * per), today - timedelta(days=lo * per), "span")


def relative_candidates(conv: Converted, now: datetime) -> list[Cand]:
    """Every date of a converted text that is counted from now."""
    text = conv.text
    today = now.date()
    none = (None, None, None)
    out: list[Cand] = []
    for m in REL_DAY_RE.finditer(text):
        day = today + timedelta(days=REL_DAY[m.group(0)])
        out.append(Cand(m.start(), m.end(), DateSpan(day, day, "day"), none, 0.95))
    for m in WEEK_RE.finditer(text):
        w, d = m.group("w"), m.group("d")
        if not w and not d:
            continue
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=REL_WEEK[w] if w else 0)
        implicit = Implicit.NONE if w else Implicit.WEEK
        if d == "末":
            out.append(Cand(m.start(), m.end(), DateSpan(monday + timedelta(days=5), monday + timedelta(days=6), "span"),
                            none, 0.8, implicit=implicit))
        elif d:
            day = monday + timedelta(days=WEEKDAYS[d])
            out.append(Cand(m.start(), m.end(), DateSpan(day, day, "day"), none, 0.8, implicit=implicit,
                            weekday=None if w else WEEKDAYS[d]))
        else:
            out.append(Cand(m.start(), m.end(), DateSpan(monday, monday + timedelta(days=6), "span"), none, 0.8))
    for m in AGO_RE.finditer(text):
        if m.group("u") == "年" and _from_cn_digits(conv, m.start("n"), m.end("n")):
            continue
        found = _ago(m, now)
        if found is not None:
            out.append(Cand(m.start(), m.end(), found[0], none, found[1]))
    for m in APPROX_AGO_RE.finditer(text):
        span = _approx_ago(m, now)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, none, 0.5))
    for m in VAGUE_RE.finditer(text):
        word = m.group(0)
        if m.group("n"):
            back_from, back_to, conf = int(m.group("n")), 1, 0.5
        else:
            back_from, back_to, conf = _VAGUE.get(word, (10, 3, 0.3))
        span = years(now.year - back_from, now.year - back_to)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, none, conf))
    for m in FEW_DAYS_RE.finditer(text):
        out.append(Cand(m.start(), m.end(), DateSpan(today - timedelta(days=7), today - timedelta(days=2), "span"),
                        none, 0.55))
    for m in FEW_MONTHS_RE.finditer(text):
        y1, m1 = shift_month(now.year, now.month, -6)
        y2, m2 = shift_month(now.year, now.month, -2)
        span = months(y1, m1, y2, m2)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, none, 0.35))
    for m in REL_QUARTER_RE.finditer(text):
        q_index = (now.year * 4 + (now.month - 1) // 3) + REL_WEEK[m.group("w")]
        y, q = divmod(q_index, 4)
        span = months(y, 3 * q + 1, y, 3 * q + 3)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, none, 0.9))
    return out


def week_of(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())
