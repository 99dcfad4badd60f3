"""Verb frames: options named by describing them (退伍回来政府给安排到县农机厂上班了 → 安排工作).

Many option labels are a verb and its object (安排工作, 分配工作, 自谋职业, 参加保险, 申请低保). People
describe the thing instead of naming it: the verb (or a verb of the same meaning) comes first, the object
(or a word for the same thing) a few words later in the same clause — 给安排到县农机厂上班了, 分配到供销社
工作. A frame is built from every two-plus-two (or two-plus-one) name of the options, and the verbs and objects
are widened with a small lexicon of words that mean the same in these answers. A verb of placement said to
the speaker without an object (政府给安排了, 国家给分配的) is the frame as well, with less confidence.

Frame mentions are never exact: find_options marks them fuzzy, so that another question never takes them
from a sentence, and negation applies to them as to any mention (没给安排工作).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from nlu.choice.mentions import Mention
from nlu.choice.options import Index

# words that stand for each other inside a frame (the first is the word of the label)
_KIN: tuple[tuple[str, ...], ...] = (
    ("安排", "分配", "安置", "分到", "分去", "派到", "分派", "安排到", "分配到", "安置到"),
    ("工作", "上班", "上岗", "当工人", "进厂", "进了厂", "干活", "就业", "当职工", "当干部", "参加工作", "有了工作"),
    ("职业", "工作", "营生", "活路", "出路", "饭碗", "活儿", "活干", "活"),
    ("自谋", "自己找", "自个找", "自己谋", "自己去找", "自己闯"),
    ("参加", "参了", "入了", "上了", "交了", "买了", "办了"),
    ("申请", "报了", "递了", "提交"),
    ("领取", "领了", "拿了", "领着", "拿着", "发了"),
)
_PLACED_RE = re.compile(
    r"(?:(?:给|被|让|由|国家|政府|组织|部队|民政|上面|单位)(?:给|把我|我)?(?P<v>安排|分配|安置)(?:了|的|过))"
    r"|(?:(?<![没不未])(?P<w>安排|分配|安置)(?:到|进|去)[\u3400-\u9fff]{2})"
)
_MAX_GAP = 10
_CLAUSE_BREAK = re.compile(r"[，,。.;；!！?？]")
_SCORE = 0.9
_SCORE_PLACED = 0.8


@lru_cache(maxsize=256)
def _kin(word: str) -> tuple[str, ...]:
    """The word and the words that stand for it inside a frame, longest first."""
    out = {word}
    for group in _KIN:
        if word in group:
            out.update(group)
    return tuple(sorted(out, key=len, reverse=True))


def _splits(text: str) -> Iterable[tuple[str, str]]:
    """Verb and object of a name of four (2+2) or three (2+1) Han characters."""
    if len(text) in (3, 4):
        yield text[:2], text[2:]


def _first(text: str, words: tuple[str, ...], start: int, stop: int) -> tuple[int, int] | None:
    """The earliest occurrence of one of the words in text[start:stop]."""
    best: tuple[int, int] | None = None
    for w in words:
        i = text.find(w, start, stop)
        if i != -1 and (best is None or i < best[0]):
            best = (i, i + len(w))
    return best


def frame_mentions(text: str, index: Index, covered: list[Mention]) -> list[Mention]:
    """Options described by a verb and its object over the text no other mention covers."""
    taken = [False] * len(text)
    for m in covered:
        for i in range(m.start, m.end):
            taken[i] = True
    found: list[Mention] = []
    for name in index.mention_names:
        if not name.han:
            continue
        for verb, obj in _splits(name.text):
            verbs, objs = _kin(verb), _kin(obj)
            if len(verbs) == 1 and len(objs) == 1:
                continue  # no kin: the gapped-word matcher already reads 安…排…工作
            for v in verbs:
                start = text.find(v)
                while start != -1:
                    stop = start + len(v) + _MAX_GAP + 4
                    brk = _CLAUSE_BREAK.search(text, start)
                    if brk is not None:
                        stop = min(stop, brk.start())
                    hit = _first(text, objs, start + len(v), stop)
                    if hit is not None and not any(taken[start : hit[1]]):
                        found.append(Mention(name.code, start, hit[1], _SCORE, False))
                    start = text.find(v, start + 1)
    for placed in _PLACED_RE.finditer(text):  # 政府给安排了: the placement itself
        group = "v" if placed.group("v") else "w"
        start, end = placed.start(group), placed.end()
        for name in index.mention_names:
            if name.text[:2] in _kin(placed.group(group)) and not any(taken[start:end]):
                found.append(Mention(name.code, start, end, _SCORE_PLACED, False))
    found.sort(key=lambda m: (-m.score, m.start, -(m.end - m.start)))
    chosen: list[Mention] = []
    for m in found:
        if all(m.end <= c.start or m.start >= c.end for c in chosen) and all(c.code != m.code for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)
