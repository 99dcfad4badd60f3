"""Chinese numerals to digits, with a map back to the indices of the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from nlu.numbers import CN_NUM, cn_int, mask_protected

# Financial and spoken forms the shared numeral class leaves out (伍, 陆 and 拾 are also names), read
# here only inside runs of other numerals or before 年/月/日.
_EXTRA = MappingProxyType({"伍": "五", "陆": "六", "拾": "十", "幺": "一", "俩": "两"})
_CN_RUN_RE = re.compile(f"[{CN_NUM}伍陆拾幺俩]+")
_UNIT_IN_RUN = frozenset("十百千万亿廿卅拾佰仟萬億")
_DIGIT = MappingProxyType({
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3,
    "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9, "幺": 1, "俩": 2,
})
_DOT_RE = re.compile(r"[·・•．]")


@dataclass(frozen=True)
class Converted:
    """Text with Chinese numerals turned into digits, mapped back to the original indices."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    counted: frozenset[int]  # indices of digits that came from numerals with 十/百/千 (amounts)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of a converted span."""
        return self.starts[start], self.ends[end - 1]


def _read_run(run: str) -> tuple[str | None, bool]:
    """Digits of one numeral run and whether it was counted (十/百/千), or None when malformed."""
    if any(c in _UNIT_IN_RUN for c in run):
        value = cn_int("".join(_EXTRA.get(c, c) for c in run))
        return (str(value) if value is not None else None), True
    return "".join(str(_DIGIT[c]) for c in run if c in _DIGIT) or None, False


def convert(folded: str) -> Converted:
    """Turn Chinese numerals into Arabic digits (digit by digit when no 十/百/千 appears), dropping spaces.

    ``folded`` is the answer after ``nlu._text.fold`` (same length as the original)."""
    kept = [i for i, ch in enumerate(folded) if not ch.isspace()]
    compact = _DOT_RE.sub(".", "".join(folded[i] for i in kept))
    masked = _unmask_dates(compact, mask_protected(compact))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    counted: set[int] = set()
    pos = 0
    for m in _CN_RUN_RE.finditer(masked):
        run = m.group(0)
        if len(run) == 1 and run in _EXTRA and not _numeric_context(masked, m.start(), m.end()):
            continue
        digits, is_counted = _read_run(run)
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
    return Converted("".join(out), tuple(starts), tuple(ends), frozenset(counted))


_MASK = "\u25a1"
_MASKED_BEFORE_DATE_RE = re.compile(_MASK + "+(?=[年月日号])")


def _unmask_dates(compact: str, masked: str) -> str:
    """Give back numerals a protected word hid right before 年/月/日 (三七年 is 1937, not the herb)."""
    if _MASK not in masked:
        return masked
    out = list(masked)
    for m in _MASKED_BEFORE_DATE_RE.finditer(masked):
        if all(compact[i] in _DIGIT for i in range(m.start(), m.end())):  # not 上一年 (a word, not a year)
            out[m.start() : m.end()] = compact[m.start() : m.end()]
    return "".join(out)


def _numeric_context(text: str, start: int, end: int) -> bool:
    """A lone 伍/陆/拾/幺 is a numeral only right before 年/月/日/号."""
    return end < len(text) and text[end] in "年月日号"
