"""Reading one numeral: Chinese (ordinary, financial, traditional, colloquial), Arabic and mixed.

The strict grammar is cn2an's (``cn2an.cn2an(s, "strict")``); the colloquial layer (三万五, 一百二, 千一,
两千零三, digit strings such as 一二三) is cn2an's ``normal`` mode plus a few shortenings cn2an does not
know (千一, 万五, 1.5万 with Chinese decimals). Malformed numerals (百十一, 五百零, 三点, 十十) give None.
``cn_int`` is the older integer reader kept for nlu.dates (years, months and days said as numerals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import cn2an

from nlu.numbers.tables import BIG_UNITS, DIGIT_VALUES, SMALL_UNITS, TENS, UNIT_CHARS, ZERO_CHARS

_SMALL_UNITS, _BIG_UNITS, _TENS, _UNIT_CHARS = SMALL_UNITS, BIG_UNITS, TENS, UNIT_CHARS


def cn_int(s: str) -> int | None:
    """Read an integer written with Chinese and/or Arabic numerals; None when malformed."""
    if not s:
        return None
    if not any(c in _UNIT_CHARS for c in s):
        out = []
        for c in s:
            d = DIGIT_VALUES.get(c)
            if d is None:
                return None
            out.append(str(d))
        return int("".join(out))
    total = 0
    section = 0
    cur: int | None = None
    cur_len = 0
    last_small: int | None = None
    last_big: int | None = None
    zero = False
    first = True
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if "0" <= c <= "9":
            j = i
            while j < n and "0" <= s[j] <= "9":
                j += 1
            if cur is not None:
                return None
            cur, cur_len = int(s[i:j]), j - i
            i = j
            first = False
            continue
        if c in ZERO_CHARS:
            if cur is not None:
                return None
            zero = True
        elif c in DIGIT_VALUES:
            if cur is not None:
                return None
            cur, cur_len = DIGIT_VALUES[c], 1
        elif c in _TENS:
            if cur is not None:
                return None
            section += _TENS[c]
            last_small = 10
            zero = False
        elif c in _SMALL_UNITS:
            unit = _SMALL_UNITS[c]
            if cur is None:
                if not (first or (zero and unit == 10)):
                    return None
                cur = 1
            if last_small is not None and unit >= last_small:
                return None
            section += cur * unit
            cur = None
            last_small = unit
            zero = False
        elif c in _BIG_UNITS:
            unit = _BIG_UNITS[c]
            if cur is not None:
                section += cur
                cur = None
            if section == 0 or (last_big is not None and unit >= last_big):
                return None
            if unit == 10**8:
                total = (total + section) * unit
            else:
                total += section * unit
            section = 0
            last_small = None
            last_big = unit
            zero = False
        else:
            return None
        first = False
        i += 1
    if cur is not None:
        if zero or cur_len > 1:
            section += cur
        elif last_small is not None:
            section += cur * last_small // 10
        elif last_big is not None:
            section += cur * last_big // 10
        else:
            section += cur
    elif first:
        return None
    return total + section


def _tidy(value: float) -> int | float:
    """Return an int for integral values, a rounded float otherwise."""
    if isinstance(value, int):
        return value
    if value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 10)


def tidy(value: float) -> int | float:
    """Return an int for integral values, a float rounded to 10 places otherwise."""
    return _tidy(value)


class Style:
    """How a numeral was written (names of the confidence it deserves)."""

    STRICT = "strict"  # 三千零五十, 3050, 叁仟零伍拾
    COLLOQUIAL = "colloquial"  # 三万五, 一百二, 千一, 两千六
    DIGITS = "digits"  # 一二三 read digit by digit as 123


@dataclass(frozen=True)
class Numeral:
    """The value of one numeral and how it was written."""

    value: int | float
    style: str


_FOLD_NUMERAL = str.maketrans({"参": "叁", "俩": "两", "仨": "三", "○": "〇", "萬": "万", "億": "亿", "貳": "贰"})
_ARABIC_RE = re.compile(r"\d+(?:\.\d+)?")
_MIXED_RE = re.compile(r"(\d+(?:\.\d+)?)([十百千万亿]+)(\d*)")
_DECIMAL_BIG_RE = re.compile(r"(.+?[点.].+?)([万亿千百])$")
_LEADING_PLACE_RE = re.compile(r"^[千万百][一二两三四五六七八九]$")
_BAD_ZERO_RE = re.compile(r"[十百千万亿拾佰仟]零$|零零[一二三四五六七八九]|^零[十百千万亿]")


def _cn2an(s: str, mode: str) -> int | float | None:
    """cn2an's reading of a numeral in a mode, None when it refuses (it raises on malformed input)."""
    try:
        value = cn2an.cn2an(s, mode)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return _tidy(value) if isinstance(value, (int, float)) else None


