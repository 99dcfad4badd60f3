"""Small text helpers shared by the parsers (length-preserving normalisation)."""

from __future__ import annotations

import unicodedata
from types import MappingProxyType

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


def fold(text: str) -> str:
    """Fold full-width forms to ASCII one character at a time, keeping the length."""
    if text.isascii():
        return text
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
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


def is_blank(text: str | None) -> bool:
    """Tell whether a text is missing or only whitespace and punctuation."""
    if not text:
        return True
    return all(unicodedata.category(ch)[0] in "PZC" for ch in text)


def clamp(value: float) -> float:
    """Clamp a confidence into 0..1 and round it for stable output."""
    return round(max(0.0, min(1.0, value)), 3)
