"""Reading the quantity of an answer: one number, or the one carrying the question's unit."""

from __future__ import annotations

import re

from nlu._text import clamp, is_blank
from nlu.numbers.prep import Prepared, prepare
from nlu.numbers.quantity import Quantity
from nlu.numbers.scan import Found, Scan, scan
from nlu.numbers.tables import RATE_UNITS, UNIT_ALIASES
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.tokenizer import Tokenizer

_NO_NUMBER = "没有听出数字，请说一个具体的数。"
_MALFORMED = "这个数没听明白，请再说一遍，比如“三千五百”。"
_SEVERAL = "听到好几个数，请只说一个数。"
_PER_RE = re.compile(
    r"每(?:个)?(月|年|天|周|星期)|(?<![0-9一二两三四五六七八九十])(月|年)(?:收入|工资|挣|花|薪)|[/／](月|年|天|周)"
)
_LIST_SEPARATORS = frozenset(",、，;；/ ")


def _quantity(f: Found) -> Quantity:
    return Quantity(f.value, f.unit, f.approximate, f.low, f.high, f.ranged)


def _extra(f: Found) -> dict[str, object]:
    extra: dict[str, object] = {k: v for k, v in f.extra.items() if k != "malformed"}
    if f.ranged and f.low is not None and f.high is not None:
        extra["range"] = (f.low, f.high)
    if f.approximate:
        extra["approximate"] = True
    return extra


def _scan_text(text: str, tokenizer: Tokenizer | None) -> tuple[Prepared, Scan]:
    prepared = prepare(text, tokenizer)
    return prepared, scan(prepared.text)


def find_numbers(text: str, tokenizer: Tokenizer | None = None) -> list[Parsed[Quantity]]:
    """Return every quantity mentioned in a sentence, with spans into the original text."""
    if is_blank(text):
        return []
    prepared, result = _scan_text(text, tokenizer)
    return [
        Parsed(_quantity(f), clamp(f.confidence), prepared.span(f.start, f.end), _extra(f)) for f in result.found
    ]


def _is_list(t: str, found: list[Found]) -> bool:
    """1,2,3,4 / 3、5、7: several bare numbers one after the other, not one answer."""
    if len(found) == 2 and not any(f.unit for f in found) and t[found[0].end : found[1].start] == ",":
        return t[found[0].start].isdigit() and t[found[1].start].isdigit()  # 12,34: not a thousands group
    if len(found) < 3 or any(f.unit for f in found):
        return False
    return all(set(t[a.end : b.start]) <= _LIST_SEPARATORS and a.end < b.start for a, b in zip(found, found[1:], strict=False))


def _unit_rank(unit: str | None, expected: str) -> int | None:
    """How well a unit fits the question's: 0 the same, 1 a synonym (口 for 人), 2 the bare classifier 个."""
    if unit == expected:
        return 0
    if unit is not None and UNIT_ALIASES.get(unit) == expected:
        return 2 if unit == "个" else 1
    return None


def _same_unit(unit: str | None, expected: str) -> bool:
    return unit == expected or (unit is not None and UNIT_ALIASES.get(unit) == expected)


# What may follow a bare number in an answer: particles, punctuation, more numerals, "per" words.
_AFTER_BARE_OK = frozenset("了的吧啊呀呢嘛哦噢么啦喽嘞咯哈，,。.！!？?、；;：:…~ 每一二三四五六七八九十百千万亿零两")


def _word_goes_on(text: str, end: int) -> bool:
    nxt = text[end] if end < len(text) else ""
    return bool(nxt) and "\u4e00" <= nxt <= "\u9fff" and nxt not in _AFTER_BARE_OK


def parse_number(text: str, expected_unit: str | None = None, tokenizer: Tokenizer | None = None) -> Result[Quantity]:
    """Read one quantity (value, canonical unit, precision) from an answer.

    With ``expected_unit`` (the question's unit) the number carrying it is preferred, and a unit that means
    the same for the question (三口人 for 人) comes back as the expected one.
    """
    if is_blank(text):
        return empty()
    prepared, result = _scan_text(text, tokenizer)
    found = [f for f in result.found if not f.extra.get("decade")]
    t = prepared.text
    if not found:
        if result.malformed:
            return NotUnderstood("malformed_number", _MALFORMED)
        return NotUnderstood("no_number", _NO_NUMBER)
    if _is_list(t, found):
        return NotUnderstood("several_numbers", _SEVERAL)
    per: str | None = None
    rates = [f for f in found if f.value == 1 and f.unit in RATE_UNITS and not f.approximate]
    if rates and len(rates) < len(found):
        # 一个月一千五 / 一年两万: "per month/year" rather than a quantity of its own
        per = rates[0].unit
        found = [f for f in found if f not in rates]
    else:
        m = _PER_RE.search(t)
        if m:
            word = m.group(1) or m.group(2) or m.group(3)
            per = {"星期": "周"}.get(word, word)
    chosen = found[0]
    confidence = chosen.confidence
    if expected_unit is not None:
        same = []
        for rank in (0, 1, 2):  # the unit itself, then 口/名 for 人, then 个
            same = [f for f in found if _unit_rank(f.unit, expected_unit) == rank]
            if same:
                break
        if same:
            chosen = same[0]
            confidence = chosen.confidence
            if len({(f.value, f.unit) for f in same}) > 1:
                confidence = min(confidence, 0.5)
        else:
            bare = [f for f in found if f.unit is None]
            if bare:
                chosen = bare[0]
                confidence = chosen.confidence
            if len(found) > 1:
                confidence = min(confidence, 0.5)
            elif chosen.unit is not None:
                confidence = min(confidence, 0.5)  # 三十岁 for a question about square metres
    elif len({(f.value, f.unit) for f in found}) > 1:
        confidence = min(confidence, 0.5)
    if result.malformed:
        confidence = min(confidence, 0.5)
    if chosen.unit is None and _word_goes_on(t, chosen.end):
        confidence = min(confidence, 0.55)  # 两岔乡, 四方台: a bare numeral running into a word is a guess
    quantity = _quantity(chosen)
    if expected_unit is not None and chosen.unit != expected_unit and _same_unit(chosen.unit, expected_unit):
        quantity = Quantity(quantity.value, expected_unit, quantity.approximate, quantity.low, quantity.high,
                            quantity.ranged)
    extra = _extra(chosen)
    if per is not None and chosen.unit not in RATE_UNITS:
        extra["per"] = per
    return Parsed(quantity, clamp(confidence), prepared.span(chosen.start, chosen.end), extra)
