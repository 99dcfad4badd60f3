"""Replies that say "I have none", "I don't want to" or "skip it" (没有电话, 不拍了, 算了, 下一个).

``parse_not_have(text, things=())`` reads a reply to a question that may declare what "I don't have one"
means (no phone, no photo). ``things`` are the question's words for what it asks (电话, 手机, 照片); an
object said that is neither one of them nor a general word (这个, 那玩意) lowers the confidence.

The reply is cut into clauses; every clause must be one of:

- **none**: a negator of having (没有, 没, 莫得, 冇得, 无) with an optional object (没有手机, 手机没有,
  家里没电话, 我没那东西);
- **decline**: 不用了, 不要了, 不拍了, 不照了, 不发了, 不想拍, 不需要, 算了, 免了, 不方便, 以后再说;
- **skip**: 跳过, 下一个, 下一题, 过, 先不填;
- a **reason** beside one of them (我不会用手机, 年纪大了, 用不来) or a backchannel (嗯, 哎, 那个).

A reply that carries a value is never one of these: digits (没有别的电话，就这个13912345678), 别的/其他
(没有别的，就一个座机…), or any clause the grammar does not know.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from nlu._text import clamp, fold, is_blank
from nlu.result import NotUnderstood, Parsed, Result, empty

__all__ = ["NotHave", "NotHaveKind", "parse_not_have"]


class NotHaveKind(Enum):
    """What the person means."""

    NONE = "none"  # I have none (没有电话)
    DECLINE = "decline"  # I don't want to (不拍了, 算了)
    SKIP = "skip"  # go on (跳过, 下一个)


@dataclass(frozen=True)
class NotHave:
    """A reply saying there is nothing to give, with the object named (电话) if any."""

    kind: NotHaveKind
    thing: str | None = None


_GENERAL_THINGS = (
    "手机号码", "手机号", "电话号码", "电话", "手机", "座机", "号码", "照片", "相片", "像片", "相机", "微信", "这个", "那个",
    "这东西", "那东西", "这玩意", "那玩意", "这些", "那些",
)
_SUBJECT = r"(?:我|我们|我家|俺|俺家|家里|家里头|咱|咱家|我这|我这里|我这儿|现在|目前|暂时|本人)*"
_ADV = r"(?:也|都|还|就|根本|压根|从来|一直|实在|真|确实|真的|是)*"
_NEG_HAVE = r"(?:没有|没得|没|莫得|莫有|冇得|冇|无|木有)"
_TAIL = r"(?:的|啊|呀|吧|了|哦|哈|呢|嘛|咧|呗|哇|噢)*"
_DECLINE_RE = re.compile(
    rf"^{_SUBJECT}{_ADV}(?:不用了?|不要了?|不需要了?|不拍了?|不照了?|不发了?|不传了?|不填了?|不弄了?|不想(?:拍|照|发|弄|填|给)"
    rf"|算了|免了|拉倒|不方便|不太方便|以后再说|下次再说|以后再(?:发|拍|填)|回头再(?:发|拍|说)|不拍照|拍不了|发不了|照不了){_TAIL}$"
)
_SKIP_RE = re.compile(rf"^(?:跳过去?|跳过这个|下一个|下一题|下一项|过|过吧|先不填|这个不填|先不弄|先跳过){_TAIL}$")
_REASON_RE = re.compile(
    r"^(?:我|俺)?(?:也|都|又)?(?:不会(?:用|弄|拍|发|玩)|用不来|弄不来|不识字|年纪大了|岁数大了|老了|眼睛不好|眼神不好)"
    r"[\u3400-\u9fff]{0,6}$"
)
_BACKCHANNEL = frozenset({"嗯", "哎", "唉", "哎呀", "那个", "这个", "啊", "呃", "哦", "对", "是", "是的", "对的", "真的", "不好意思", "谢谢", "谢谢你", "谢谢您", "好的", "行"})
_JOINED_RE = re.compile(r"(?<=[\u3400-\u9fff])(?:也|又)(?=没|无|不用)")
_OTHER_NUMBER_RE = re.compile(r"打[\u3400-\u9fff]{0,4}的|留[\u3400-\u9fff]{0,4}的")  # 打我儿子的: another's number follows
_THING_RE = re.compile("|".join(_GENERAL_THINGS[:8]) + "|号|机")
_MESSAGE = "没有的话，直接说“没有”就行。"
_CLAUSE_RE = re.compile(r"[，,。.;；!！?？、\s]+")
_VALUE_RE = re.compile(r"[0-9]|[零〇一二三四五六七八九幺两]{5,}|别的|其他|其它|另外|就这个|就一个|只有")


def _none_clause(clause: str, things: Sequence[str]) -> tuple[str | None, float] | None:
    """A clause denying having the thing (没有手机, 手机没有, 家里没电话): the thing and a confidence."""
    names = sorted({*things, *_GENERAL_THINGS}, key=len, reverse=True)
    thing = rf"(?P<t>{'|'.join(re.escape(n) for n in names)})" if names else r"(?P<t>(?!))"
    before = re.match(rf"^{_SUBJECT}{_ADV}{_NEG_HAVE}(?:用|装|办|拍|照|留|有)?(?:过)?{thing}?{_TAIL}$", clause)
    after = re.match(rf"^{_SUBJECT}(?:的)?{thing}{_ADV}{_NEG_HAVE}(?:过|用|装)?{_TAIL}$", clause)
    # 我不用手机 / 从来不用电话: not using the thing is not having one (不用了 alone declines, read elsewhere)
    unused = re.match(rf"^{_SUBJECT}{_ADV}(?:不|从不|从来不|没|没有)(?:用|使用|带|玩|装)(?:过)?{thing}{_TAIL}$", clause)
    m = before or after or unused
    if m is None:
        return None
    said = m.group("t")
    if said is None:
        return None, 0.9
    return said, 0.95 if said in things or not things else 0.85


def parse_not_have(text: str, things: Sequence[str] = ()) -> Result[NotHave]:
    """Recognise 没有 / 没有手机 / 不用了 / 不拍了 / 算了 / 跳过 / 下一个; never an answer that carries a value."""
    if is_blank(text):
        return empty()
    folded = fold(text).strip()
    if _VALUE_RE.search(folded):
        return NotUnderstood("has_value", _MESSAGE)
    # 没手机也没座机: two denials joined by 也 / 又 are two clauses
    clauses = [c for c in _CLAUSE_RE.split(_JOINED_RE.sub("，", folded)) if c]
    if len(clauses) > 4:
        return NotUnderstood("no_match", _MESSAGE)
    kind: NotHaveKind | None = None
    thing: str | None = None
    confidence = 1.0
    supported = False
    remarks = 0
    for clause in clauses:
        if clause in _BACKCHANNEL:
            continue
        if _REASON_RE.match(clause):
            supported = True
            continue
        said = _none_clause(clause, things)
        if said is not None:
            kind = kind or NotHaveKind.NONE
            thing = thing or said[0]
            confidence = min(confidence, said[1])
            continue
        if _DECLINE_RE.match(clause):
            kind = kind or NotHaveKind.DECLINE
            confidence = min(confidence, 0.9)
            continue
        if _SKIP_RE.match(clause):
            kind = kind or NotHaveKind.SKIP
            confidence = min(confidence, 0.9)
            continue
        if _THING_RE.search(clause) or _OTHER_NUMBER_RE.search(clause) or any(t and t in clause for t in things):
            return NotUnderstood("no_match", _MESSAGE)  # 没有手机，有座机: about another thing of the kind
        remarks += 1
    if remarks and (kind != NotHaveKind.NONE or thing is None or remarks > 1):
        return NotUnderstood("no_match", _MESSAGE)
    if remarks:
        confidence = min(confidence, 0.85)  # 没手机，有事找村里就行: a remark beside a clear denial
    if kind is None:
        return NotUnderstood("no_match", _MESSAGE)
    if supported:
        confidence = min(confidence, 0.85)
    return Parsed(NotHave(kind, thing), clamp(confidence), (0, len(text)))
