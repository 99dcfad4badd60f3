"""Small text helpers shared by the parsers (length-preserving normalisation)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

import opencc

# Characters whose NFKC form is a single different character are folded one by one,
# so that every index of the folded text is also an index of the original text.
_SPECIAL = MappingProxyType(
    {
        "\u3000": " ",
        "。": "。",
        "〇": "〇",
        "－": "-",
        "—": "-",
        "–": "-",
        "～": "~",
        "〜": "~",
    }
)


@cache
def _simplified() -> Mapping[str, str]:
    """Traditional characters and their simplified forms, one character each, from OpenCC's t2s tables.

    Built once, on first use (about 0.1 s): every CJK character OpenCC changes into a single other
    character. Characters whose simplified form depends on the word (a few, such as 乾 in 乾隆) take
    the common reading; answers are read for their meaning, and the raw words are kept as said.
    """
    converter = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for block in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)):
        for code in range(*block):
            ch = chr(code)
            simple = converter.convert(ch)
            if simple != ch and len(simple) == 1:
                table[ch] = simple
    return MappingProxyType(table)


def fold(text: str) -> str:
    """Fold full-width forms to ASCII and traditional characters to simplified, one character at a time,
    keeping the length (every index of the folded text is an index of the original)."""
    if text.isascii():
        return text
    simplified = _simplified()
    out: list[str] = []
    for ch in text:
        special = _SPECIAL.get(ch)
        if special is not None:
            out.append(special)
            continue
        if ch.isascii():
            out.append(ch)
            continue
        norm = unicodedata.normalize("NFKC", ch)
        ch = norm if len(norm) == 1 else ch
        out.append(simplified.get(ch, ch))
    return "".join(out)


def is_blank(text: str | None) -> bool:
    """Tell whether a text is missing or only whitespace and punctuation."""
    if not text:
        return True
    return all(unicodedata.category(ch)[0] in "PZC" for ch in text)


def clamp(value: float) -> float:
    """Clamp a confidence into 0..1 and round it for stable output."""
    return round(max(0.0, min(1.0, value)), 3)
