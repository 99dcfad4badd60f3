"""How much a reply looks like an answer of a given type: 男 is no name, 是的 is no date.

``looks_like(kind, text, now=…, options=…)`` returns 0..1. The engine uses it where a reply may be a
confirmation or a new value (“上次登记的姓名是：龙光明，现在还是这样吗？”): a reply that does not look like
the question's type (below ``LOOKS``) must not be stored as its value. It is cheap: the type's own parser
where that is a pure function, plus one rule for every type — a reply that is only a yes/no, a
backchannel or a gender word looks like nothing but a yes/no (or a gender).

``kind`` is a question type (the values of the questionnaires' ``type``: text, single_choice,
multi_choice, yes_no, date, number, id_number, phone, ethnicity, region, photo, free_text) or one of the
two readings the engine gives some of them: ``name`` (the name question) and ``gender``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from nlu._text import fold, is_blank
from nlu.choice import Option, match_multi, match_single
from nlu.dates import parse_date
from nlu.ethnicity import parse_ethnicity
from nlu.names import parse_name
from nlu.numbers import parse_number
from nlu.person import parse_gender
from nlu.phone import parse_phone
from nlu.result import Parsed
from nlu.yesno import parse_yes_no

__all__ = ["KINDS", "LOOKS", "looks_like"]

LOOKS = 0.6  # at or above: the reply may be taken as a value of the type
KINDS = frozenset({
    "text", "free_text", "name", "gender", "single_choice", "multi_choice", "yes_no", "date", "number",
    "id_number", "phone", "ethnicity", "region", "photo",
})
_GENDER_ONLY = frozenset({"男", "女", "男的", "女的", "男性", "女性", "男士", "女士", "先生"})
_ID_RE = re.compile(r"[0-9]{17}[0-9xX叉]|[0-9]{15}")
_REGION_RE = re.compile(r"[省市县区旗盟乡镇村屯寨社区街道组]")
_STRIP = " 。.!！?？，,~～"


def _confidence(result: object) -> float:
    """The confidence of a parser's result, 0 when it did not understand."""
    return result.confidence if isinstance(result, Parsed) else 0.0


def _is_polar(core: str) -> bool:
    """A reply that is only yes, no or a backchannel (是的, 对, 没错, 嗯)."""
    if core in ("嗯", "嗯嗯", "哦", "啊", "好", "好的", "行", "可以", "没变", "没变化", "一样", "还是这样", "还是那样"):
        return True
    polar = parse_yes_no(core)
    return isinstance(polar, Parsed) and polar.confidence >= 0.85 and len(core) <= 6


def looks_like(
    kind: str, text: str, *, now: datetime | None = None, options: Sequence[Option] = (), unit: str | None = None
) -> float:
    """How much ``text`` looks like an answer of type ``kind`` (0..1; ``LOOKS`` and above: it may be one)."""
    if is_blank(text):
        return 0.0
    core = fold(text).strip(_STRIP)
    if kind == "yes_no":
        return _confidence(parse_yes_no(core))
    if kind == "gender":
        return _confidence(parse_gender(core))
    if _is_polar(core) or core in _GENDER_ONLY:
        return 0.05
    if kind == "name":
        return _confidence(parse_name(core))
    if kind == "date":
        return _confidence(parse_date(core, now or datetime.now()))
    if kind == "number":
        return _confidence(parse_number(core, expected_unit=unit))
    if kind == "phone":
        return _confidence(parse_phone(core))
    if kind == "id_number":
        return 0.9 if _ID_RE.search(core.replace(" ", "")) else 0.0
    if kind == "ethnicity":
        return _confidence(parse_ethnicity(core))
    if kind == "single_choice":
        return _confidence(match_single(core, options)) if options else 0.5
    if kind == "multi_choice":
        return _confidence(match_multi(core, options)) if options else 0.5
    if kind == "region":
        return 0.8 if _REGION_RE.search(core) else 0.4
    if kind == "photo":
        return 0.0
    return 0.7 if len(core) >= 2 else 0.4  # text, free_text: anything said with some content
