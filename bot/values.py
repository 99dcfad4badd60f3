"""Answer values: between nlu's typed results, stored JSON, expression values and display text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.questionnaire import Mask, QType, Question
from nlu.dates import DateSpan
from nlu.ethnicity import Ethnicity
from nlu.idcard import IdNumber
from nlu.numbers import Precision, Quantity
from storage.crypto import mask_id_number, mask_name, mask_phone

YES_NO_LABELS = {"yes": "是", "no": "否", "unsure": "不清楚", "refuse": "不愿回答"}
HIDDEN = "（已隐藏）"
UNANSWERED = "（未填写）"


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
        stored: dict[str, Any] = {"value": value.value, "unit": value.unit or q.unit, "approximate": value.approximate}
        if value.precision == Precision.RANGE:  # kept as said: a range never becomes one number
            stored.update(range=True, low=value.low, high=value.high)
        elif value.low is not None or value.high is not None:  # 五百多: 500 < x < 600
            stored.update(low=value.low, high=value.high)
        return stored
    if isinstance(value, IdNumber):
        return value.number
    if isinstance(value, Ethnicity):
        return {"code": value.code, "name": value.name}
    if isinstance(value, tuple):
        return list(value)
    return value


def number_text(number: Any) -> str:
    """A stored number as written back: 3000, not 3000.0."""
    return f"{int(number)}" if isinstance(number, float) and number.is_integer() else f"{number}"


def number_bounds(stored: Any) -> tuple[float, float] | None:
    """The lowest and highest value a stored number allows (a range's ends; one value twice)."""
    if not isinstance(stored, dict) or stored.get("value") is None:
        return None
    if stored.get("range") and stored.get("low") is not None and stored.get("high") is not None:
        return float(stored["low"]), float(stored["high"])
    return float(stored["value"]), float(stored["value"])


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
    """A short Chinese rendering of a stored value, for read-backs and summaries.

    With ``mask`` the numbers that identify a person (ID numbers and ID-like numbers such as the
    disability certificate number, phones) are masked: what a person's own read-back shows. Staff
    views use :func:`for_staff`, which masks by the question's whole mask.
    """
    if stored is None:
        return UNANSWERED
    shown = _plain(q, stored)
    if mask and q.mask in (Mask.ID_NUMBER, Mask.PHONE):
        return mask_shown(q.mask, shown)
    return shown


def for_staff(q: Question, stored: Any) -> str:
    """A stored value as staff without the reveal permission see it: masked as its question says."""
    if stored is None:
        return UNANSWERED
    return mask_shown(q.mask, _plain(q, stored))


_DIGIT = re.compile(r"[0-9]")
_YEAR = re.compile(r"[0-9]{4}")


def mask_shown(mask: Mask, text: str) -> str:
    """A rendered value (display text or export cell) with a mask applied."""
    if mask == Mask.NONE or not text:
        return text
    if mask == Mask.ID_NUMBER:
        return mask_id_number(text)
    if mask == Mask.PHONE:
        return mask_phone(text)
    if mask == Mask.NAME:
        return mask_name(text)
    if mask == Mask.YEAR:
        year = _YEAR.search(text)
        if year is None:
            return HIDDEN
        return _DIGIT.sub("*", text[:year.start()]) + year.group(0) + _DIGIT.sub("*", text[year.end():])
    return HIDDEN


def _plain(q: Question, stored: Any) -> str:
    """The rendering of a stored value, unmasked."""
    t = q.type
    if t == QType.DATE:
        span = decode_date(stored)
        return span.display() if span else str(stored)
    if t == QType.NUMBER and isinstance(stored, dict):
        unit = stored.get("unit") or q.unit or ""
        if stored.get("range") and stored.get("low") is not None and stored.get("high") is not None:
            return f"{number_text(stored['low'])}至{number_text(stored['high'])}{unit}"
        text = number_text(stored.get("value"))
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
    return str(stored)
