"""Yes / no / unsure / refuse answers, with hedges lowering the confidence."""

from __future__ import annotations

import re

from nlu._text import clamp, fold, is_blank
from nlu.result import NotUnderstood, Parsed, Result, empty

_REFUSE_RE = re.compile(
    r"不想说|不愿意说|不愿说|不想讲|不愿讲|不方便说|不方便透露|不便透露|不告诉|不想告诉|不想回答|不愿意回答|不愿回答"
    r"|拒绝回答|保密|无可奉告|不想填|不愿意填|这是隐私|隐私"
)
_UNSURE_RE = re.compile(
    r"不(?:太|大|是很|怎么)?(?:清楚|知道|晓得|记得|确定|了解|好说|一定)|说不(?:准|好|清|上来)|记不(?:清|住|得)"
    r"|搞不(?:清|懂)|弄不(?:清|明白)|想不起来?|忘(?:了|记)|没印象|没关系|无所谓|难说|不好讲|不好说|拿不准"
    r"|^(?:也许|或许)吧?$|^可能吧?$|^(?:不知|说不准)$|看情况|不一定"
)
_HEDGE_RE = re.compile(r"应该|可能|好像|大概|估计|也许|似乎|差不多|或许|大约|印象中|我记得|我觉得|吧[。！!?？.\s]*$")

_YES = (
    "毫无疑问", "是的", "是啊", "是呀", "对的", "对啊", "对呀", "没错", "没问题", "没毛病", "有的", "有啊", "有呀",
    "可以", "可行", "同意", "当然", "肯定", "确定", "确实", "的确", "正确", "好的", "好啊", "好呀", "行啊",
    "不错", "愿意", "需要", "要的", "嗯嗯", "对", "是", "有", "嗯", "好", "行", "中", "要", "恩", "ok", "okay",
    "yes", "yeah", "y", "👌", "👍", "√", "对头", "是滴", "享受", "领了", "领过", "办了", "参加了", "吃低保", "吃着", "在吃",
    "在领", "领着", "拿着", "算是",
)
_NO = (
    "并不是", "不是的", "不是", "没有的", "没有", "木有", "没得", "莫得", "冇得", "冇", "不对", "不行", "不好", "不要", "不用", "不同意", "不需要",
    "不想", "不能", "不会", "不愿意", "不可以", "不享受", "不存在", "从不", "从来没", "从没", "否", "没", "无",
    "不", "no", "nope", "n", "×", "✗", "❌", "未",
)
_POLARITY = {**{w: "yes" for w in _YES}, **{w: "no" for w in _NO}}
_POLARITY_RE = re.compile(
    "|".join(re.escape(w) for w in sorted(_POLARITY, key=len, reverse=True)), re.IGNORECASE
)
_LATIN_WORDS = frozenset({"ok", "okay", "yes", "yeah", "y", "no", "nope", "n"})
_CLAUSE_RE = re.compile(r"[，,。.!！?？;；\s]+")
_FILLERS = re.compile(r"^(?:我|我们|我家|那|那个|这个|嗯|呃|额|啊)+|[啊呀吧呢的哦噢嘛了。！!.？?\s]+$")
_HEDGE_WORDS_RE = re.compile(r"应该|可能|好像|大概|估计|也许|似乎|差不多|或许|大约|印象中|我记得|我觉得")
_QUESTION_RE = re.compile(r"(是|有|对|要|行|能|会|好)[不没]\1|吗[?？]?$|[?？]$")
_RESIDUE_RE = re.compile(r"[的滴啊呀吧哦噢嘛了。！!.，,\s我]")
_NOW_RE = re.compile(r"现在|目前|如今|眼下|当前")
_MESSAGE = "请回答“是”或“不是”（“有”或“没有”）；不清楚也可以直接说“不清楚”。"


def _polarity_hits(text: str) -> list[tuple[str, int, int]]:
    """Polarity words in a text, leftmost first, skipping latin letters inside words."""
    hits: list[tuple[str, int, int]] = []
    for m in _POLARITY_RE.finditer(text):
        word = m.group(0).lower()
        if word in _LATIN_WORDS:
            before = text[m.start() - 1] if m.start() > 0 else " "
            after = text[m.end()] if m.end() < len(text) else " "
            if before.isascii() and before.isalpha() or after.isascii() and after.isalpha():
                continue
        if word in ("无", "未", "中", "要", "否", "n", "y") and len(text.strip()) > 3 and m.start() > 0:
            continue
        polarity = _POLARITY[word]
        if hits and hits[-1][2] == m.start() and hits[-1][0] == "no":
            # 没领过 / 不享受: a no-word right before a yes-word negates it
            hits[-1] = ("no", hits[-1][1], m.end())
            continue
        hits.append((polarity, m.start(), m.end()))
    return hits


def _only_polarity(text: str, hits: list[tuple[str, int, int]]) -> bool:
    """Tell whether a text is nothing but one polarity repeated (对的对的, 有有有, 嗯嗯)."""
    if len({v for v, _, _ in hits}) != 1:
        return False
    covered: set[int] = set()
    for _, s, e in hits:
        covered.update(range(s, e))
    rest = "".join(ch for i, ch in enumerate(text) if i not in covered)
    return not _RESIDUE_RE.sub("", rest)


def parse_yes_no(text: str) -> Result[str]:
    """Read yes / no / unsure / refuse from an answer; hedges (应该没有吧) lower the confidence."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    m = _REFUSE_RE.search(folded)
    if m:
        return Parsed("refuse", 0.95, (m.start(), m.end()))
    m = _UNSURE_RE.search(folded)
    if m:
        return Parsed("unsure", 0.9, (m.start(), m.end()))
    if _QUESTION_RE.search(folded):
        return NotUnderstood("question", "请直接回答“是”或“不是”（“有”或“没有”）。")
    hedge_free = _HEDGE_WORDS_RE.sub(lambda m: "\u25a1" * len(m.group(0)), folded)
    hits = _polarity_hits(hedge_free)
    if not hits:
        return NotUnderstood("no_match", _MESSAGE)
    now_marker = _NOW_RE.search(folded)
    if now_marker:
        # 以前有，现在没有了: the current state is what the question asks about
        later = [h for h in hits if h[1] >= now_marker.end()]
        if later:
            hits = later
    value, start, end = hits[0]
    first_clause_end = next((c.start() for c in _CLAUSE_RE.finditer(folded) if c.start() > start), len(folded))
    confidence = 1.0
    core = _FILLERS.sub("", folded).lower()
    if core not in _POLARITY and core != folded[start:end].lower() and not _only_polarity(hedge_free, hits):
        confidence = 0.9
    conflicting = {v for v, s, _ in hits if s < first_clause_end and v != value}
    if conflicting:
        confidence = 0.6
    if _HEDGE_RE.search(folded):
        confidence = min(confidence, 0.7)
    return Parsed(value, clamp(confidence), (start, end), {"hedged": True} if confidence == 0.7 else {})
