"""Personal name and gender from answers such as 我叫张三 or 男的."""

from __future__ import annotations

import re

from nlu._data import read_table
from nlu._text import clamp, fold, is_blank
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.yesno import parse_yes_no

_SURNAME_ROWS = read_table("surnames.tsv")
COMPOUND_SURNAMES = frozenset(r[0] for r in _SURNAME_ROWS if r[1] == "compound")
SURNAMES = frozenset(r[0] for r in _SURNAME_ROWS if r[1] == "single")
_NOT_NAMES = frozenset({"你好", "您好", "谢谢", "什么", "干什么", "为什么", "知道", "不清楚", "好的", "随便", "本人", "我自己"})

_HAN = r"\u3400-\u9fff"
_NAME_CHARS = rf"[{_HAN}·•．.]"
_CUE_RE = re.compile(
    r"(?:我的?名字(?:叫|是)?|我叫|我姓名(?:叫|是)|姓名(?:叫|是|为)?|名字(?:叫|是)|本人(?:叫|是)?|名叫|叫做)\s*[:：]?\s*"
)
_STOP = r"(?=[，,。.;；！!？?\s、]|$|男|女|今年|出生|生于|身份证|民族|汉族|回族|电话|住在|家住|\d|是[^\s]{0,2}[人族])"
_FIND_RE = re.compile(
    r"(?:我的?名字(?:叫|是)?|我叫|姓名(?:叫|是|为)?|名字(?:叫|是)|名叫)\s*[:：]?\s*"
    rf"(?P<n>[{_HAN}][{_HAN}·•]{{1,5}}?){_STOP}"
)
_FILLER_RE = re.compile(r"^(?:我是|俺是|俺叫|是|嗯|呃)+|(?:的|啊|呀|吧|哦|。|！|!|\s)+$")
_REJECT_RE = re.compile(r"[0-9０-９]|不知道|不想说|不告诉|没有|干什么|为什么")
_MAX_NAME = 12


def parse_name(text: str) -> Result[str]:
    """Read a person's name from 我叫张三 / 张三 / 姓名是欧阳娜娜; reject digits and long text."""
    if is_blank(text):
        return empty()
    folded = fold(text).strip()
    m = _CUE_RE.search(folded)
    start = m.end() if m else 0
    rest = folded[start:]
    cut = re.search(r"[，,。;；！!？?\s]", rest)
    candidate = rest[: cut.start()] if cut else rest
    core = _FILLER_RE.sub("", candidate)
    if _REJECT_RE.search(candidate) or (m is None and _REJECT_RE.search(folded)):
        return NotUnderstood("bad_name", "请说您的姓名，例如“张三”。")
    if not core or not re.fullmatch(rf"{_NAME_CHARS}+|[A-Za-z][A-Za-z .'-]*", core):
        return NotUnderstood("no_match", "没有听清您的姓名，请再说一遍。")
    if len(core) > _MAX_NAME or (m is None and len(core) > 5 and "·" not in core):
        return NotUnderstood("too_long", "请只说姓名就好。")
    if m is None:
        if core in _NOT_NAMES:
            return NotUnderstood("no_match", "请说您的姓名，例如“张三”。")
        polar = parse_yes_no(core)
        if isinstance(polar, Parsed) and polar.confidence >= 1.0:
            return NotUnderstood("no_match", "请说您的姓名，例如“张三”。")
    offset = folded.find(core, start)
    confidence = 1.0 if m or core == folded else 0.9
    if not has_known_surname(core) and "·" not in core:
        confidence = min(confidence, 0.7)
    if len(core) == 1:
        confidence = 0.5
    return Parsed(core, clamp(confidence), (offset, offset + len(core)))


def has_known_surname(name: str) -> bool:
    """Tell whether a name starts with a common Chinese surname (single or compound)."""
    return name[:2] in COMPOUND_SURNAMES or name[:1] in SURNAMES


def find_name(text: str) -> Parsed[str] | None:
    """Find a name given with a clear cue (我叫…/姓名…) inside a longer sentence."""
    if is_blank(text):
        return None
    m = _FIND_RE.search(fold(text))
    if not m:
        return None
    return Parsed(m.group("n"), 0.9, (m.start("n"), m.end("n")))


_MALE = ("男性", "男士", "男的", "男同志", "先生", "男人", "男孩", "男", "公")
_FEMALE = ("女性", "女士", "女的", "女同志", "女人", "女孩", "女", "母", "太太")
_GENDER_WORDS = {**{w: "男" for w in _MALE}, **{w: "女" for w in _FEMALE}}
_GENDER_RE = re.compile("|".join(sorted(_GENDER_WORDS, key=len, reverse=True)))
_FIND_GENDER_RE = re.compile(
    r"(?:(?<=性别)|(?<=性别是)|(?<=性别:)|(?<=性别：)|(?<=^)|(?<=[，,。;；\s、]))(?P<g>男性|女性|男|女)(?=$|[，,。;；\s、的]|性)"
)


def parse_gender(text: str) -> Result[str]:
    """Read 男/女 from 男, 女的, 女性, 先生, 女士 and similar answers."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    hits = [(m, _GENDER_WORDS[m.group(0)]) for m in _GENDER_RE.finditer(folded)]
    hits = [(m, g) for m, g in hits if m.group(0) not in ("公", "母") or len(folded.strip()) <= 2]
    values = {g for _, g in hits}
    if not values:
        return NotUnderstood("no_match", "请说“男”或“女”。")
    if len(values) > 1:
        return NotUnderstood("ambiguous", "没听清是男还是女，请再说一遍。")
    m, value = hits[0]
    core = folded.strip(" 。.!！的是我")
    confidence = 1.0 if core in ("男", "女", "男性", "女性") else 0.9
    return Parsed(value, clamp(confidence), (m.start(), m.end()))


def find_gender(text: str) -> Parsed[str] | None:
    """Find 男/女 standing on its own in a longer sentence (我叫张三，男，汉族)."""
    if is_blank(text):
        return None
    m = _FIND_GENDER_RE.search(fold(text))
    if not m:
        return None
    return Parsed("男" if m.group("g").startswith("男") else "女", 0.9, (m.start("g"), m.end("g")))
