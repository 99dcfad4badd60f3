""""None of these" in its many wordings: 啥也没领过, 不领, 一样都没有, 都不沾边, 我又不是残疾人，不领.

The answer is cut into clauses and each clause is read by a small grammar:

- a **denial**: an optional universal quantifier (啥/什么/哪个/一样/一项/一分钱/任何/全…) with an optional
  object (补助), an adverb (也/都/还/从来/根本…), a negator (没/没有/不/未/莫/冇/无) and a verb of
  having, receiving or wanting (有/领/拿/享受/参加/办/交/要/需要/用/沾边/符合…) with its aspect (过/了/到);
  a negator alone (没有, 莫得) is a denial too;
- a **reason**: a negated copula about the speaker (我又不是残疾人, 我也不是军属), said beside a denial;
- a **backchannel** (嗯, 哎, 唉, 那个).

An answer of denials, reasons and backchannels with at least one denial says "none"; the confidence is
highest with a quantifier (啥也没领过), lower for a bare negated verb (不领) and for an object the grammar
does not know (房子没有), which may be about one thing only. A denial with a quantifier may stand beside
one or two clauses about something else (啥托养都没有，在家自己过), with a lower confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

_QUANT = (
    r"(?:啥子?|什么|哪个|哪一个|哪样|哪一样|哪项|哪一项|哪些|一样|一项|一个|一种|一份|一分钱|一分|一毛钱|一点|一次"
    r"|任何|全部|全|统统|通通|样样|啥样|么子|一样子)"
)
_ADV = r"(?:也|都|全|还|又|从来|从|根本|压根|压根儿|一直|就|啥|都还|也还|一概|完全|并)"
_NEG = r"(?:没有|没得|没|不|未|莫得|莫|冇得|冇|无|木有)"
_VERB = (
    r"(?:有|领|领取|拿|拿到|得到|得|享受|享|参加|参与|办|办理|交|缴|买|要|需要|用|沾边|沾|挨边|符合|够|够格|够条件"
    r"|报|申请|评上|评|给|发|吃|占|是|需求|感兴趣)"
)
_ASPECT = r"(?:过|了|到|着|上|成|啊|呀|吧|的|嘛|呢|哦|哈|咧|呗)*"
_SUBJECT = r"(?:我|我们|我家|俺|俺们|俺家|家里|咱|咱家|人家|这些|那些|上面|以上|上面的|以上的|这几个|这几样|这几项)?"
# what was not received, said after the verb: 没享受过这些, 没领过什么补助, 没拿过任何钱
_TAIL_OBJ = r"(?:这些|那些|这几样|这几个|这几项|这个|那个|这样的|那样的|任何|啥|什么|一分钱|一样)[\u3400-\u9fff]{0,4}"
_DENIAL_RE = re.compile(
    rf"^{_SUBJECT}(?P<q>{_QUANT})?(?P<obj>[\u3400-\u9fff]{{0,6}}?){_ADV}*(?P<neg>{_NEG}){_ADV}*(?P<verb>{_VERB})?{_ASPECT}"
    rf"(?:{_TAIL_OBJ})?{_ASPECT}$"
)
_NEG_IN_RE = re.compile(_NEG)
_REASON_RE = re.compile(r"^(?:我|俺|人家|我们)?(?:又|也|都|本来|根本|压根|本身|并|可)*(?:不是|不算|没有?|不属于)[\u3400-\u9fff]{1,8}$")
_REASON_OBJECT_RE = re.compile(r"(?:不是|不算|没有?|不属于)(?P<o>[\u3400-\u9fff]{2,8})$")
_BACKCHANNEL = frozenset({"嗯", "哎", "唉", "哎呀", "那个", "这个", "啊", "呃", "哦", "这", "那", "说实话", "实话说"})
_CLAUSE_RE = re.compile(r"[，,。.;；!！?？、\s]+")


_QUANTIFIED = 0.95  # a denial with a universal quantifier: 啥也没领过
_BESIDE = 0.8  # such a denial said beside clauses about something else


def _about(clause: str, topic: Sequence[str]) -> bool:
    """Whether a reason's object (what follows 不是/没有) shares a word of two characters with the topic."""
    m = _REASON_OBJECT_RE.search(clause)
    if m is None:
        return False
    obj = m.group("o")
    pairs = {obj[i:i + 2] for i in range(len(obj) - 1)}
    return any(pair in word for word in topic for pair in pairs)


class Kind(Enum):
    """What a clause of the answer does."""

    DENIAL = "denial"
    REASON = "reason"
    BACKCHANNEL = "backchannel"
    OTHER = "other"


def clause_kind(clause: str) -> tuple[Kind, float]:
    """The kind of one clause and, for a denial, how surely it means "none of these"."""
    if clause in _BACKCHANNEL:
        return Kind.BACKCHANNEL, 0.0
    m = _DENIAL_RE.match(clause)
    if m and not _NEG_IN_RE.search(m.group("obj")):  # 没有不领的 is a double negative
        obj = m.group("obj")
        if m.group("q"):
            return Kind.DENIAL, _QUANTIFIED  # 啥也没领过, 一分钱补助都没领过, 哪个都没有
        if not obj:
            return Kind.DENIAL, 0.9  # 不领, 都不沾边, 没有
        return Kind.DENIAL, 0.75  # 补助没领过: an object we cannot tell from one option
    if _REASON_RE.match(clause):
        return Kind.REASON, 0.0
    return Kind.OTHER, 0.0


def says_none(text: str, topic: Sequence[str] = ()) -> float | None:
    """How surely a whole (normalised) answer says "none of these"; None when it does not.

    ``topic`` are the question's own words (its title, aliases): a reason about one of them
    (我又没残疾 asked about disability subsidies) says the person is not concerned at all, as surely as
    a denial of everything."""
    clauses = [c for c in _CLAUSE_RE.split(text) if c]
    if not clauses or len(clauses) > 4:
        return None
    best = 0.0
    others = 0
    for clause in clauses:
        kind, confidence = clause_kind(clause)
        if kind is Kind.OTHER:
            others += 1
            continue
        if kind is Kind.REASON and _about(clause, topic):
            confidence = _QUANTIFIED
        best = max(best, confidence)
    if others:
        # 啥托养都没有，在家自己过: a clause about something else (no option is named: the caller looked)
        # beside a denial of everything still says none, less surely; beside a bare 没有 it may not
        return _BESIDE if best >= _QUANTIFIED and others <= 2 else None
    return best or None
