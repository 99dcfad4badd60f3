"""Preparing an answer for the number grammar: fold, drop ASR spaces and thousands separators, and hide
numerals that are parts of words (四川, 十堰, 五角大楼, 一些) — with a map back to the original indices."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu._text import fold
from nlu.numbers.tables import (
    APPROX_AFTER,
    APPROX_BEFORE,
    CLASSIFIERS,
    NUMERAL_PREFIXES,
    QUANTITY_NUMERALS,
    mask_protected_words,
)
from nlu.tokenizer import Tokenizer, default_tokenizer

MASK = "\u25a1"
_NUMERAL_OR_DIGIT = QUANTITY_NUMERALS | frozenset("0123456789")
_NEUTRAL = CLASSIFIERS | _NUMERAL_OR_DIGIT | frozenset("点之负")
_IN_WORD_OK = _NEUTRAL | frozenset("好大儿")  # 三十好几, 四十大几, 千儿八百
# CJK characters around which no jieba cut is needed (a bare amount such as 七十来平 or 两千多块钱).
_PLAIN = _NEUTRAL | frozenset("".join(APPROX_BEFORE) + "".join(APPROX_AFTER) + "每的了呢吧啊呀嘞哦嗯就是有")
_THOUSANDS_RE = re.compile(r"(?<![\d.])(?<!\d,)\d{1,3}(?:,\d{3})+(?!\d|,\d)")
_SPACE_RE = re.compile(r"\s+")
_COUPLE_RE = re.compile(r"[老小](两口)子?|(两口)子")  # 老两口, 两口子: a couple, two persons


@dataclass(frozen=True)
class Prepared:
    """The text the grammar reads, and for each of its characters the index in the original text."""

    text: str
    index: tuple[int, ...]
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of [start, end) of the prepared text."""
        if end <= start:
            return (self.index[start], self.index[start]) if start < len(self.index) else (0, 0)
        return self.index[start], self.index[end - 1] + 1


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or c == MASK


def _compact(folded: str) -> tuple[str, list[int]]:
    """Drop whitespace next to CJK characters (speech recognition leaves it) and thousands separators."""
    drop: set[int] = set()
    if "," in folded:
        for m in _THOUSANDS_RE.finditer(folded):
            drop.update(m.start() + i for i, c in enumerate(m.group(0)) if c == ",")
    if any(c.isspace() for c in folded):
        for m in _SPACE_RE.finditer(folded):
            before = folded[m.start() - 1] if m.start() > 0 else ""
            after = folded[m.end()] if m.end() < len(folded) else ""
            if not before or not after or _is_cjk(before) or _is_cjk(after):
                drop.update(range(m.start(), m.end()))
    chars: list[str] = []
    index: list[int] = []
    for i, c in enumerate(folded):
        if i not in drop:
            chars.append(c)
            index.append(i)
    return "".join(chars), index


# Last characters of place names (a dictionary word of numeral + measure word + one of these is a name)
_PLACE_SUFFIXES = frozenset("场街城台乡村镇庄铺屯堡营寨沟湾坪坡岭峡桥关河山路巷区县州市站府园寺塔渠坝滩梁峪岔川原")


def _word_blocks_numeral(word: str) -> bool:
    """Whether a jieba word holds its numerals as part of a name or word (四川, 十堰, 第一, 入伍)."""
    k = next((i for i, c in enumerate(word) if c in _NUMERAL_OR_DIGIT), None)
    if k is None or word in APPROX_AFTER or word in APPROX_BEFORE:
        return False
    if any(c not in NUMERAL_PREFIXES for c in word[:k]):
        return True
    j = k
    while j < len(word) and (word[j] in _NUMERAL_OR_DIGIT or word[j] in "点."):
        j += 1
    rest = word[j:]
    if not rest:
        return False
    if len(rest) == 1:
        return rest not in CLASSIFIERS
    if rest[0] in CLASSIFIERS and len(rest) == 2:
        # 三间房, 五个娃: a numeral, its measure word and a noun; but 五角场, 八角街, 两岔乡: a place
        return rest[1] in _PLACE_SUFFIXES
    return any(c not in _IN_WORD_OK for c in rest)


def needs_words(text: str) -> bool:
    """Whether a text has characters around which jieba's word boundaries matter (大陆, 四川, 五角大楼)."""
    for i, c in enumerate(text):
        if not _is_cjk(c) or c in _NEUTRAL:
            continue
        if c not in _PLAIN:
            return True
        if (i > 0 and text[i - 1] in QUANTITY_NUMERALS) or (i + 1 < len(text) and text[i + 1] in QUANTITY_NUMERALS):
            return True
    return False


def prepare(text: str, tokenizer: Tokenizer | None = None) -> Prepared:
    """Fold, compact and mask a text for the number grammar (jieba is run at most once, and only if needed)."""
    folded = fold(text)
    compact, index = _compact(folded)
    masked = mask_protected_words(compact, MASK)
    if any(c in QUANTITY_NUMERALS for c in masked) and needs_words(masked):
        chars = list(masked)
        pos = 0
        tok = tokenizer or default_tokenizer()
        for word in tok.cut(compact):
            end = pos + len(word)
            if _word_blocks_numeral(word) and tok.known(word):
                for i in range(pos, end):
                    if chars[i] in QUANTITY_NUMERALS:
                        chars[i] = MASK
            pos = end
        masked = "".join(chars)
    if "两口" in compact:
        for m in _COUPLE_RE.finditer(compact):
            a = m.start(1) if m.group(1) else m.start(2)
            masked = masked[: m.start()] + MASK * (a - m.start()) + "两口" + MASK * (m.end() - a - 2) + masked[m.end() :]
    return Prepared(masked, tuple(index), len(text))
