"""Single and multiple choice from free text: the entry points."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlu._text import clamp, is_blank
from nlu.choice.frames import frame_mentions
from nlu.choice.mentions import Mention, all_mentions, edit_mentions
from nlu.choice.negation import negations
from nlu.choice.none import says_none
from nlu.choice.options import NONE_RE, Index, Option, index_of, norm_map, orig
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.tokenizer import Tokenizer

_ALL_RE = re.compile(r"^(?:都有|全都有|全部|全部都有|都是|都参加了|都享受|都享受了|都要|都需要|全要)(?:的|啊|呀|吧|了)*$")
_ORDINAL_RE = re.compile(r"^(?:第|选|选择)?(?P<n>[0-9一二三四五六七八九十]{1,3})(?:个|项|号|条)?$")
_FILLER_RE = re.compile(r"^(?:我是|我们是|我|是|就是|嗯|呃|选|我选)+|(?:的|啊|呀|吧|哦|了|吧|。|！|!|\s)+$")
_EDIT_MAX_LEN = 30
_FRAME_MAX_LEN = 80
_CN_SMALL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _ordinal(core: str, index: Index) -> tuple[str, float] | None:
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


def _labels_message(index: Index, *, multi: bool = False) -> str:
    """A re-ask message listing every option (a multiple choice says that several may be chosen)."""
    labels = "、".join(index.labels)
    if multi:
        none = [index.labels[index.codes.index(c)] for c in index.none_codes]
        tail = f"；都没有就说“{none[0]}”" if none else "；都没有就说“都没有”"
        return f"没有对上选项。可以选多项：{labels}{tail}。"
    return f"没有对上选项，请从这些里选一个：{labels}。"


def _mentions(norm: str, index: Index, tokenizer: Tokenizer | None, *, fine: bool = True) -> list[Mention]:
    """Options named literally or fuzzily, and options described by their verb frames. ``fine`` (the answer to
    the question asked) finds option words inside long dictionary words; mentions inside a sentence that
    answers another question (:func:`find_options`) keep to whole words."""
    found = all_mentions(norm, index, tokenizer, fine=fine)
    if len(norm) <= _FRAME_MAX_LEN:
        found = sorted(found + frame_mentions(norm, index, found), key=lambda m: m.start)
    return found


def match_single(text: str, options: Sequence[Option], tokenizer: Tokenizer | None = None) -> Result[str]:
    """Pick the option an answer names (label, synonym, substring, pinyin fuzzy); never forced."""
    if is_blank(text):
        return empty()
    if not options:
        return NotUnderstood("no_match", "这道题没有可选的选项。")
    index = index_of(tuple(options))
    norm, where = norm_map(text)
    core = _FILLER_RE.sub("", norm) or norm
    core_start = norm.find(core)
    core_span = orig(where, core_start, core_start + len(core))
    for name in index.names:
        if core == name.text:
            return Parsed(name.code, 1.0, core_span)
    by_position = _ordinal(core, index)
    if by_position is not None:
        return Parsed(by_position[0], by_position[1], core_span, {"by": "position"})
    mentions = _mentions(norm, index, tokenizer)
    negated = negations(norm, mentions)
    kept = [m for m, neg in zip(mentions, negated, strict=True) if not neg]
    exact = [m for m in kept if m.exact]
    pool = exact or kept
    if pool:
        by_code: dict[str, Mention] = {}
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
        return Parsed(top.code, clamp(confidence), orig(where, top.start, top.end), extra)
    if index.none_codes:  # a question with a "none" option: 都不是 / 哪个都不沾边, or every option named denied
        sure = 0.85 if mentions else says_none(core)
        if sure:
            return Parsed(index.none_codes[0], clamp(sure), core_span, {"none": True})
    if mentions:
        return NotUnderstood("no_match", _labels_message(index))
    near = edit_mentions(norm, index) if len(norm) <= _EDIT_MAX_LEN else []
    if near:
        top = near[0]
        if len(near) > 1 and near[1].code != top.code and near[1].score >= top.score - 0.03:
            return NotUnderstood("ambiguous", _labels_message(index))
        return Parsed(top.code, clamp(0.8 * top.score), orig(where, top.start, top.end), {"fuzzy": True})
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
    index = index_of(tuple(options))
    norm, where = norm_map(text)
    mentions = _mentions(norm, index, tokenizer, fine=False)
    negated = negations(norm, mentions)
    return [
        Parsed(m.code, clamp(m.score if m.exact else 0.8 * m.score), orig(where, m.start, m.end),
               {"negated": neg, **({} if m.exact else {"fuzzy": True})})
        for m, neg in zip(mentions, negated, strict=True)
    ]


def match_multi(
    text: str, options: Sequence[Option], tokenizer: Tokenizer | None = None, topic: Sequence[str] = ()
) -> Result[list[str]]:
    """All options an answer affirms; 都没有 gives [] (or the 'none' option when the question has one)."""
    if is_blank(text):
        return empty()
    if not options:
        return NotUnderstood("no_match", "这道题没有可选的选项。")
    index = index_of(tuple(options))
    norm, _ = norm_map(text)
    core = _FILLER_RE.sub("", norm) or norm
    span = (0, len(text))
    none_codes = list(index.none_codes)
    for name in index.names:
        if core == name.text:
            return Parsed([name.code], 1.0, span)
    if NONE_RE.match(core):
        return Parsed(none_codes[:1], 0.95, span, {"none": True})
    if _ALL_RE.match(core):
        return Parsed([c for c in index.codes if c not in none_codes], 0.8, span, {"all": True})
    mentions = _mentions(norm, index, tokenizer)
    if not mentions:
        by_position = _ordinal(core, index)
        if by_position is not None:
            return Parsed([by_position[0]], by_position[1], span, {"by": "position"})
        sure = says_none(core, topic) or _names_none(norm, index)
        if sure:
            return Parsed(none_codes[:1], clamp(sure), span, {"none": True})
        return NotUnderstood("no_match", _labels_message(index, multi=True))
    negated = negations(norm, mentions)
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
    chosen = [c for c in codes if c not in none_codes] or codes  # an exclusive option is never chosen with others
    return Parsed(chosen, clamp(confidence), span)


def _names_none(norm: str, index: Index) -> float | None:
    """A none option's own longer wording said inside the answer (我又不是残疾人 for 不是残疾人)."""
    for name in index.names:
        if name.code in index.none_codes and len(name.text) >= 4 and name.text in norm:
            return 0.85
    return None
