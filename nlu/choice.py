"""Single and multiple choice from free text: labels, synonyms, negation and pinyin fuzzy matching."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin
from rapidfuzz.distance import Levenshtein

from nlu._text import clamp, fold, is_blank
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.tokenizer import Tokenizer


@dataclass(frozen=True)
class Option:
    """One answer option of a question, with the other words people use for it."""

    code: str
    label: str
    synonyms: tuple[str, ...] = ()


# --- pinyin ------------------------------------------------------------------------------------

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"), ("f", "h"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"), ("uan", "an"), ("ong", "on"))


def _fuzzy_syllable(s: str) -> str:
    """Merge sounds that speakers of north-western Mandarin and ASR confuse (zh/z, in/ing, n/l...)."""
    for a, b in _FUZZY_INITIALS:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    for a, b in _FUZZY_FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


@lru_cache(maxsize=32768)
def readings(ch: str) -> tuple[frozenset[str], frozenset[str]]:
    """Toneless pinyin readings of one character (all heteronyms) and their fuzzy forms."""
    if not ("\u3400" <= ch <= "\u9fff"):
        return frozenset({ch}), frozenset({ch})
    exact = frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])
    return exact, frozenset(_fuzzy_syllable(s) for s in exact)


# --- option index ------------------------------------------------------------------------------

_PAREN_RE = re.compile(r"[（(](.*?)[)）]")
_SPLIT_RE = re.compile(r"[/／、]")


@dataclass(frozen=True)
class _Name:
    """A written form of an option (label or synonym), normalised."""

    text: str
    code: str
    is_label: bool
    sounds: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    han: bool = False


@dataclass(frozen=True)
class _Index:
    """Normalised names of an option set, longest first."""

    names: tuple[_Name, ...]
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    none_codes: tuple[str, ...]  # options meaning "none of these" (都没有), never found inside sentences
    mention_names: tuple[_Name, ...]  # names searched inside sentences (without the none options)


def _norm(text: str) -> str:
    """Fold width and case, drop spaces, for comparing names."""
    return fold(text).lower().replace(" ", "").replace("\u3000", "")


def _norm_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalise a text like _norm, with the original index of every kept character (plus the end)."""
    folded = fold(text)
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(folded):
        if ch.isspace():
            continue
        low = ch.lower()
        chars.append(low if len(low) == 1 else ch)
        where.append(i)
    where.append(len(text))
    return "".join(chars), tuple(where)


def _orig(where: tuple[int, ...], start: int, end: int) -> tuple[int, int]:
    """Original span of a span of the normalised text."""
    if end <= start:
        return where[start], where[start]
    return where[start], where[end - 1] + 1


def _variants(name: str) -> list[str]:
    """A name and its pieces: 无业（待业） -> 无业（待业）, 无业, 待业."""
    out = [name]
    inner = _PAREN_RE.findall(name)
    bare = _PAREN_RE.sub("", name)
    if bare and bare != name:
        out.append(bare)
    out.extend(i for i in inner if len(i) >= 2 and not i.startswith(("如", "含", "包括", "例如")))
    for piece in _SPLIT_RE.split(bare):
        if piece and piece != bare and len(piece) >= 2:
            out.append(piece)
    return out


@lru_cache(maxsize=512)
def _index(options: tuple[Option, ...]) -> _Index:
    """Build (and cache per option set) the names of the options."""
    names: dict[str, _Name] = {}
    for opt in options:
        for i, raw in enumerate((opt.label, *opt.synonyms)):
            for variant in _variants(raw):
                n = _norm(variant)
                if n and n not in names:
                    han = any("\u3400" <= c <= "\u9fff" for c in n)
                    names[n] = _Name(n, opt.code, i == 0, tuple(readings(c) for c in n), han)
    ordered = tuple(sorted(names.values(), key=lambda x: -len(x.text)))
    none_codes = tuple(
        o.code for o in options if _norm(o.label) in _NONE_LABELS or _NONE_RE.match(_norm(o.label))
    )
    mention_names = tuple(n for n in ordered if n.code not in none_codes)
    return _Index(ordered, tuple(o.code for o in options), tuple(o.label for o in options), none_codes, mention_names)


# --- mentions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    """An option named in the text."""

    code: str
    start: int
    end: int
    score: float
    exact: bool


