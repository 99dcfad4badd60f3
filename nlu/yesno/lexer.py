"""Cutting an answer into units of the yes/no grammar (jieba tokens, re-cut with the lexicon).

jieba (nlu's own tokenizer) decides where words are, so that 对 inside 绝对 or 有 inside 所有 is never
read as an answer. Its tokens are then re-cut with the yes/no lexicon: a token made only of lexicon
words is split into them (没领 → 没 + 领), a token that starts with a negator keeps the negator apart
(没住 → 没 + 住), and neighbouring units that form a lexicon word are joined (冇 + 得 → 冇得,
记 + 不得 → 记不得). Repeats (对对对, 没有没有, 不是不是) are folded to one copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu._text import fold
from nlu.tokenizer import default_tokenizer
from nlu.yesno.lexicon import LEXICON, MAX_WORD, PUNCT_CHARS, QMARK_CHARS, Kind

_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Words never cut apart, whatever jieba glues to their neighbours: the questions' words (辅具有 → 辅具 + 有)
# and the "cannot say / cannot remember" complements (这个我说不准: jieba makes 我说 + 不准).
_KEPT_WHOLE = frozenset({Kind.OBJECT, Kind.UNSURE})
_OBJECTS_RE = re.compile(
    "(" + "|".join(re.escape(w) for w in sorted(
        (w for w, k in LEXICON.items() if (k == Kind.OBJECT and len(w) > 1) or (k == Kind.UNSURE and len(w) > 2)),
        key=len, reverse=True)) + ")"
)
_SPLIT_STARTERS = frozenset({Kind.NEG, Kind.NEG_HAVE})


@dataclass(frozen=True)
class Atom:
    """One unit of an answer: its text (folded), its role and its span in the original text."""

    text: str
    kind: Kind
    start: int
    end: int


def _kind(word: str) -> Kind:
    if word in LEXICON:
        return LEXICON[word]
    if all(ch in QMARK_CHARS for ch in word):
        return Kind.QMARK
    if all(ch in PUNCT_CHARS or ch.isspace() for ch in word):
        return Kind.PUNCT
    return Kind.OTHER


def _greedy(token: str) -> list[tuple[str, bool]]:
    """Longest lexicon words from the left; characters outside the lexicon are gathered as (text, False)."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(token):
        for j in range(min(len(token), i + MAX_WORD), i, -1):
            if token[i:j] in LEXICON:
                out.append((token[i:j], True))
                i = j
                break
        else:
            if out and not out[-1][1]:
                out[-1] = (out[-1][0] + token[i], False)
            else:
                out.append((token[i], False))
            i += 1
    return out


def _split(token: str) -> list[str]:
    """Re-cut one jieba token with the lexicon (see the module's docstring)."""
    if token in LEXICON or len(token) == 1:
        return [token]
    if any(ch in QMARK_CHARS or ch in PUNCT_CHARS for ch in token):
        return list(token)
    pieces = _greedy(token)
    if all(known for _, known in pieces):
        return [p for p, _ in pieces]
    first, known = pieces[0]
    if known and LEXICON[first] in _SPLIT_STARTERS:
        return [first, token[len(first):]]
    return [token]


def _merge(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Join neighbouring units that together form a lexicon word, longest first."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(words)
    while i < n:
        best = 0
        length = 0
        for j in range(i + 1, n + 1):
            length += len(words[j - 1][0])
            if length > MAX_WORD:
                break
            if j - i >= 2 and "".join(w for w, _ in words[i:j]) in LEXICON:
                best = j
        if best:
            out.append(("".join(w for w, _ in words[i:best]), sum(c for _, c in words[i:best])))
            i = best
        else:
            out.append(words[i])
            i += 1
    return out


def _collapse(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Fold immediate repeats of one to three units (对对对, 对的对的, 不是不是) to one copy.

    Each unit is (text, length in the compact text), so that spans still cover the repeats."""
    out = list(words)
    for size in (1, 2, 3):
        i = 0
        result: list[tuple[str, int]] = []
        while i < len(out):
            unit = [w for w, _ in out[i:i + size]]
            j = i + size
            while len(unit) == size and [w for w, _ in out[j:j + size]] == unit:
                j += size
            if j > i + size and _kind(out[i][0]) not in (Kind.PUNCT, Kind.QMARK):
                kept = out[i:i + size]
                covered = sum(n for _, n in out[i + size:j])
                kept[-1] = (kept[-1][0], kept[-1][1] + covered)
                result.extend(kept)
                i = j
            else:
                result.append(out[i])
                i += 1
        out = result
    return out


def atoms(text: str) -> list[Atom]:
    """The units of an answer, with spans in the original text (spaces from speech recognition dropped)."""
    folded = fold(text).translate(_ASCII_UPPER)
    kept: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(folded):
        if ch.isspace():
            before = folded[i - 1] if i else ""
            after = folded[i + 1] if i + 1 < len(folded) else ""
            if not (before.isascii() and before.isalnum() and after.isascii() and after.isalnum()):
                continue
            ch = ","
        kept.append(ch)
        index.append(i)
    compact = "".join(kept)
    if not compact:
        return []
    words: list[tuple[str, int]] = []
    tokenizer = default_tokenizer()
    for piece in _OBJECTS_RE.split(compact):
        if piece in LEXICON and LEXICON[piece] in _KEPT_WHOLE:
            words.append((piece, len(piece)))
            continue
        for token in tokenizer.cut(piece):
            words.extend((w, len(w)) for w in _split(token))
    out: list[Atom] = []
    pos = 0
    for word, covered in _merge(_collapse(words)):
        start, end = index[pos], index[pos + covered - 1] + 1
        out.append(Atom(word, _kind(word), start, end))
        pos += covered
    return out
