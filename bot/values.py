"""Answer values: between nlu's typed results, stored JSON, expression values and display text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.questionnaire import QType, Question
from nlu.dates import DateSpan
from nlu.ethnicity import Ethnicity
from nlu.idcard import IdNumber
from nlu.numbers import Quantity
from storage.crypto import mask_id_number, mask_phone

YES_NO_LABELS = {"yes": "是", "no": "否", "unsure": "不清楚", "refuse": "不愿回答"}


@dataclass(frozen=True)
class Stored:
    """A value already in stored form (a confirmed roster or last-year value)."""

    value: Any


def encode(q: Question, value: Any) -> Any:
    """Turn a parsed value into its stored, JSON-serialisable form."""
    if value is None:
        return None
    if isinstance(value, Stored):
        return value.value
    if isinstance(value, DateSpan):
        return {"start": value.start.isoformat(), "end": value.end.isoformat(), "granularity": value.granularity}
    if isinstance(value, Quantity):
        return {"value": value.value, "unit": value.unit or q.unit, "approximate": value.approximate}
    if isinstance(value, IdNumber):
        return value.number
    if isinstance(value, Ethnicity):
        return {"code": value.code, "name": value.name}
    if isinstance(value, tuple):
        return list(value)
    return value


def decode_date(stored: Any) -> DateSpan | None:
    """A stored date value as a span."""
    if not isinstance(stored, dict) or "start" not in stored:
        return None
    return DateSpan(date.fromisoformat(stored["start"]), date.fromisoformat(stored["end"]), stored["granularity"])


def expression_value(q: Question, stored: Any) -> Any:
    """The value a stored answer has inside relevance conditions and rules."""
    if stored is None:
        return None
    if q.type == QType.DATE:
        return decode_date(stored)
    if q.type == QType.NUMBER and isinstance(stored, dict):
        return stored.get("value")
    if q.type == QType.ETHNICITY and isinstance(stored, dict):
        return stored.get("code")
    return stored


def display(q: Question, stored: Any, *, mask: bool = False) -> str:
    """A short Chinese rendering of a stored value, for read-backs and summaries."""
    if stored is None:
        return "（未填写）"
    t = q.type
    if t == QType.DATE:
        span = decode_date(stored)
        return span.display() if span else str(stored)
    if t == QType.NUMBER and isinstance(stored, dict):
        number = stored.get("value")
        text = f"{int(number)}" if isinstance(number, float) and number.is_integer() else f"{number}"
        unit = stored.get("unit") or q.unit or ""
        return f"约{text}{unit}" if stored.get("approximate") else f"{text}{unit}"
    if t == QType.SINGLE:
        opt = q.option(str(stored))
        return opt.label if opt else str(stored)
    if t == QType.MULTI:
        if not stored:
            return "无"
        labels = [(q.option(str(c)).label if q.option(str(c)) else str(c)) for c in stored]  # type: ignore[union-attr]
        return "、".join(labels)
    if t == QType.YES_NO:
        return YES_NO_LABELS.get(str(stored), str(stored))
    if t == QType.ETHNICITY and isinstance(stored, dict):
        return str(stored.get("name", stored.get("code")))
    if t == QType.PHOTO:
        return "已上传照片"
    if t == QType.ID_NUMBER and mask:
        return mask_id_number(str(stored))
    if t == QType.PHONE and mask:
        return mask_phone(str(stored))
    return str(stored)
