"""Control phrases inside a conversation (back, skip, change an answer, why, help, human, pause...)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlu._text import fold, is_blank
from nlu.result import Parsed

INTENT_NAMES: tuple[str, ...] = (
    "back", "skip", "change", "why", "help", "human", "pause", "resume", "restart", "confirm_submit",
)


@dataclass(frozen=True)
class Intent:
    """A control intent, with the question it targets and the rest of the utterance (for change)."""

    name: str
    target: str | None = None
    rest: str | None = None


_POLITE = r"(?:(?:我想|我要|我得|我需要|请|请你|麻烦|麻烦你|帮我|能不能|可以|可不可以|咱们|我们|先|那|那就|就|嗯|呃|好的|好|行|没问题)[，,\s]*)*"
_TAIL = r"(?:一下|吧|啊|呀|了|吗|呢|好吗|行吗|可以吗|行不行|谢谢|。|！|!|？|\?|，|,|\s)*"

# Phrases that are control requests only when they are (nearly) the whole utterance.
_WHOLE = {
    "back": r"上一题|上一个|上一个问题|上一步|返回|返回上一题|返回上一个|返回上一步|回到上一题|回到上一个|回到上一个问题"
            r"|退回|后退|退回去|回上一题|往回|倒回去|上一页",
    "skip": r"跳过|跳过这题|跳过这个|跳过这个问题|下一个|下一题|下一步|这题不答|这个不答|不答了|先不答|pass",
    "why": r"为什么|为啥|问这个干什么|问这个干嘛|问这个做什么|为什么要问|为什么要问这个|为啥问这个|为啥要问这个"
           r"|为什么问|为什么问这个|为什么问这些|为什么问这个问题|为什么要问这个问题"
           r"|这个有什么用|问这干啥|问这个干啥|干嘛问这个|有什么用",
    "help": r"帮助|帮忙|help|怎么填|怎么回答|怎么答|不会填|不知道怎么填|不知道怎么回答|怎么弄|什么意思|啥意思|看不懂",
    "human": r"转人工|人工|人工服务|人工客服|找人工|找工作人员|找客服|客服|真人|联系工作人员|和工作人员说|跟工作人员说"
             r"|让工作人员来|叫工作人员",
    "pause": r"暂停|先到这里|先到这儿|下次再说|下次再填|下回再说|改天再说|改天再填|回头再说|等会再说|等一会再说"
             r"|待会再填|待会再说|先停一下|停一下|歇一会|歇会|有事先走了|我有事先走了",
    "resume": r"继续|接着|接着来|接着填|继续填|继续吧|接着问|继续问|往下|我回来了|回来了",
    "restart": r"重新开始|从头开始|从头再来|重来|重来一遍|全部重填|全部重新填|从第一题开始|重新填一遍|重新来",
    "confirm_submit": r"确认提交|提交|提交吧|没问题提交|没问题提交吧|确认无误|确认无误提交|可以提交|可以提交了|确定提交"
                      r"|就这样提交|没问题了提交|核对无误",
}
# Phrases that signal a control request wherever they appear in a short utterance.
_ANYWHERE = {
    "human": r"转人工|人工服务|人工客服|找工作人员|联系工作人员|和工作人员说|跟工作人员说|让工作人员|叫工作人员|找个真人",
    "why": r"为什么要?问(?:这个|我这个|这些)|为什么要问|为啥要?问这|问这个(?:干什么|干嘛|做什么|干啥|有什么用)|问这些(?:干什么|干嘛|做什么|干啥)",
    "pause": r"先到这里|先到这儿|下次再说|下次再填|改天再说|改天再填|我有事先走了|有事先走|回头再填|先暂停",
    "restart": r"重新开始|从头开始|从头再来|全部重填|从第一题开始",
    "confirm_submit": r"确认提交|确认无误|没问题[，,]?提交|可以提交了?|核对无误",
    "back": r"回到上一(?:个|题|个问题)|返回上一(?:个|题|步)|上一题|上一个问题",
    "skip": r"跳过这(?:题|个问题|个)|这(?:题|个问题)(?:先)?不答|先跳过",
}
_WHOLE_RE = {name: re.compile(rf"^{_POLITE}(?:{pat}){_TAIL}$", re.IGNORECASE) for name, pat in _WHOLE.items()}
_ANYWHERE_RE = {name: re.compile(pat) for name, pat in _ANYWHERE.items()}
_CHANGE_VERB = r"改成|改为|改一下|改下|修改成|修改为|换成|更正为|更改为|更正成|应该是|写成|填成"
_CHANGE_RE = re.compile(
    rf"^{_POLITE}(?:把|将)?(?P<target>.{{1,16}}?)(?:的答案|那一?项|那个|那题)?(?P<verb>{_CHANGE_VERB})(?P<rest>.*)$"
)
_CHANGE_LEAD_RE = re.compile(
    rf"^{_POLITE}(?:修改|更改|改|更正|改改|重新填|重填|重新回答|纠正)(?:一下)?(?P<target>.{{0,16}}?){_TAIL}$"
)
_WRONG_RE = re.compile(
    # one clause names what was wrong: in 对的，身份证上登记错了 the answer is not what is wrong
    r"^(?:我的?|刚才的?|刚刚的?|前面的?|上面的?)?(?P<target>[^，,。；;！!？?]{1,16}?)(?:说错了|填错了|写错了|错了|不对)[，,。\s]*(?:应该是|是|改成|其实是)?(?P<rest>.*)$"
)
_SAID_WRONG_RE = re.compile(r"^(?:我|刚才|刚刚|前面|之前|我刚才|我刚刚)?(?:说错了|填错了|答错了|写错了|搞错了|弄错了)[了啊呀。！!\s]*$")
_MAX_LEN = 40
_TRIM = " ，,。.!！?？:：的"


def _find_target(segment: str, targets: Mapping[str, Sequence[str]]) -> str | None:
    """The question key whose names (longest first) occur in a segment of the utterance."""
    best: tuple[int, str] | None = None
    for key, names in targets.items():
        for name in (key, *names):
            if name and fold(name) in segment and (best is None or len(name) > best[0]):
                best = (len(name), key)
    return best[1] if best else None


def _change(text: str, targets: Mapping[str, Sequence[str]]) -> Parsed[Intent] | None:
    """Recognise 把出生日期改成1966年 / 修改民族 / 民族填错了，是回族."""
    for regex, lead in ((_CHANGE_RE, False), (_WRONG_RE, False), (_CHANGE_LEAD_RE, True)):
        m = regex.match(text)
        if not m:
            continue
        segment = m.group("target")
        target = _find_target(segment, targets)
        rest = (m.groupdict().get("rest") or "").strip(_TRIM) or None
        if target is None:
            if lead and not segment.strip(_TRIM):
                return Parsed(Intent("change"), 0.7, (0, len(text)))
            if regex is _CHANGE_RE and re.match(r"^(?:把|将)", text) and rest:
                return Parsed(Intent("change", None, rest), 0.6, (0, len(text)))
            continue
        confidence = 0.95 if regex is not _WRONG_RE else 0.85
        return Parsed(Intent("change", target, rest), confidence, (0, len(text)))
    return None


def detect_intent(text: str, targets: Mapping[str, Sequence[str]]) -> Parsed[Intent] | None:
    """Recognise a control phrase in free wording; None for ordinary answers or when unsure."""
    if is_blank(text):
        return None
    folded = fold(text).strip()
    if len(folded) > _MAX_LEN:
        return None
    for name, regex in _WHOLE_RE.items():
        if regex.match(folded):
            return Parsed(Intent(name), 1.0, (0, len(text)))
    if _SAID_WRONG_RE.match(folded):
        return Parsed(Intent("change"), 0.7, (0, len(text)))
    changed = _change(folded, targets)
    if changed is not None:
        return changed
    if len(folded) > 20:
        return None
    for name, regex in _ANYWHERE_RE.items():
        m = regex.search(folded)
        if m:
            return Parsed(Intent(name), 0.85, (m.start(), m.end()))
    return None
