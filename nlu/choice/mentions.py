"""Where options are named in an answer: literally, with speech-recognition errors (pinyin), or with a
character missing, added or changed."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from nlu.choice.options import Index, readings
from nlu.tokenizer import Tokenizer

_FUZZY_MAX_LEN = 200  # answers longer than this are matched literally only


@dataclass(frozen=True)
class Mention:
    """An option named in the text."""

    code: str
    start: int
    end: int
    score: float
    exact: bool


def _token_aligned(start: int, end: int, bounds: frozenset[int] | None) -> bool:
    """Tell whether a span starts and ends on word boundaries (when a tokenizer is given)."""
    return bounds is None or (start in bounds and end in bounds)


def _bounds(text: str, tokenizer: Tokenizer | None) -> frozenset[int] | None:
    """Word boundary offsets of a text, or None without a tokenizer."""
    if tokenizer is None:
        return None
    return frozenset(b for _, s, e in tokenizer.spans(text) for b in (s, e))


def _exact_mentions(text: str, index: Index, tokenizer: Tokenizer | None) -> list[Mention]:
    """Options named literally in the text, longest names first, without overlaps."""
    taken = [False] * len(text)
    found: list[Mention] = []
    bounds: frozenset[int] | None = None
    have_bounds = tokenizer is None
    for name in index.mention_names:
        n = name.text
        if len(n) == 1 and text != n:
            continue
        start = text.find(n)
        while start != -1:
            end = start + len(n)
            if len(n) <= 2 and not have_bounds:
                bounds, have_bounds = _bounds(text, tokenizer), True
            if not any(taken[start:end]) and (len(n) > 2 or _token_aligned(start, end, bounds)):
                found.append(Mention(name.code, start, end, 1.0, True))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(n, start + 1)
    return sorted(found, key=lambda m: m.start)


def _fuzzy_mentions(text: str, index: Index, covered: list[Mention], threshold: float) -> list[Mention]:
    """Options heard with speech-recognition errors, matched on pinyin over uncovered text."""
    taken = [False] * len(text)
    for m in covered:
        for i in range(m.start, m.end):
            taken[i] = True
    best: list[Mention] = []
    heard = [readings(c) for c in text]
    length = len(text)
    for name in index.mention_names:
        n = name.text
        size = len(n)
        if size < 2 or size > length or not name.han:
            continue
        allowed_misses = 1 if size >= 9 else 0
        first_exact, first_fuzzy = name.sounds[0]
        for start in range(0, length - size + 1):
            if text[start] != n[0] and first_fuzzy.isdisjoint(heard[start][1]) and allowed_misses == 0:
                continue
            if all(taken[start : start + size]):
                continue
            total = 0.0
            misses = 0
            for k in range(size):
                a, b = text[start + k], n[k]
                if a == b:
                    total += 1.0
                    continue
                exact_a, fuzzy_a = heard[start + k]
                exact_b, fuzzy_b = name.sounds[k]
                if not exact_a.isdisjoint(exact_b):
                    total += 0.95
                elif not fuzzy_a.isdisjoint(fuzzy_b):
                    total += 0.8
                else:
                    misses += 1
                    if misses > allowed_misses:
                        break
            else:
                score = total / size
                if threshold <= score < 1.0:
                    best.append(Mention(name.code, start, start + size, score, False))
    best.sort(key=lambda m: (-m.score, -(m.end - m.start), m.start))
    chosen: list[Mention] = []
    for m in best:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def edit_mentions(text: str, index: Index, threshold: float = 0.75) -> list[Mention]:
    """Names written with a character missing, added or changed (公益岗位 for 公益性岗位), best first."""
    found: list[Mention] = []
    for name in index.mention_names:
        size = len(name.text)
        if size < 4:
            continue
        for width in (size - 1, size, size + 1):
            for start in range(0, len(text) - width + 1):
                window = text[start : start + width]
                score = Levenshtein.normalized_similarity(window, name.text)
                if score >= threshold:
                    found.append(Mention(name.code, start, start + width, score, False))
    for name in index.mention_names:
        n = name.text
        if len(n) < 3:
            continue
        start = text.find(n[0])
        while start != -1:
            end = _subsequence_end(text, start, n)
            if end is not None and end - start > len(n):
                found.append(Mention(name.code, start, end, 0.85, False))
            start = text.find(n[0], start + 1)
    found.sort(key=lambda m: (-m.score, m.start))
    return found


def _subsequence_end(text: str, start: int, name: str, max_gap: int = 2) -> int | None:
    """End of name's characters found in order from start with at most max_gap others between them."""
    pos = start
    for ch in name[1:]:
        nxt = text.find(ch, pos + 1, pos + 2 + max_gap)
        if nxt == -1:
            return None
        pos = nxt
    return pos + 1


def all_mentions(
    text: str, index: Index, tokenizer: Tokenizer | None, threshold: float = 0.88
) -> list[Mention]:
    """Literal and fuzzy mentions of options in a normalised text."""
    exact = _exact_mentions(text, index, tokenizer)
    fuzzy = _fuzzy_mentions(text, index, exact, threshold) if len(text) <= _FUZZY_MAX_LEN else []
    kept_fuzzy: list[Mention] = []
    dropped: set[int] = set()
    for f in fuzzy:
        inside = [i for i, e in enumerate(exact) if e.start < f.end and f.start < e.end]
        if not inside:
            kept_fuzzy.append(f)
            continue
        # 连租房: a longer near-homophone (廉租房) beats the shorter exact word inside it (租房)
        if f.score >= 0.9 and all(
            f.start <= exact[i].start and exact[i].end <= f.end and exact[i].end - exact[i].start < f.end - f.start
            for i in inside
        ):
            kept_fuzzy.append(f)
            dropped.update(inside)
    kept_exact = [e for i, e in enumerate(exact) if i not in dropped]
    return sorted(kept_exact + kept_fuzzy, key=lambda m: m.start)

