"""Replies to “上次登记的…是：X，现在还是这样吗？”: still the same, or changed.

``parse_unchanged(text)`` returns ``Parsed("yes")`` when the person says it is still so and
``Parsed("no")`` when it has changed; anything else is read as a plain yes/no. The question is about a
change, so its own words turn round: 没变 / 没换 / 不变 / 一直没搬 say *yes, still the same*
(a plain yes/no grammar reads them as no), 变了 / 换了 / 搬了 / 不一样了 say *no*, and sameness
words (一样, 照旧, 老样子, 还是那个) say yes.

``extra["rest"]`` carries what follows a *changed* verdict (“换了，现在是139…”), so that the new value
said with it is not lost.
"""

from __future__ import annotations

import re

from nlu._text import fold, is_blank
from nlu.result import NotUnderstood, Parsed, Result
from nlu.yesno import parse_yes_no

__all__ = ["parse_unchanged"]

_CHANGE = r"(?:变化|变动|变|改动|更改|改|更换|换|搬家|搬)"
_NEG = r"(?:一直|从来|从|也|都|还|根本|压根儿?|基本|基本上)?(?:没有|没|不曾|未曾|未|不)(?:什么|啥|怎么|有什么|有啥)?(?:有)?"
# 没变 / 没有变化 / 一直没换过 / 没啥变动 / 不变 / 没有任何变化
_SAME_NEG = re.compile(_NEG + r"(?:任何)?(?:" + _CHANGE + r"|动)(?:过|了)?")
_SAME = re.compile(
    r"(?<!不)(?:一样|一模一样|照旧|照常|老样子|原样|依旧|依然|同上|如故|没区别|没差别|没两样)"
    r"|还是(?:这样|那样|这个|那个|这些|那些|它|原来|以前|老)"
    r"|(?:就是|正是|没错就是)(?:这个|那个|它)"
    r"|(?<!不)还是?(?:在|住|干|用|做|种|那家|这家|那|这)(?!吗)"  # 还在那上班 / 还住那儿
)
# 变了 / 换过了 / 搬走了 / 改成… / 不一样了 / 已经不是了
_CHANGED = re.compile(
    _CHANGE + r"(?:了|啦|喽|咯|过了|掉了|走了|成|为|到)"
    r"|(?:变|改|换|搬)[^，,。；;！!？?不没]{1,3}?了"  # 换号了 / 改名了 / 搬家了
    r"|(?<![没不])(?:变|改|换|搬)的"  # 去年换的工作: a change told as done
    r"|(?:换|改|变|搬)(?:新|别)的?"
    r"|别的|另外|新的|新号|新换|停机|停了|停用|注销|作废|销号"
    r"|不一样|不同了|不是这样|不是那样|不是这个|不是那个|已经不是|早就不是|现在不是|不再是"
)
_NEW_STATE = re.compile(r"[^\d\s，,。]{2,}(?:了|啦)[\s。.！!]*$")
_CUE = re.compile(r"^[了啦，,。.、\s]*(?:现在|目前|如今|已经|改成|换成|变成|改为|换为|搬到|搬去|是)")
_LEAD = re.compile(r"^(?:[，,。.、\s]|现在|目前|如今|已经|改成|换成|变成|改为|换为|搬到|搬去|搬|是|为|了|在)+")


def _after(text: str, end: int) -> str:
    """The new value said after a change (换了，现在是139… / 搬到城关镇了); nothing when what follows is not
    introduced as one (去年换的工作: 工作 is no workplace)."""
    tail = text[end:]
    if not (text[:end].endswith(("成", "为", "到")) or _CUE.match(tail) or re.search(r"[0-9]", tail)):
        return ""
    rest = _LEAD.sub("", tail).strip(" ，,。.！!？?")
    return rest[:-1] if rest.endswith(("了", "啦")) and len(rest) > 1 else rest


def parse_unchanged(text: str) -> Result:
    """Still the same (``yes``) or changed (``no``); other replies as :func:`parse_yes_no` reads them."""
    if is_blank(text):
        return NotUnderstood("empty", "请回答“对”或“不对”。")
    core = fold(text).strip()
    changed = _CHANGED.search(core)
    neg = _SAME_NEG.search(core)
    # 没换，还是那个 / 不变: a negated change word; but 不一样 / 没有了 are changes, not negations of one
    if neg and not (changed and changed.start() <= neg.start()):
        return Parsed("yes", 0.9, neg.span())
    if changed:
        return Parsed("no", 0.9, changed.span(), {"rest": _after(core, changed.end())})
    same = _SAME.search(core)
    if same:
        return Parsed("yes", 0.9, same.span())
    polar = parse_yes_no(core)
    if isinstance(polar, Parsed) and polar.value == "no":
        return Parsed("no", polar.confidence, polar.span, {**polar.extra, "rest": _after(core, polar.span[1])})
    if isinstance(polar, NotUnderstood) and polar.reason == "no_match" and _NEW_STATE.search(core):
        # 那个厂倒闭了 / 早退休了: a sentence-final 了 tells of a new situation, so it is no longer so
        return Parsed("no", 0.7, (0, len(core)), {"rest": ""})
    return polar
