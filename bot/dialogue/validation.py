"""Validation of answers: each question's constraints (by its type), and the questionnaire's cross-field rules."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.dialogue.state import RuleWarning
from bot.questionnaire import QType, Question
from nlu.dates import DateSpan
from nlu.numbers import Precision, Quantity

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def _number(q: Question, value: Quantity) -> str | None:
    c = q.constraints
    ends = [value.value]
    if value.precision == Precision.RANGE and value.low is not None and value.high is not None:
        ends = [value.low, value.high]  # both ends of a range must be possible
    if any((c.min is not None and float(n) < c.min) or (c.max is not None and float(n) > c.max) for n in ends):
        return c.message or f"{q.title}应在{_fmt(c.min)}到{_fmt(c.max)}{q.unit or ''}之间，请再核对一下。"
    return None


def _date(q: Question, value: DateSpan, today: date) -> str | None:
    c = q.constraints
    if c.not_future and value.start > today:
        return c.message or f"{q.title}不能晚于今天，请再核对一下。"
    if c.not_before and value.end < date.fromisoformat(c.not_before):
        return c.message or f"{q.title}不能早于{c.not_before}，请再核对一下。"
    return None


def _text(q: Question, value: str) -> str | None:
    c = q.constraints
    if c.min_length is not None and len(value) < c.min_length:
        return c.message or f"{q.title}太短了，请再核对一下。"
    if c.max_length is not None and len(value) > c.max_length:
        return c.message or f"{q.title}太长了，请简短一些。"
    if c.pattern and not re.fullmatch(c.pattern, value):
        return c.message or f"{q.title}的格式不对，请再核对一下。"
    return None


def _choices(q: Question, value: list[Any] | tuple[Any, ...]) -> str | None:
    c = q.constraints
    if c.max_choices is not None and len(value) > c.max_choices:
        return c.message or f"{q.title}最多选{c.max_choices}项。"
    exclusive = {o.code for o in q.options if o.exclusive}
    if len(value) > 1 and exclusive & set(value):
        return "“都没有”不能和其他选项同时选，请再说一遍。"
    return None


def constraint_problem(q: Question, value: Any, today: date) -> str | None:
    """What is wrong with a parsed value for its question (a short Chinese message), or None."""
    if q.type == QType.NUMBER and isinstance(value, Quantity):
        return _number(q, value)
    if q.type == QType.DATE and isinstance(value, DateSpan):
        return _date(q, value, today)
    if isinstance(value, str):
        return _text(q, value)
    if q.type == QType.MULTI and isinstance(value, list | tuple):
        return _choices(q, value)
    return None


def check_rules(t: Turn, stored: dict[str, Any]) -> tuple[dict[str, list[str]], list[RuleWarning]]:
    """Check the cross-field rules the new values touch.

    A broken rule refuses the new value once: it leaves ``stored`` and comes back as a warning for the
    person to confirm or correct. Given again (or confirmed), the value is kept and flagged for review, so
    nobody is blocked for ever. Returns the flag notes by question key and the warnings.
    """
    notes: dict[str, list[str]] = {}
    warnings: list[RuleWarning] = []
    if not stored:
        return notes, warnings
    retries = t.state.rule_retries
    for rule in t.q.rules:
        touched = [k for k in rule.questions if k in stored]
        if not touched:
            continue
        env = t.env(stored)
        if any(env.get(k) is None for k in rule.questions):
            continue
        if rule.expression.holds(env):
            continue
        offender = touched[-1]
        tag = f"{rule.key}:{offender}"
        if retries.get(tag) == stored[offender]:
            # the same value given again (or confirmed) after the warning: the person insists
            notes.setdefault(offender, []).append(f"{rule.key}: {rule.message}")
            continue
        retries[tag] = stored[offender]
        warnings.append(RuleWarning(key=offender, value=stored.pop(offender), rule=rule.key, message=rule.message))
    return notes, warnings
