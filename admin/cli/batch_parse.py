"""``intake parse TYPE``: one answer per input line in, one JSON object per line out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from bot.questionnaire import Question
from bot.understanding import Understanding
from nlu.dates import DateSpan, parse_date
from nlu.ethnicity import Ethnicity, parse_ethnicity
from nlu.idcard import IdNumber, parse_id_number
from nlu.numbers import Quantity, normalize, parse_number, read_digits
from nlu.phone import parse_phone
from nlu.result import NotUnderstood, Parsed
from nlu.yesno import parse_yes_no
from storage.errors import InvalidInput

TYPES = ("number", "digits", "normalize", "date", "id_number", "phone", "yes_no", "ethnicity", "choice")


class ParseCommandError(InvalidInput, ValueError):
    """The command was called wrongly (unknown type, missing question)."""


def make_parser(
    kind: str, now: datetime, question: Question | None = None, understanding: Understanding | None = None,
    *, ahead: bool = False,
) -> Callable[[str], Parsed[Any] | NotUnderstood]:
    """The parse function for one TYPE of the command."""
    if kind == "number":
        return parse_number
    if kind == "digits":
        return read_digits
    if kind == "normalize":
        return lambda text: Parsed(normalize(text), 1.0, (0, len(text)))
    if kind == "date":
        return lambda text: parse_date(text, now, future=ahead)
    if kind == "id_number":
        return lambda text: parse_id_number(text, now.date())
    if kind == "phone":
        return parse_phone
    if kind == "yes_no":
        return parse_yes_no
    if kind == "ethnicity":
        return parse_ethnicity
    if kind == "choice":
        if question is None or understanding is None:
            raise ParseCommandError("choice needs --questionnaire NAME --question KEY")
        q, u = question, understanding
        return lambda text: u.parse(q, text, now)
    raise ParseCommandError(f"unknown type {kind!r}; one of: {', '.join(TYPES)}")


def _tidy(number: int | float) -> int | float:
    return int(number) if float(number).is_integer() else number


def to_fields(value: Any) -> dict[str, Any]:
    """The output fields of a parsed value: ``value`` plus, for some types, fields beside it."""
    if isinstance(value, DateSpan):
        return {"value": {"start": value.start.isoformat(), "end": value.end.isoformat(),
                          "granularity": value.granularity}}
    if isinstance(value, Quantity):
        fields: dict[str, Any] = {"value": _tidy(value.value), "unit": value.unit, "approximate": value.approximate,
                                  "precision": value.precision.value}
        if value.low is not None:
            fields["low"] = _tidy(value.low)
        if value.high is not None:
            fields["high"] = _tidy(value.high)
        return fields
    if isinstance(value, IdNumber):
        return {"value": value.number, "birth_date": value.birth_date.isoformat(), "gender": value.gender,
                "region_code": value.region_code}
    if isinstance(value, Ethnicity):
        return {"value": value.name, "code": value.code}
    if isinstance(value, tuple):
        return {"value": list(value)}
    return {"value": value}


def run(lines: Iterable[str], parse: Callable[[str], Parsed[Any] | NotUnderstood]) -> Iterator[str]:
    """One JSON line per input line; a line that cannot be read gives an ``error``, never a stop."""
    for line in lines:
        text = line.rstrip("\r\n")
        result = parse(text)
        out: dict[str, Any] = {"input": text}
        if isinstance(result, NotUnderstood):
            out["error"] = result.reason
            out["message"] = result.message
        else:
            out.update(to_fields(result.value))
            out["confidence"] = round(result.confidence, 3)
        yield json.dumps(out, ensure_ascii=False)
