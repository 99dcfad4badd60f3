"""Yes / no / unsure / refuse answers, read by a small grammar over tokens.

``parse_yes_no(text)`` returns ``Parsed(value, confidence, span, extra)`` with value ``yes``, ``no``,
``unsure`` or ``refuse`` (``extra["hedged"]`` for 应该没有吧, 好像有), ``NotUnderstood("question")``
for a question back (是不是? 有吗? 啥意思) and ``NotUnderstood("no_match")`` otherwise.

The answer is cut into units (``lexer``), split into clauses, and each clause is read by the grammar
(``grammar``); the clauses are then weighed here: the present (现在没有了) wins over the past (以前有),
a comment after 但是 does not change the answer, and clauses that disagree without a word of time give
a confidence below 0.6 so that the engine flags the value for review.
"""

from __future__ import annotations

from nlu._text import clamp, is_blank
from nlu.result import NotUnderstood, Parsed, Result, empty
from nlu.yesno.grammar import Answer, Reading, clauses, read
from nlu.yesno.lexer import atoms
from nlu.yesno.lexicon import Kind

__all__ = ["parse_yes_no"]

_MESSAGE = "请回答“是”或“不是”（“有”或“没有”）；不清楚也可以直接说“不清楚”。"
_QUESTION_MESSAGE = "请直接回答“是”或“不是”（“有”或“没有”）。"
_GUESS = 0.55  # below the engine's 0.6: stored with a flag for review
_POLAR = (Answer.YES, Answer.NO)


def _weigh(readings: list[Reading]) -> Reading | None:
    """One reading for the whole answer from the readings of its clauses."""
    if len(readings) > 1:
        answering = [r for r in readings if not r.backchannel]
        readings = answering or readings[:1]
    refusals = [r for r in readings if r.answer == Answer.REFUSE]
    if refusals:
        alone = all(r.answer == Answer.REFUSE for r in readings)
        return Reading(Answer.REFUSE, 0.95 if alone else 0.85, refusals[0].span, hedged=False)
    polar = [r for r in readings if r.answer in _POLAR]
    unsure = [r for r in readings if r.answer == Answer.UNSURE]
    if unsure:
        return Reading(Answer.UNSURE, unsure[0].confidence if not polar else _GUESS, unsure[0].span)
    if not polar:
        return readings[0] if readings and readings[0].answer == Answer.QUESTION else None
    cap = 1.0
    if any(r.answer == Answer.QUESTION for r in readings):
        cap = _GUESS if readings[0].answer == Answer.QUESTION else 0.85
    now = [r for r in polar if r.marker == Kind.NOW]
    if now:
        chosen = now[-1]
        return _capped(chosen, min(cap, 0.9))
    main = [r for r in polar if r.marker not in (Kind.CONTRAST, Kind.PAST, Kind.COND)]
    past = [r for r in polar if r.marker == Kind.PAST]
    values = {r.answer for r in polar}
    if len(polar) > 1:
        cap = min(cap, 0.95)
    if not main:
        chosen = polar[0]
        if past:
            cap = min(cap, _GUESS)  # only about the past: 以前领过
        if len(values) > 1:
            cap = min(cap, _GUESS)
        return _capped(chosen, cap)
    chosen = main[0]
    if len({r.answer for r in main}) > 1:
        cap = min(cap, _GUESS)
    elif past and any(r.answer != chosen.answer for r in past):
        later = all(p.span[0] < chosen.span[0] for p in past)
        cap = min(cap, _GUESS if later else _GUESS)
        chosen = main[-1]
    elif len(values) > 1:
        cap = min(cap, 0.75)  # 有是有，但是…: the comment after 但是 does not change the answer
    return _capped(chosen, cap)


def _capped(reading: Reading, cap: float) -> Reading:
    return Reading(reading.answer, min(reading.confidence, cap), reading.span, reading.marker, reading.hedged)


def parse_yes_no(text: str) -> Result[str]:
    """Read yes / no / unsure / refuse from an answer; hedges (应该没有吧) lower the confidence to 0.7."""
    if is_blank(text):
        return empty()
    try:
        units = atoms(text)
    except (ValueError, IndexError, KeyError):  # pragma: no cover - the lexer is total; a last guard
        return NotUnderstood("no_match", _MESSAGE)
    readings = [r for r in (read(c) for c in clauses(units)) if r is not None]
    reading = _weigh(readings)
    if reading is None:
        return NotUnderstood("no_match", _MESSAGE)
    if reading.answer == Answer.QUESTION:
        return NotUnderstood("question", _QUESTION_MESSAGE)
    extra = {"hedged": True} if reading.hedged and reading.answer in _POLAR else {}
    return Parsed(reading.answer.value, clamp(reading.confidence), reading.span, extra)
