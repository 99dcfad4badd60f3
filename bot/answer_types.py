"""Answer types, and what their values reveal: the coded types, money units, and the masks staff see.

The rule that decides whether an answer is sealed and how it is masked is in :mod:`bot.questionnaire`
(``Question.sensitive`` and ``Question.mask``); this module holds its vocabulary.
"""

from __future__ import annotations

import re
from enum import StrEnum


class QType(StrEnum):
    """The answer types a question can have."""

    TEXT = "text"
    SINGLE = "single_choice"
    MULTI = "multi_choice"
    YES_NO = "yes_no"
    DATE = "date"
    NUMBER = "number"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    ETHNICITY = "ethnicity"
    REGION = "region"
    PHOTO = "photo"
    FREE_TEXT = "free_text"


CHOICE_TYPES = frozenset({QType.SINGLE, QType.MULTI})
#: types whose values are codes or measures that identify nobody by themselves
CODED_TYPES = frozenset({QType.SINGLE, QType.MULTI, QType.YES_NO, QType.ETHNICITY, QType.NUMBER})
#: number units that make a number a money amount (always sealed)
MONEY_UNITS = frozenset({"元", "万元", "千元", "百元", "角", "块", "块钱", "元/月", "元/年"})


class Mask(StrEnum):
    """How a value is shown to staff who may not reveal it (record views, lists, exports)."""

    NONE = "none"  # shown as it is: codes, measures, non-identifying dates, regions
    ID_NUMBER = "id_number"  # first 6 and last 4 characters: ID numbers and ID-like numbers
    PHONE = "phone"  # first 3 and last 4 digits
    NAME = "name"  # the first character
    YEAR = "year"  # a date derived from the ID number: the year only
    HIDDEN = "hidden"  # not shown: free text, other text


def id_like_pattern(pattern: str | None) -> bool:
    """Whether a text pattern accepts a long run of digits such as an ID number or a certificate number."""
    if not pattern:
        return False
    probes = ["1" * n for n in range(15, 23)] + ["1" * 17 + "X" + "1" * n for n in range(0, 5)]
    try:
        return any(re.fullmatch(pattern, probe) for probe in probes)
    except re.error:
        return False
