"""Decades and centuries: 九十年代, 上世纪80年代初, 19世纪70年代, 一九八几年, 八几年."""

from __future__ import annotations

import re
from datetime import datetime

from nlu.dates.convert import Converted
from nlu.dates.span import Cand, years

DECADE_RE = re.compile(
    r"(?P<cent>上上世纪|上上个世纪|上世纪|上个世纪|本世纪|这个世纪|(?P<cn>\d{1,2})世纪)?的?(?<!\d)(?P<y>\d{1,3})0\s*年代"
    r"(?P<mod>中后期|中前期|前期|初期|初|中期|中叶|中|后期|末期|末)?"
)
CENTURY_RE = re.compile(
    r"(?P<cent>上上世纪|上上个世纪|上世纪|上个世纪|本世纪|这个世纪|(?<!\d)(?P<cn>\d{1,2})世纪)(?!\d)"
    r"(?P<mod>初期|初|中期|中叶|后期|末期|末|前半叶|后半叶)?"
)
SOME_YEAR_RE = re.compile(r"(?<!\d)(?:(?P<c>19|20)(?P<d3>\d)|(?P<d>[1-9]))几年(?!前|以前|之前|了|来|的时间|多)")
# (first, last) year of the decade each modifier keeps, and the confidence it leaves.
_DECADE_MODS = {
    None: (0, 9, 0.9), "初": (0, 3, 0.8), "初期": (0, 3, 0.8), "前期": (0, 3, 0.75), "中前期": (2, 5, 0.65),
    "中": (3, 6, 0.75), "中期": (3, 6, 0.75), "中叶": (3, 6, 0.75), "中后期": (5, 9, 0.65),
    "后期": (7, 9, 0.8), "末": (7, 9, 0.8), "末期": (7, 9, 0.8),
}
_CENTURY_MODS = {
    None: (0, 99, 0.85), "初": (0, 9, 0.7), "初期": (0, 9, 0.7), "中期": (40, 69, 0.65), "中叶": (40, 69, 0.65),
    "后期": (70, 99, 0.65), "末": (90, 99, 0.7), "末期": (90, 99, 0.7), "前半叶": (0, 49, 0.7),
    "后半叶": (50, 99, 0.7),
}


def century_base(cent: str | None, cn: str | None, now: datetime) -> int | None:
    """The first year (1900 for 20世纪 and, now in the 21st century, 上世纪) of a named century."""
    current = now.year // 100 * 100
    if cn:
        n = int(cn)
        return (n - 1) * 100 if 1 <= n <= 22 else None
    if cent in ("上世纪", "上个世纪"):
        return current - 100
    if cent in ("上上世纪", "上上个世纪"):
        return current - 200
    if cent in ("本世纪", "这个世纪"):
        return current
    return None


def decade_candidates(conv: Converted, now: datetime) -> list[Cand]:
    """Decades (with their century when said), centuries and 八几年."""
    text = conv.text
    out: list[Cand] = []
    for m in DECADE_RE.finditer(text):
        digits, cent = m.group("y"), m.group("cent")
        if len(digits) == 3:
            base = int(digits) * 10
        elif len(digits) == 1:
            dec = int(digits) * 10
            if cent:
                century = century_base(cent, m.group("cn"), now)
                if century is None:
                    continue
                base = century + dec
            else:
                base = 2000 + dec if 2000 + dec <= now.year else 1900 + dec
        else:
            continue
        lo, hi, conf = _DECADE_MODS[m.group("mod")]
        if len(digits) == 1 and not cent and base >= 2000 and base + 9 >= now.year:
            conf = min(conf, 0.5)  # 二十年代 in 2022: the 1920s or the decade now running
        span = years(base + lo, base + hi, "decade" if m.group("mod") is None else "span")
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, (base, None, None), conf))
    for m in CENTURY_RE.finditer(text):
        base = century_base(m.group("cent"), m.group("cn"), now)
        if base is None:
            continue
        lo, hi, conf = _CENTURY_MODS[m.group("mod")]
        span = years(base + lo, base + hi)
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, (base, None, None), min(conf, 0.55 if not m.group("mod") else conf)))
    for m in SOME_YEAR_RE.finditer(text):
        if m.group("c"):
            base = int(m.group("c") + m.group("d3")) * 10
        else:
            dec = int(m.group("d")) * 10
            base = 2000 + dec if 2000 + dec <= now.year else 1900 + dec
        span = years(base, base + 9, "decade")
        if span is not None:
            out.append(Cand(m.start(), m.end(), span, (base, None, None), 0.7))
    return out
