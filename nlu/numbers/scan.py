"""The grammar of a quantity in a prepared answer.

    quantity := [approx-before] amount [range-joiner amount] [approx-after]
    amount   := [负] ( 百分之 numeral | numeral 分之 numeral | numeral [k|w] | pair-range | 几 place | 半 )
                [多|余|几|来 [万|亿]] [个半 | 个多] [unit] [money tail: X角/毛 [Y分] | 块五] [半]

A numeral is read by ``core.read_numeral`` (cn2an's strict grammar, then the colloquial layer); a run of
numeral characters that does not read (百十一, 零点点, 10..1万) is remembered as malformed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlu.numbers.core import Numeral, Style, read_numeral, tidy
from nlu.numbers.tables import (
    APPROX_AFTER,
    APPROX_BEFORE,
    BIG_UNITS,
    MONEY_UNITS,
    PLACE_VALUES,
    UNIT_CANON,
)

_NUMS = "0-9零〇一二两三四五六七八九十百千万亿廿卅壹贰叁肆伍陆柒捌玖拾佰仟参俩仨"
_RUN_RE = re.compile(rf"[{_NUMS}](?:[{_NUMS}]|[点.](?=[{_NUMS}点.]))*")
_DIGIT1 = "一二两三四五六七八九"
_PAIR_RE = re.compile(
    rf"(?P<h>[{_NUMS}]*[十百千万亿拾佰仟])?(?P<a>[{_DIGIT1}])(?P<b>[{_DIGIT1}])(?P<t>[十百千万亿拾佰仟]*)"
)
_PAIR_OK = frozenset({("一", "两"), ("一", "二"), ("两", "三"), ("二", "三"), ("三", "五")})
_UNIT_RE = re.compile("|".join(re.escape(u) for u in sorted(UNIT_CANON, key=len, reverse=True)))
_BEFORE_RE = re.compile("|".join(sorted(APPROX_BEFORE, key=len, reverse=True)))
_AFTER_RE = re.compile("|".join(re.escape(w) for w in sorted(APPROX_AFTER, key=len, reverse=True)))
_ZERO_RE = re.compile(r"一(?:个|位|户|口|分钱?|毛钱?|块钱?|点)?人?(?:都|也)(?:没有|没|莫得|冇得|冇|没得|不得|无)")
_SCALE = {"k": 1000, "K": 1000, "w": 10000, "W": 10000}
_INFIX_APPROX = frozenset("多余几来")


@dataclass
class Found:
    """One quantity found in a prepared text (spans into it), before choosing among several."""

    value: int | float
    unit: str | None
    start: int
    end: int
    confidence: float
    approximate: bool = False
    ranged: bool = False
    low: int | float | None = None
    high: int | float | None = None
    raw_unit: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Scan:
    """Every quantity of a text, and the spans of numerals that could not be read."""

    found: tuple[Found, ...]
    malformed: tuple[tuple[int, int], ...]


def _style_confidence(n: Numeral, raw: str) -> float:
    if n.style == Style.DIGITS:
        return 0.8 if len(raw) > 2 else 0.55
    return 1.0 if n.style == Style.STRICT else 0.95


def _last_place(raw: str) -> int | None:
    """The place value of the last character of a numeral (五百 → 100, 1500 → 100, 十 → 10)."""
    c = raw[-1]
    if c in PLACE_VALUES:
        return PLACE_VALUES[c]
    if raw.isdigit() and raw.endswith("0"):
        return 10 ** (len(raw) - len(raw.rstrip("0")))
    return None


def _pair(raw: str, t: str, end: int) -> tuple[int | float, int | float] | None:
    """三四十 / 七八个 / 十七八 / 一百七八 / 两三千: two neighbouring digits saying "this or that"."""
    m = _PAIR_RE.fullmatch(raw)
    if not m:
        return None
    a, b = m.group("a"), m.group("b")
    da, db = "一二两三四五六七八九".index(a), "一二两三四五六七八九".index(b)
    va, vb = (da if da < 2 else da - 1) + 1, (db if db < 2 else db - 1) + 1
    if not (vb == va + 1 or (a, b) in _PAIR_OK):
        return None
    h, tail = m.group("h") or "", m.group("t")
    if not h and not tail:
        nxt = t[end] if end < len(t) else ""
        if not (nxt and (_UNIT_RE.match(t, end) or nxt in "多来左上")) and end < len(t):
            return None
    lo, hi = read_numeral(h + ("一" if a == "两" and h else a) + tail), read_numeral(h + b + tail)
    if lo is None or hi is None or not lo.value < hi.value:
        return None
    if h and tail:
        hv = read_numeral(h)
        if hv is None or _last_place(h) is None or (PLACE_VALUES.get(tail[0], 0) >= (_last_place(h) or 0)):
            return None
    return lo.value, hi.value


def _amount(t: str, i: int) -> Found | None:
    """Read one amount at i (after any approximation word), or None."""
    n = len(t)
    start = i
    sign = 1
    if i < n and t[i] in "负-" and i + 1 < n and _RUN_RE.match(t, i + 1):
        sign, i = -1, i + 1
    f: Found | None = None
    if t.startswith("百分之", i):
        m = _RUN_RE.match(t, i + 3)
        num = read_numeral(m.group(0)) if m else None
        if m is None or num is None:
            return None
        return Found(tidy(sign * num.value), "%", start, m.end(), 1.0, raw_unit="%")
    if t.startswith("几", i) and i + 1 < n and t[i + 1] in PLACE_VALUES:
        place = PLACE_VALUES[t[i + 1]]
        j = i + 2
        if j < n and t[j] in BIG_UNITS and place < BIG_UNITS[t[j]]:
            place *= BIG_UNITS[t[j]]
            j += 1
        f = Found(tidy(5.5 * place), None, start, j, 0.5, True, True, 2 * place, 9 * place)
    elif t.startswith("半", i):
        f = Found(0.5, None, start, i + 1, 0.95)
        if t.startswith("个", i + 1) and _UNIT_RE.match(t, i + 2) is None:
            f.end, f.unit, f.raw_unit = i + 2, "个", "个"
    else:
        m = _RUN_RE.match(t, i)
        if m is None:
            return None
        raw = m.group(0).rstrip(".")
        j = i + len(raw)
        pair = _pair(raw, t, j)
        if pair is not None:
            lo, hi = pair
            f = Found(tidy((lo + hi) / 2), None, start, j, 0.9, True, True, lo, hi)
        else:
            if t[j : j + 2] == "分之":
                m2 = _RUN_RE.match(t, j + 2)
                den, num = read_numeral(raw), read_numeral(m2.group(0)) if m2 else None
                if den is None or num is None or m2 is None or den.value == 0:
                    return None
                return Found(tidy(sign * num.value / den.value), None, start, m2.end(), 0.95)
            num = read_numeral(raw)
            if num is None or (j < n and t[j] == "点"):
                return Found(0, None, start, j, 0.0, extra={"malformed": True})
            value: int | float = num.value
            conf = _style_confidence(num, raw)
            if raw[-1].isdigit() and j < n and t[j] in _SCALE and not (j + 1 < n and t[j + 1].isascii()
                                                                         and t[j + 1].isalpha()):
                value, j = tidy(value * _SCALE[t[j]]), j + 1
            f = Found(tidy(sign * value), None, start, j, conf)
            if j < n and t[j] in _INFIX_APPROX:
                _infix(f, raw, t)
    _tail(f, t)
    return f


def _infix(f: Found, raw: str, t: str) -> None:
    """五百多 / 十几 / 三千余 / 七十来 (then 万/亿: 十多万)."""
    mark = t[f.end]
    place = _last_place(raw)
    if place is None and not (mark in "多余" and f.end + 1 < len(t) and _UNIT_RE.match(t, f.end + 1)):
        return
    if mark == "来" and (place is None or f.end + 1 < len(t) and t[f.end + 1] in "了的过"):
        return
    f.end += 1
    f.approximate, f.confidence = True, min(f.confidence, 0.9)
    if mark != "来" and place is not None:
        f.low, f.high = f.value, tidy(f.value + place)
    if f.end < len(t) and t[f.end] in BIG_UNITS:
        mult = BIG_UNITS[t[f.end]]
        f.value = tidy(f.value * mult)
        f.low = None if f.low is None else tidy(f.low * mult)
        f.high = None if f.high is None else tidy(f.high * mult)
        f.end += 1


def _scale_bounds(f: Found, mult: float) -> None:
    f.value = tidy(f.value * mult)
    f.low = None if f.low is None else tidy(f.low * mult)
    f.high = None if f.high is None else tidy(f.high * mult)


def _tail(f: Found, t: str) -> None:
    """Units, 个半/个多, money tails (十块三毛, 两毛五, 三块五) and 半 after the unit."""
    n = len(t)
    j = f.end
    if t.startswith("个半", j) or t.startswith("个多", j):
        m = _UNIT_RE.match(t, j + 2)
        if m and t[j + 1] == "半":
            f.value = tidy(f.value + 0.5)
            j = j + 2
        elif m:
            f.approximate, f.low, f.high = True, f.value, tidy(f.value + 1)
            f.confidence = min(f.confidence, 0.9)
            j = j + 2
    sub = t[j] if j < n else ""
    if sub and sub in "毛角" and f.unit is None and not f.approximate:
        _scale_bounds(f, 0.1)
        f.unit, f.raw_unit = "元", sub
        j += 1
        m = _RUN_RE.match(t, j)
        if m and len(m.group(0)) == 1 and (read_numeral(m.group(0)) is not None):
            f.value = tidy(f.value + (read_numeral(m.group(0)) or Numeral(0, "")).value * 0.01)
            j = m.end()
            if t.startswith("分", j):
                j += 1
        if t.startswith("钱", j):
            j += 1
        f.end = j
        return
    if t.startswith("分钱", j) and f.unit is None and not f.approximate:
        _scale_bounds(f, 0.01)  # 八分钱
        f.unit, f.raw_unit, f.end = "元", "分", j + 2
        return
    if t.startswith("年代", j):
        f.extra["decade"] = True
        f.confidence = 0.0  # 九十年代: a time, not an amount
    m = _UNIT_RE.match(t, j)
    if m and f.unit is None:
        f.unit, f.raw_unit = UNIT_CANON[m.group(0)], m.group(0)
        j = m.end()
    if f.raw_unit in MONEY_UNITS and not f.approximate:
        j = _money_tail(f, t, j)
    if t.startswith("半", j) and not (j + 1 < n and t[j + 1] in "年月天日个小"):
        if f.unit is not None and f.value == int(f.value) and not f.ranged:
            f.value = tidy(f.value + 0.5)  # 三年半, 五块半
            j += 1
        elif f.unit is None and f.value == 1 and j == f.start + 1:
            f.value = 0.5  # 一半
            j += 1
    if j < n and t[j] in "多余" and f.unit is not None and not f.approximate:
        f.approximate, f.low = True, f.value  # 五块多, 一年多
        f.confidence = min(f.confidence, 0.9)
        j += 1
    f.end = j


def _money_tail(f: Found, t: str, j: int) -> int:
    """After 元/块: X角/毛 [Y分], 零Y分, or a bare digit (三块五 → 3.5); 钱 at the end."""
    if t.startswith("零", j) and j + 1 < len(t):
        m0 = _RUN_RE.match(t, j + 1)
        d0 = read_numeral(m0.group(0)) if m0 and len(m0.group(0)) == 1 else None
        if m0 is not None and d0 is not None and 0 < d0.value < 10:
            f.value = tidy(f.value + d0.value * 0.01)  # 一块零五分
            j = m0.end() + (1 if t.startswith("分", m0.end()) else 0)
            return j + (1 if t.startswith("钱", j) else 0)
    m = _RUN_RE.match(t, j)
    if m and len(m.group(0)) == 1:
        d = read_numeral(m.group(0))
        k = m.end()
        nxt = t[k] if k < len(t) else ""
        if d is not None and d.value < 10:
            if nxt and nxt in "毛角":
                f.value = tidy(f.value + d.value * 0.1)
                k += 1
                m2 = _RUN_RE.match(t, k)
                if m2 and len(m2.group(0)) == 1 and (d2 := read_numeral(m2.group(0))) is not None:
                    f.value = tidy(f.value + d2.value * 0.01)
                    k = m2.end() + (1 if t.startswith("分", m2.end()) else 0)
                j = k
            elif nxt == "分":
                f.value, j = tidy(f.value + d.value * 0.01), k + 1
            elif not nxt or _UNIT_RE.match(t, k) is None and nxt not in "点.":
                f.value, j = tidy(f.value + d.value * 0.1), k
    if t.startswith("钱", j):
        j += 1
    return j


def _quantity(t: str, i: int) -> Found | None:
    """One quantity at i: approximation words, an amount or a range of two, and words after."""
    n = len(t)
    start = i
    bound = "none"
    mb = _BEFORE_RE.match(t, i)
    if mb:
        j = mb.end()
        if t.startswith("有", j):
            j += 1
        if j < n and (_RUN_RE.match(t, j) or t[j] in "几半负"):
            bound = APPROX_BEFORE[mb.group(0)] or "around"
            i = j
    mz = _ZERO_RE.match(t, i)
    if mz:
        return Found(0, None, start, mz.end(), 0.9)
    f = _amount(t, i)
    if f is None:
        return None
    f.start = start
    if f.extra.get("malformed"):
        return f
    _range(f, t)
    ma = _AFTER_RE.match(t, f.end)
    if ma and not (ma.group(0) in ("这样", "那样") and f.end + 2 < n):
        after = APPROX_AFTER[ma.group(0)]
        f.end = ma.end()
        bound = after or ("around" if bound == "none" else bound)
    if bound != "none":
        f.approximate, f.confidence = True, min(f.confidence, 0.9)
        if bound == "high" and not f.ranged:
            f.high, f.low = f.value, None
        elif bound == "low" and not f.ranged:
            f.low, f.high = f.value, None
    return f


def _range(f: Found, t: str) -> None:
    """X到Y / X-Y / X至Y / X或Y: the first may take the multiplier and unit of the second (两到三万)."""
    j = f.end
    for joiner in ("或者", "到", "至", "~", "-", "—", "或", "和"):
        if t.startswith(joiner, j):
            break
    else:
        return
    k = j + len(joiner)
    if k >= len(t) or not _RUN_RE.match(t, k) or f.ranged:
        return
    second = _amount(t, k)
    if second is None or second.extra.get("malformed") or second.ranged:
        return
    if joiner == "和" and f.unit is None:
        return
    lo, hi = f.value, second.value
    mult = _trailing_multiplier(t[k : second.end])
    if mult and lo * mult <= hi and not _has_big(t[f.start : f.end]):
        lo = tidy(lo * mult)
    if f.unit is not None and second.unit is not None and f.unit != second.unit:
        return
    if not lo < hi:
        if joiner == "和":
            return
        f.extra["bad_range"] = True
        f.confidence = min(f.confidence, 0.5)
    f.low, f.high = lo, hi
    f.value = tidy((lo + hi) / 2)
    f.unit = f.unit or second.unit
    f.raw_unit = f.raw_unit or second.raw_unit
    f.approximate, f.ranged = True, True
    f.confidence = min(f.confidence, second.confidence, 0.9)
    f.end = second.end


def _trailing_multiplier(s: str) -> int:
    """The multiplier at the end of the second number of a range (三万 → 10000, 五千块 → 1000)."""
    s = s.rstrip("".join(UNIT_CANON) + "钱")
    for c in reversed(s):
        if c in PLACE_VALUES:
            return PLACE_VALUES[c]
        if c in "kKwW":
            return _SCALE[c]
        break
    return 0


def _has_big(s: str) -> bool:
    return any(c in PLACE_VALUES or c in _SCALE for c in s)


def scan(t: str) -> Scan:
    """Every quantity of a prepared text, in order, and the malformed numerals."""
    found: list[Found] = []
    malformed: list[tuple[int, int]] = []
    i, n = 0, len(t)
    while i < n:
        c = t[i]
        half = c == "半" and (n == 1 or i + 1 < n and t[i + 1] in "个年月天日小")
        if not (c in _NUM_START or half) and _BEFORE_RE.match(t, i) is None and c not in "负-":
            i += 1
            continue
        f = _quantity(t, i)
        if f is None or f.end <= i:
            i += 1
            continue
        if f.extra.get("malformed"):
            malformed.append((f.start, f.end))
        else:
            found.append(f)
        i = f.end
    return Scan(tuple(found), tuple(malformed))


_NUM_START = frozenset(_NUMS.replace("0-9", "0123456789")) | {"几"}
