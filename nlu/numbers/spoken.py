"""Digit strings said digit by digit (phone, ID and certificate numbers): 幺三九洞, 零九三一, 拐勾两."""

from __future__ import annotations

import re

from nlu._text import clamp, fold, is_blank
from nlu.numbers.tables import SPOKEN_DIGITS, SPOKEN_ONLY, UNIT_CHARS
from nlu.result import NotUnderstood, Parsed, Result, empty

_SPOKEN_ONLY, _UNIT_CHARS = SPOKEN_ONLY, UNIT_CHARS


_SPOKEN_CLASS = "".join(sorted(SPOKEN_DIGITS))
_DIGIT_RUN_RE = re.compile(rf"[负-]?[{_SPOKEN_CLASS}](?:[{_SPOKEN_CLASS}\s\-—_,，、杠横]|[点.](?=[{_SPOKEN_CLASS}]))*")


def _digit_runs(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Return (digits, span) for each spoken or written digit run in a folded text."""
    runs: list[tuple[str, tuple[int, int]]] = []
    for m in _DIGIT_RUN_RE.finditer(text):
        raw = m.group(0)
        out = []
        for c in raw:
            if c in SPOKEN_DIGITS:
                out.append(str(SPOKEN_DIGITS[c]))
            elif c in "点.":
                out.append(".")
            elif c in "负" or (c == "-" and not out):
                out.append("-")
        digits = "".join(out)
        end = m.end()
        while end > m.start() and text[end - 1] in " -—_,，、杠横":
            end -= 1
        if any(ch.isdigit() for ch in digits):
            runs.append((digits, (m.start(), end)))
    return runs


def read_digits(text: str) -> Result[str]:
    """Read a digit string said digit by digit (幺/洞/两/拐/勾 too), keeping leading zeros."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    runs = _digit_runs(folded)
    if not runs:
        return NotUnderstood("no_number", "没有听出数字，请一位一位地说。")
    digits, span = max(runs, key=lambda r: sum(ch.isdigit() for ch in r[0]))
    inside = folded[max(0, span[0] - 1) : span[1] + 1]
    if any(c in _UNIT_CHARS for c in inside):
        return NotUnderstood("not_digits", "请一位一位地说数字。")
    confidence = 1.0
    if any(c in _SPOKEN_ONLY for c in inside):
        confidence = 0.95
    if len(runs) > 1:
        confidence = 0.8
    return Parsed(digits, clamp(confidence), span)
