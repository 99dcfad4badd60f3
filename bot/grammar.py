"""Speech grammars from the questionnaire: the phrases a closed question can be answered with."""

from __future__ import annotations

from bot.questionnaire import QType, Question
from nlu.ethnicity import ETHNICITIES

YES_NO_PHRASES = ("是", "是的", "对", "对的", "不是", "不对", "有", "有的", "没有", "没有的", "不清楚", "不知道")
CONTROL_PHRASES = ("跳过", "返回", "上一题", "重新开始", "转人工", "暂停", "继续", "确认提交")


def phrases_for(q: Question | None) -> list[str] | None:
    """The allowed phrases for recognising an answer to ``q``; None means free decoding."""
    if q is None:
        return None
    phrases: list[str] = []
    if q.type in (QType.SINGLE, QType.MULTI):
        for o in q.options:
            phrases.append(o.label)
            phrases.extend(o.synonyms)
    elif q.type == QType.YES_NO:
        phrases.extend(YES_NO_PHRASES)
    elif q.type == QType.ETHNICITY:
        for e in ETHNICITIES:
            phrases.append(e.name)
    else:
        return None
    phrases.extend(CONTROL_PHRASES)
    return list(dict.fromkeys(p for p in phrases if p))