_BOUNDARY_RE = re.compile(r"[，,。.;；!！?？\n]|但是|但|可是|不过|就是")
_MARKER_RE = re.compile(r"(?P<neg>没有|没|不是|不|无|未|非)|(?P<aff>有|是|享受|参加|办了|交了|买了|领着|在领|拿着)")
_CONJ_RE = re.compile(r"^[\s和跟与及、,，还有以及或或者也都还]*$")
_NONE_RE = re.compile(
    r"^(?:我|我们|我家|家里)?(?:都|全都|一个都|一个也|一样都|一样也|啥都|什么都|全|均|以上都|以上均|上面都)?"
    r"(?:没有|没|不是|无|不享受|没参加|没享受|没办|没买|不需要|不要|没领)(?:的|啊|呀|吧|过|了)*$"
)
_ALL_RE = re.compile(r"^(?:都有|全都有|全部|全部都有|都是|都参加了|都享受|都享受了|都要|都需要|全要)(?:的|啊|呀|吧|了)*$")
_ORDINAL_RE = re.compile(r"^(?:第|选|选择)?(?P<n>[0-9一二三四五六七八九十]{1,3})(?:个|项|号|条)?$")
_NONE_LABELS = frozenset({"无", "没有", "都没有", "以上都没有", "以上均无", "均无", "以上都不是", "都不是", "无以上情况"})
_FILLER_RE = re.compile(r"^(?:我是|我们是|我|是|就是|嗯|呃|选|我选)+|(?:的|啊|呀|吧|哦|了|吧|。|！|!|\s)+$")
_EDIT_MAX_LEN = 30
_FUZZY_MAX_LEN = 200  # answers longer than this are matched literally only
_CN_SMALL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _token_aligned(start: int, end: int, bounds: frozenset[int] | None) -> bool:
    """Tell whether a span starts and ends on word boundaries (when a tokenizer is given)."""
    return bounds is None or (start in bounds and end in bounds)


def _bounds(text: str, tokenizer: Tokenizer | None) -> frozenset[int] | None:
    """Word boundary offsets of a text, or None without a tokenizer."""
    if tokenizer is None:
        return None
    return frozenset(b for _, s, e in tokenizer.spans(text) for b in (s, e))


def _exact_mentions(text: str, index: _Index, tokenizer: Tokenizer | None) -> list[_Mention]:
    """Options named literally in the text, longest names first, without overlaps."""
    taken = [False] * len(text)
    found: list[_Mention] = []
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
                found.append(_Mention(name.code, start, end, 1.0, True))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(n, start + 1)
    return sorted(found, key=lambda m: m.start)


def _fuzzy_mentions(text: str, index: _Index, covered: list[_Mention], threshold: float) -> list[_Mention]:
    """Options heard with speech-recognition errors, matched on pinyin over uncovered text."""
    taken = [False] * len(text)
    for m in covered:
        for i in range(m.start, m.end):
            taken[i] = True
    best: list[_Mention] = []
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
                    best.append(_Mention(name.code, start, start + size, score, False))
    best.sort(key=lambda m: (-m.score, -(m.end - m.start), m.start))
    chosen: list[_Mention] = []
    for m in best:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def _edit_mentions(text: str, index: _Index, threshold: float = 0.75) -> list[_Mention]:
    """Names written with a character missing, added or changed (公益岗位 for 公益性岗位), best first."""
    found: list[_Mention] = []
    for name in index.mention_names:
        size = len(name.text)
        if size < 4:
            continue
        for width in (size - 1, size, size + 1):
            for start in range(0, len(text) - width + 1):
                window = text[start : start + width]
                score = Levenshtein.normalized_similarity(window, name.text)
                if score >= threshold:
                    found.append(_Mention(name.code, start, start + width, score, False))
    for name in index.mention_names:
        n = name.text
        if len(n) < 3:
            continue
        start = text.find(n[0])
        while start != -1:
            end = _subsequence_end(text, start, n)
            if end is not None and end - start > len(n):
                found.append(_Mention(name.code, start, end, 0.85, False))
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