@lru_cache(maxsize=4096)
def read_numeral(s: str) -> Numeral | None:
    """Read one numeral (no sign, no unit); None when malformed. Cached: answers repeat."""
    if not s or len(s) > 40:
        return None
    s = s.translate(_FOLD_NUMERAL)
    if s.isascii():
        if _ARABIC_RE.fullmatch(s) is None:
            return None
        if len(s) > 1 and s[0] == "0" and not s.startswith("0."):
            return None  # 05: a code, not an amount
        return Numeral(_tidy(float(s)) if "." in s else int(s), Style.STRICT)
    if s[-1] in "点." or s[0] in "点." or _BAD_ZERO_RE.search(s):
        return None
    m = _DECIMAL_BIG_RE.fullmatch(s)
    if m:  # 一点五万, 1.5万, 零点五万
        head = read_numeral(m.group(1))
        frac = m.group(1).replace(".", "点").partition("点")[2]
        if head is None or any(c in _UNIT_CHARS for c in frac) or any(c in BIG_UNITS for c in m.group(1)):
            return None
        mult = SMALL_UNITS.get(m.group(2)) or BIG_UNITS[m.group(2)]
        return Numeral(_tidy(float(Decimal(repr(head.value)) * mult)), head.style)
    if any(c.isascii() for c in s):
        mm = _MIXED_RE.fullmatch(s)
        if mm is None:
            return None
        value = _cn2an(s, "smart")
        return None if value is None else Numeral(value, Style.COLLOQUIAL)
    if _LEADING_PLACE_RE.match(s):
        s = "一" + s  # 千一 → 一千一, 万五 → 一万五
    value = _cn2an(s, "strict")
    if value is not None:
        return Numeral(value, Style.STRICT)
    value = _cn2an(s, "normal")
    if value is None:
        return None
    if not any(c in _UNIT_CHARS for c in s):
        if "点" not in s and len(s) > 1 and s[0] in ZERO_CHARS:
            return None  # 零三: a code
        return Numeral(value, Style.DIGITS if len(s.partition("点")[0]) > 1 else Style.STRICT)
    return Numeral(value, Style.COLLOQUIAL)


def cn_number(s: str) -> int | float | None:
    """Read a possibly signed, decimal or fractional Chinese/Arabic numeral; None when malformed."""
    if not s:
        return None
    sign = 1
    if s[0] in "负-":
        sign = -1
        s = s[1:]
        if not s:
            return None
    if "分之" in s:
        den_s, _, num_s = s.partition("分之")
        den = read_numeral(den_s) if den_s != "百" else Numeral(100, Style.STRICT)
        num = read_numeral(num_s)
        if den is None or num is None or den.value == 0:
            return None
        return _tidy(sign * num.value / den.value)
    n = read_numeral(s)
    return None if n is None else _tidy(sign * n.value)


def digit_value(c: str) -> int | None:
    """The digit a character stands for (一, 壹, 两, 7…), None for anything else."""
    return DIGIT_VALUES.get(c)
