"""Personal names said the way people say them: 我姓马，叫马福贵 / 姓马名福贵 / 马福贵（是我）/ 叫我老马就行.

A small grammar over the folded text. Each *frame* proposes a reading (a name, its span, a confidence):

- a surname statement and a name: 姓马名福贵, 姓马，名福贵, 我姓马，叫马福贵, 我姓马，叫福贵 (the given
  name completed by the surname, a guess);
- a cue before the name: 我叫, 俺叫, (我的)名字叫/是, 姓名(是), 名叫, 叫做, 本人(叫/是), 我是 (weaker);
- a confirmation after the name: 马福贵（是我）, 马福贵就是我, 马福贵本人;
- a nickname: 叫我老马就行, 大家都叫我老马 (low confidence, ``extra["nickname"]``);
- the bare name.

A reply that is something else (男, 对, 是的, 没错, 回族, a date, a number) is never a name, and a surname
alone (我姓马) asks for the full name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nlu._data import read_table
from nlu._text import clamp, fold, is_blank
from nlu.ethnicity import parse_ethnicity
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.yesno import parse_yes_no

__all__ = ["COMPOUND_SURNAMES", "SURNAMES", "find_name", "has_known_surname", "parse_name"]

_SURNAME_ROWS = read_table("surnames.tsv")
COMPOUND_SURNAMES = frozenset(r[0] for r in _SURNAME_ROWS if r[1] == "compound")
SURNAMES = frozenset(r[0] for r in _SURNAME_ROWS if r[1] == "single")
_NOT_NAMES = frozenset({
    "你好", "您好", "谢谢", "什么", "干什么", "为什么", "知道", "不清楚", "好的", "随便", "本人", "我自己", "自己",
    "不对", "没错", "对的", "是的", "正确", "错了", "不是", "就是", "还是", "一样", "没变", "没有变", "不变",
    "老样子", "照旧", "这样", "那样", "没变化", "对着呢", "没问题", "可以", "行", "原来的", "男", "女", "男的", "女的", "男性", "女性", "先生", "女士", "同志",
})
_GENDER = frozenset({"男", "女", "男的", "女的", "男性", "女性", "男士", "女士", "先生", "太太", "男人", "女人"})

_HAN = r"\u3400-\u9fff"
_NAME_CHARS = rf"[{_HAN}·•．.]"
# where a name said in a sentence ends
_STOP = (
    r"(?=[，,。.;；！!？?\s、（(）)：:]|$|男|女|今年|出生|生于|身份证|民族|汉族|回族|藏族|电话|手机|住在|家住|\d"
    r"|就行|就好|就可以|就是我|是我|本人|[是的]?[^\s]{0,2}[人族]|的人|吧$|啊$|呀$|哈$)"
)
_NAME = rf"(?P<n>[{_HAN}][{_HAN}·•]{{0,5}}?){_STOP}"
_FILLER_RE = re.compile(r"^(?:我是|俺是|是|嗯|呃|啊|哦|对|就是)+|(?:的|啊|呀|吧|哦|哈|。|！|!|\s)+$")
_REJECT_RE = re.compile(r"[0-9]|不知道|不想说|不告诉|没有|干什么|为什么")
_DATE_LIKE_RE = re.compile(r"[〇零一二三四五六七八九十两]{1,4}[年月日号岁]")
_MAX_NAME = 12
_GUESS = 0.55  # below the engine's 0.6: stored with a flag for review
_ASK_NAME = "请说您的姓名，例如“张三”。"


@dataclass(frozen=True)
class _Reading:
    """A name proposed by one frame of the grammar."""

    value: str
    span: tuple[int, int]
    confidence: float
    cued: bool  # said with a cue (我叫…, 姓…名…): findable inside a longer sentence
    extra: dict[str, Any] = field(default_factory=dict)


_CUE = (
    r"(?:我的?名字(?:叫|是)?|名字(?:叫|是)|我姓名(?:叫|是)?|姓名(?:叫|是|为)?|我叫|俺叫|我名叫|名叫|叫做"
    r"|本人(?:叫|是|姓名)?"
    # a relative answering for the person (the plans allow 家属代答): 孩子叫李小军, 我老伴叫王秀兰
    r"|(?:(?:我|俺)(?:家)?)?(?:孩子|娃娃?|儿子|女儿|闺女|孙子|孙女|老伴|爱人|丈夫|媳妇|老头子|老头儿?|老婆子|老婆|老公|他|她)(?:的?名字)?(?:叫|名叫|叫做))"
)
_CUE_RE = re.compile(rf"(?:{_CUE}|(?:^|(?<=[，,。\s]))(?:就|还)?叫(?![我俺他她]))\s*[:：]?\s*{_NAME}")
_WEAK_CUE_RE = re.compile(
    rf"(?:^|[，,。\s])(?:我是|俺是|我就是)\s*(?P<n>[{_HAN}]{{2,4}})(?=[，,。.;；！!？?\s]|$)"
)
_SURNAME_GIVEN_RE = re.compile(rf"(?:我|俺|本人)?姓(?P<s>[{_HAN}]{{1,2}}?)[，,\s]*名(?:叫|字叫|字是)?(?P<g>[{_HAN}]{{1,2}}?){_STOP}")
_SURNAME_RE = re.compile(rf"(?:我|俺|本人)?姓(?P<s>[{_HAN}]{{1,2}}?)(?=[，,。\s]|$|叫|的|名)")
# what ends a place, a household or a category, not a name (我是马家庄的, 我是马家庄人, 我是烈属)
_NOT_NAME_END = re.compile(r"(?:的|人|村|庄|乡|镇|县|市|省|家|族|户|兵|属|员|队|厂|站|湾|沟|坪|堡|寨)$")
_CALLED_RE = re.compile(rf"(?<![我俺])叫(?![我俺])\s*{_NAME}")
_CONFIRM_RE = re.compile(
    rf"^(?P<n>[{_HAN}][{_HAN}·•]{{1,5}}?)[，,\s]*[（(]?(?:就?是我(?:本人)?|本人|是本人)[)）]?(?:的|啊|呀|吧|。|！|!|\s)*$"
)
_NICK_RE = re.compile(
    rf"(?:叫我|喊我|大家都?叫我|别人都?叫我|人家都?叫我|都叫我|叫他|叫她|喊他|喊她)\s*(?P<n>[{_HAN}]{{1,4}}?)"
    r"(?:就行了?|就好了?|就可以了?|就成|吧|好了|[，,。！!\s]|$)"
)


def has_known_surname(name: str) -> bool:
    """Tell whether a name starts with a common Chinese surname (single or compound)."""
    return name[:2] in COMPOUND_SURNAMES or name[:1] in SURNAMES


def _surname_of(text: str) -> str | None:
    """The surname a text starts with, compound first."""
    if text[:2] in COMPOUND_SURNAMES:
        return text[:2]
    return text[:1] if text[:1] in SURNAMES else None


def _is_other_answer(core: str) -> bool:
    """A reply that is something else than a name: 男, 对, 是的, 没错, 回族, 六五年三月."""
    if core in _NOT_NAMES or core in _GENDER or _DATE_LIKE_RE.search(core):
        return True
    polar = parse_yes_no(core)
    if isinstance(polar, Parsed) and polar.confidence >= 0.85:
        return True
    ethnic = parse_ethnicity(core)
    return isinstance(ethnic, Parsed) and ethnic.confidence >= 0.9 and ethnic.span == (0, len(core))


def _is_backchannel(clause: str) -> bool:
    """A clause that only says yes or hesitates before the answer (对的, 嗯, 是的)."""
    if clause in ("嗯", "呃", "啊", "哦", "嗯嗯", "这个", "那个"):
        return True
    polar = parse_yes_no(clause)
    return isinstance(polar, Parsed) and polar.value == "yes" and polar.confidence >= 0.85


def _plausible(name: str, *, cued: bool) -> bool:
    """A candidate that can be a name: Han characters (or a minority name with ·), not another answer."""
    if not name or _is_other_answer(name):
        return False
    if "·" in name or "•" in name:
        return len(name) <= _MAX_NAME
    return len(name) <= (5 if cued else 4)


def _weigh(name: str, confidence: float) -> float:
    """Lower the confidence of names without a common surname and of single characters."""
    if not has_known_surname(name) and "·" not in name and "•" not in name:
        confidence = min(confidence, 0.7)
    if len(name) == 1:
        confidence = min(confidence, 0.5)
    return confidence


def _readings(folded: str) -> list[_Reading]:
    """Every reading the frames propose, best frames first."""
    out: list[_Reading] = []
    for m in _SURNAME_GIVEN_RE.finditer(folded):  # 姓马名福贵
        surname, given = m.group("s"), m.group("g")
        if has_known_surname(surname) and not _is_other_answer(given):
            out.append(_Reading(surname + given, (m.start("s"), m.end("g")), 0.95, True, {"joined": True}))
    surname_said = next((m for m in _SURNAME_RE.finditer(folded) if has_known_surname(m.group("s"))), None)
    if surname_said is not None:  # 我姓马，叫马福贵 / 我姓马，叫福贵
        surname = surname_said.group("s")
        for m in _CALLED_RE.finditer(folded, surname_said.end()):
            n = m.group("n")
            if not _plausible(n, cued=True):
                continue
            if n.startswith(surname) and len(n) > len(surname):
                out.append(_Reading(n, m.span("n"), 1.0, True))
            elif len(n) <= 2:
                out.append(_Reading(surname + n, (surname_said.start("s"), m.end("n")), 0.75, True, {"joined": True}))
            else:
                out.append(_Reading(n, m.span("n"), 0.6, True, {"surname_differs": surname}))
            break
    for m in _CUE_RE.finditer(folded):  # 我叫马福贵 / 名字叫… / 本人马福贵
        n = m.group("n")
        if _plausible(n, cued=True) and not folded[: m.start()].endswith("叫"):
            out.append(_Reading(n, m.span("n"), _weigh(n, 1.0), True))
    for m in _WEAK_CUE_RE.finditer(folded):  # 我是马福贵 (but not 我是回族, 我是退伍军人)
        n = m.group("n")
        if 2 <= len(n) <= 4 and has_known_surname(n) and _plausible(n, cued=True) and not _NOT_NAME_END.search(n):
            out.append(_Reading(n, m.span("n"), 0.9, True))
    confirm = _CONFIRM_RE.match(folded)  # 马福贵（是我）
    if confirm and _plausible(confirm.group("n"), cued=False):
        n = confirm.group("n")
        out.append(_Reading(n, confirm.span("n"), _weigh(n, 0.95), True))
    for m in _NICK_RE.finditer(folded):  # 叫我老马就行
        n = m.group("n")
        if n and not _is_other_answer(n):
            out.append(_Reading(n, m.span("n"), 0.4, True, {"nickname": True}))
    return out


def _bare(text: str, folded: str) -> Result[str]:
    """A reply that is only a name (张三, 嗯，张三吧) or something else."""
    clauses = [c for c in re.split(r"[，,。;；！!？?\s]+", folded.strip()) if c]
    while len(clauses) > 1 and _is_backchannel(clauses[0]):  # 对的，还是龙光明 / 嗯，张三吧
        clauses.pop(0)
    first = clauses[0] if clauses else ""
    core = _FILLER_RE.sub("", first)
    core = re.sub(r"^(?:还是|就是|是)", "", core) if len(core) > 3 else core
    if _REJECT_RE.search(folded):
        return NotUnderstood("bad_name", _ASK_NAME)
    if not core or not re.fullmatch(rf"{_NAME_CHARS}+|[A-Za-z][A-Za-z .'-]*", core):
        return NotUnderstood("no_match", "没有听清您的姓名，请再说一遍。")
    if len(core) > _MAX_NAME or (len(core) > 5 and "·" not in core and "•" not in core):
        return NotUnderstood("too_long", "请只说姓名就好。")
    if _is_other_answer(core) or _is_other_answer("，".join(clauses)):
        return NotUnderstood("not_a_name", _ASK_NAME)
    offset = folded.find(core)
    confidence = _weigh(core, 1.0 if core == folded.strip(" 。.!！") else 0.9)
    if not has_known_surname(core) and "·" not in core and "•" not in core:
        confidence = min(confidence, _GUESS)  # 还是这样, 退役士兵: more likely not a name at all
    return Parsed(core, clamp(confidence), (offset, offset + len(core)))


def parse_name(text: str) -> Result[str]:
    """Read a person's name from the reply to a name question (我叫张三 / 姓马名福贵 / 张三)."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    readings = _readings(folded)
    if readings:
        best = max(readings, key=lambda r: r.confidence)
        return Parsed(best.value, clamp(best.confidence), best.span, best.extra)
    if _SURNAME_RE.fullmatch(folded.strip(" 。.!！的")) or re.fullmatch(
        rf"(?:我|俺|本人)?姓[{_HAN}]{{1,2}}(?:的|啊|呀|。|\s)*", folded.strip()
    ):
        return NotUnderstood("surname_only", "请说您的全名，例如“马福贵”。")
    return _bare(text, folded)


def find_name(text: str) -> Parsed[str] | None:
    """Find a name said with a cue (我叫…/姓名…/姓马名福贵) inside a longer sentence."""
    if is_blank(text):
        return None
    readings = [r for r in _readings(fold(text)) if r.cued and not r.extra.get("nickname")]
    if not readings:
        return None
    best = max(readings, key=lambda r: r.confidence)
    return Parsed(best.value, clamp(min(best.confidence, 0.9)), best.span, best.extra)
