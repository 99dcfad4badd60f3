"""A demo person's value said as they would type it in a chat: the words, not the stored form.

The engine reads these words with the real parsers, so what is stored (option codes, dates with
their granularity, quantities with units) is whatever the engine understands of them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from admin.demo.values import SKIP
from bot.questionnaire import QType, Question

SKIP_WORD = "跳过"


def utterance(question: Question, value: Any) -> str:
    """The reply a person types for ``value`` of ``question`` (“跳过” for an optional one left out)."""
    if value is SKIP or value is None:
        return SKIP_WORD
    t = question.type
    if t == QType.SINGLE:
        return _label(question, str(value))
    if t == QType.MULTI:
        return "、".join(_label(question, str(code)) for code in value)
    if t == QType.YES_NO:
        return "是" if value == "yes" else "没有"
    if t == QType.DATE:
        return _date(value)
    if t == QType.NUMBER:
        return f"{value['value']}{question.unit or ''}{'左右' if value.get('approximate') else ''}"
    if t == QType.ETHNICITY:
        return str(value["name"])
    if t == QType.REGION:
        return "".join(str(value).split("/")[1:])  # the place without the province, as people say it
    if t == QType.PHOTO:
        return SKIP_WORD
    return str(value)


def _label(question: Question, code: str) -> str:
    option = question.option(code)
    if option is None:
        raise ValueError(f"{question.key} has no option {code!r}")
    return option.label


def _date(value: dict[str, str]) -> str:
    start = date.fromisoformat(value["start"])
    granularity = value.get("granularity", "day")
    if granularity == "year":
        return f"{start.year}年"
    if granularity == "month":
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{start.month}月{start.day}日"
