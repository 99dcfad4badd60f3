"""Turning the numbers of a whole sentence into digits (cn2an's transform, with the words kept intact)."""

from __future__ import annotations

import re

from nlu._text import fold
from nlu.numbers.core import cn_number
from nlu.numbers.tables import (
    BIG_UNITS,
    DIGIT_VALUES,
    NUM_CLASS,
    SMALL_UNITS,
    TENS,
    UNIT_CHARS,
    ZERO_CHARS,
    mask_protected,
)

_SMALL_UNITS, _BIG_UNITS, _TENS, _UNIT_CHARS = SMALL_UNITS, BIG_UNITS, TENS, UNIT_CHARS


_MEASURE_AFTER = frozenset("个半岁年月日号元块人口次平米分间套亩斤天周位户层栋张本项级只头辆届期倍成")
_NORM_RE = re.compile(
    rf"(?P<frac>[{NUM_CLASS}]+)分之(?P<num>[{NUM_CLASS}]+(?:点[{NUM_CLASS}]+)?)"
    rf"|[负-]?[{NUM_CLASS}幺洞]+(?:[点.][{NUM_CLASS}]+)?"
)
_PAIR_RANGE = frozenset({"一两", "两三", "二三", "三四", "四五", "五六", "六七", "七八", "八九"})
_NORM_DIRECT_RE = re.compile(r"负?[零〇○一二三四五六七八九两]+(?:点[零〇○一二三四五六七八九]+)?")
_SUFFIX_REWRITE = (("摄氏度", "℃"),)


def _norm_number(raw: str) -> str | None:
    """Digits for one numeral run in a sentence, or None to leave it untouched."""
    sign = "-" if raw[0] in "负-" else ""
    body = raw[1:] if sign else raw
    value = cn_number(body)
    if value is None:
        return None
    if not any(c in _UNIT_CHARS for c in body) and body[0] in ZERO_CHARS and "点" not in body and "." not in body:
        return sign + "".join(str(DIGIT_VALUES[c]) for c in body)
    return sign + str(value) if not isinstance(value, float) else sign + _float_text(body, value)


def _float_text(body: str, value: float) -> str:
    """Keep the written decimals (一二点三零 -> 12.30)."""
    for sep in ("点", "."):
        if sep in body:
            frac = body.partition(sep)[2]
            return f"{value:.{len(frac)}f}"
    return str(value)


def normalize(text: str, *, direct: bool = False) -> str:
    """Turn the numbers of a whole sentence into digits, leaving words such as 两岸/一些 intact.

    With ``direct=True`` only digit-by-digit readings (零零三, 二〇〇二, 一二点三零) are converted.
    """
    if not text:
        return text
    folded = fold(text)
    masked = mask_protected(folded)
    pattern = _NORM_DIRECT_RE if direct else _NORM_RE
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(masked):
        raw = m.group(0)
        if raw in ("-", "负"):
            continue
        body = raw.lstrip("负-")
        if direct and (len(body) < 2 or any(c in _UNIT_CHARS for c in body)):
            continue
        if not direct and m.group("frac"):
            frac = m.group("frac")
            den, num = (100 if frac == "百" else cn_number(frac)), cn_number(m.group("num"))
            if den is None or num is None:
                continue
            out.append(text[pos : m.start()])
            out.append(f"{num}%" if den == 100 else f"{num}/{den}")
            pos = m.end()
            continue
        if not direct:
            if all(c in "幺洞" for c in body):
                continue
            nxt_char = masked[m.end()] if m.end() < len(masked) else ""
            if body in _PAIR_RANGE and (nxt_char != "年" or "两" in body):
                continue  # 两三个 / 一两天: "two or three", not 23
            if body in ("十", "百", "千", "万") and nxt_char in ("来", "多", "余", "几"):
                out.append(text[pos : m.start()])
                out.append(str(_SMALL_UNITS.get(body) or _BIG_UNITS[body]))
                pos = m.end()
                continue
            if all(c.isdigit() and c.isascii() for c in body.replace(".", "")):
                continue
            nxt = masked[m.end()] if m.end() < len(masked) else ""
            n_numeral = sum(1 for c in body if c in DIGIT_VALUES or c in _UNIT_CHARS)
            if n_numeral < 2 and nxt not in _MEASURE_AFTER:
                continue
            if not any(c in DIGIT_VALUES or c in _TENS or c in _SMALL_UNITS for c in body):
                continue
        if direct:
            value = "-" if raw[0] in "负-" else ""
            value += "".join("." if c == "点" else str(DIGIT_VALUES[c]) for c in body)
            converted: str | None = value
        else:
            converted = _norm_number(raw)
        if converted is None:
            continue
        out.append(text[pos : m.start()])
        out.append(converted)
        pos = m.end()
    out.append(text[pos:])
    result = "".join(out)
    if not direct:
        for word, symbol in _SUFFIX_REWRITE:
            result = re.sub(rf"(?<=\d){word}", symbol, result)
    return result