def _negations(text: str, mentions: list[_Mention]) -> list[bool]:
    """For each mention, whether the sentence denies it (低保没有, 没有低保, 医保和低保都没有)."""
    n = len(mentions)
    if n == 0:
        return []
    pre: list[bool | None] = [None] * n
    post: list[bool | None] = [None] * n
    linked = [False] * n  # linked[i]: mention i is joined to i-1 by a mere conjunction

    def markers(segment: str) -> list[tuple[bool, int]]:
        return [(m.group("neg") is None, m.start()) for m in _MARKER_RE.finditer(segment)]

    for i in range(n + 1):
        left = mentions[i - 1].end if i > 0 else 0
        right = mentions[i].start if i < n else len(text)
        gap = text[left:right]
        cut = None
        for b in _BOUNDARY_RE.finditer(gap):
            cut = b
        if cut is not None:
            post_part, pre_part = gap[: cut.start()], gap[cut.end() :]
            if i > 0:
                marks = markers(post_part)
                if marks:
                    post[i - 1] = marks[0][0]
            if i < n:
                marks = markers(pre_part)
                if marks:
                    pre[i] = marks[-1][0]
            continue
        marks = markers(gap)
        if i == 0:
            if marks:
                pre[0] = marks[-1][0]
            continue
        if i == n:
            if marks:
                post[i - 1] = marks[0][0]
            continue
        if not marks:
            if _CONJ_RE.match(gap):
                linked[i] = True
            continue
        first_aff, first_pos = marks[0]
        leading = gap[:first_pos].strip("也都还就倒 ")
        if not leading and pre[i - 1] is None:
            post[i - 1] = first_aff
            if len(marks) > 1:
                pre[i] = marks[-1][0]
        else:
            pre[i] = marks[-1][0]
    state: list[bool | None] = [post[i] if post[i] is not None else pre[i] for i in range(n)]
    for i in range(n - 1, 0, -1):  # 医保和低保都没有: a denial after the last item covers the list
        if linked[i] and state[i - 1] is None and post[i] is not None:
            state[i - 1] = state[i]
    for i in range(1, n):  # 有医保和养老保险: an affirmation before the first item covers the list
        if linked[i] and state[i] is None:
            state[i] = state[i - 1]
    return [s is False for s in state]


def _all_mentions(
    text: str, index: _Index, tokenizer: Tokenizer | None, threshold: float = 0.88
) -> list[_Mention]:
    """Literal and fuzzy mentions of options in a normalised text."""
    exact = _exact_mentions(text, index, tokenizer)
    fuzzy = _fuzzy_mentions(text, index, exact, threshold) if len(text) <= _FUZZY_MAX_LEN else []
    kept_fuzzy: list[_Mention] = []
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


def _ordinal(core: str, index: _Index) -> tuple[str, float] | None:
    """Option chosen by its code (1, A) or position (第二个), with a confidence."""
    for code in index.codes:
        if core == code.lower():
            return code, 1.0
    m = _ORDINAL_RE.match(core)
    if not m:
        return None
    raw = m.group("n")
    if raw.isdigit():
        pos = int(raw)
    elif raw in _CN_SMALL:
        pos = _CN_SMALL[raw]
    else:
        return None
    if core == raw and not raw.isdigit():
        return None  # a bare 二 is too weak a signal
    return (index.codes[pos - 1], 0.9) if 1 <= pos <= len(index.codes) else None


def _labels_message(index: _Index) -> str:
    """A re-ask message listing the options."""
    labels = "、".join(index.labels[:6])
    more = "等" if len(index.labels) > 6 else ""
    return f"没有对上选项，请从这些里选一个：{labels}{more}。"


