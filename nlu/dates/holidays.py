"""Solar-calendar holidays said as dates (元旦, 国庆节, 八一建军节); lunar ones (春节, 中秋) stay lunar."""

from __future__ import annotations

import re
from datetime import datetime
from types import MappingProxyType

from nlu.dates.convert import Converted
from nlu.dates.span import Cand, Implicit, build

# (month, day) of the fixed holidays people date things by; the numerals inside some names (五一, 八一)
# are digits in the converted text.
HOLIDAYS = MappingProxyType({
    "元旦": (1, 1), "元旦节": (1, 1),
    "妇女节": (3, 8), "38妇女节": (3, 8), "38节": (3, 8), "植树节": (3, 12),
    "劳动节": (5, 1), "51劳动节": (5, 1), "51节": (5, 1), "青年节": (5, 4), "54青年节": (5, 4),
    "儿童节": (6, 1), "61儿童节": (6, 1), "61节": (6, 1),
    "建党节": (7, 1), "71建党节": (7, 1), "建军节": (8, 1), "81建军节": (8, 1), "81节": (8, 1),
    "教师节": (9, 10), "国庆": (10, 1), "国庆节": (10, 1), "国庆日": (10, 1),
    "圣诞": (12, 25), "圣诞节": (12, 25), "平安夜": (12, 24),
})
_NAMES = "|".join(re.escape(w) for w in sorted(HOLIDAYS, key=len, reverse=True))
HOLIDAY_RE = re.compile(rf"(?:{_NAMES})(?:那天|当天|那一天)?")
CONFIDENCE = 0.9


def holiday_candidates(conv: Converted, now: datetime) -> list[Cand]:
    """Each holiday of a converted text as a day of the year of now (the year is inherited or preferred later)."""
    out: list[Cand] = []
    for m in HOLIDAY_RE.finditer(conv.text):
        name = m.group(0)
        for tail in ("那一天", "那天", "当天"):
            name = name.removesuffix(tail)
        month, day = HOLIDAYS[name]
        span = build(now.year, month, day)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, (None, month, day), CONFIDENCE, implicit=Implicit.YEAR))
    return out