def match_single(text: str, options: Sequence[Option], tokenizer: Tokenizer | None = None) -> Result[str]:
    """Pick the option an answer names (label, synonym, substring, pinyin fuzzy); never forced."""
    if is_blank(text):
        return empty()
    if not options:
        return NotUnderstood("no_match", "这道题没有可选的选项。")
    index = _index(tuple(options))
    norm, where = _norm_map(text)
    core = _FILLER_RE.sub("", norm) or norm
    core_start = norm.find(core)
    core_span = _orig(where, core_start, core_start + len(core))
    for name in index.names:
        if core == name.text:
            return Parsed(name.code, 1.0, core_span)
    by_position = _ordinal(core, index)
    if by_position is not None:
        return Parsed(by_position[0], by_position[1], core_span, {"by": "position"})
    mentions = _all_mentions(norm, index, tokenizer)
    negated = _negations(norm, mentions)
    kept = [m for m, neg in zip(mentions, negated, strict=True) if not neg]
    exact = [m for m in kept if m.exact]
    pool = exact or kept
    if pool:
        by_code: dict[str, _Mention] = {}
        for m in pool:
            cur = by_code.get(m.code)
            if cur is None or (m.score, m.end - m.start) > (cur.score, cur.end - cur.start):
                by_code[m.code] = m
        ranked = sorted(by_code.values(), key=lambda m: (-m.score, -(m.end - m.start)))
        top = ranked[0]
        if len(ranked) > 1 and ranked[1].score >= top.score - 0.03:
            names = "”和“".join(index.labels[index.codes.index(m.code)] for m in ranked[:3])
            return NotUnderstood("ambiguous", f"您说到了“{names}”，请只选一个。")
        coverage = (top.end - top.start) / max(1, len(core))
        confidence = top.score if top.exact else 0.8 * top.score
        if top.exact and coverage < 0.5:
            confidence = 0.9
        extra = {} if top.exact else {"fuzzy": True}
        return Parsed(top.code, clamp(confidence), _orig(where, top.start, top.end), extra)
    if mentions:
        return NotUnderstood("no_match", _labels_message(index))
    near = _edit_mentions(norm, index) if len(norm) <= _EDIT_MAX_LEN else []
    if near:
        top = near[0]
        if len(near) > 1 and near[1].code != top.code and near[1].score >= top.score - 0.03:
            return NotUnderstood("ambiguous", _labels_message(index))
        return Parsed(top.code, clamp(0.8 * top.score), _orig(where, top.start, top.end), {"fuzzy": True})
    if len(core) >= 2:
        hits = {name.code for name in index.names if core in name.text}
        if len(hits) == 1:
            return Parsed(hits.pop(), 0.7, core_span, {"partial": True})
        if len(hits) > 1:
            names = "”和“".join(label for code, label in zip(index.codes, index.labels, strict=True) if code in hits)
            return NotUnderstood("ambiguous", f"您说的可能是“{names}”，请说完整一些。")
    return NotUnderstood("no_match", _labels_message(index))


def find_options(text: str, options: Sequence[Option], tokenizer: Tokenizer | None = None) -> list[Parsed[str]]:
    """Every option mentioned in a sentence, with its span and whether it was denied (extra["negated"])."""
    if is_blank(text) or not options:
        return []
    index = _index(tuple(options))
    norm, where = _norm_map(text)
    mentions = _all_mentions(norm, index, tokenizer)
    negated = _negations(norm, mentions)
    return [
        Parsed(m.code, clamp(m.score if m.exact else 0.8 * m.score), _orig(where, m.start, m.end),
               {"negated": neg, **({} if m.exact else {"fuzzy": True})})
        for m, neg in zip(mentions, negated, strict=True)
    ]


def match_multi(
    text: str, options: Sequence[Option], tokenizer: Tokenizer | None = None
) -> Result[list[str]]:
    """All options an answer affirms; 都没有 gives [] (or the 'none' option when the question has one)."""
    if is_blank(text):
        return empty()
    if not options:
        return NotUnderstood("no_match", "这道题没有可选的选项。")
    index = _index(tuple(options))
    norm, _ = _norm_map(text)
    core = _FILLER_RE.sub("", norm) or norm
    span = (0, len(text))
    none_codes = list(index.none_codes)
    for name in index.names:
        if core == name.text:
            return Parsed([name.code], 1.0, span)
    if _NONE_RE.match(core):
        return Parsed(none_codes[:1], 0.95, span, {"none": True})
    if _ALL_RE.match(core):
        return Parsed([c for c in index.codes if c not in none_codes], 0.8, span, {"all": True})
    mentions = _all_mentions(norm, index, tokenizer)
    if not mentions:
        by_position = _ordinal(core, index)
        if by_position is not None:
            return Parsed([by_position[0]], by_position[1], span, {"by": "position"})
        return NotUnderstood("no_match", _labels_message(index))
    negated = _negations(norm, mentions)
    codes: list[str] = []
    confidence = 1.0
    for m, neg in zip(mentions, negated, strict=True):
        confidence = min(confidence, m.score if m.exact else 0.8 * m.score)
        if not neg and m.code not in codes:
            codes.append(m.code)
    if any(negated):
        confidence = min(confidence, 0.9)
    if not codes:
        return Parsed(none_codes[:1], clamp(min(confidence, 0.85)), span, {"none": True})
    return Parsed(codes, clamp(confidence), span)
