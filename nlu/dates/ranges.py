"""Choosing among overlapping readings and joining A到B / A-B / A至今 into spans."""

from __future__ import annotations

import re
from datetime import datetime

from nlu.dates.span import Cand, DateSpan, Implicit, build

CONNECT_RE = re.compile(r"\s*(?:一直到|直到|一直至|到|至|-+|~|—+)\s*")
UNTIL_NOW_RE = re.compile(
    r"\s*(?:(?:一直)?(?:到|至|直到)\s*(?:现在|今天|今|如今|目前|当前|眼下|这会儿?)(?:为止)?|至今|迄今|以来|到今)"
)


def select(cands: list[Cand]) -> list[Cand]:
    """Keep the longest non-overlapping candidates, in text order (a readable one wins a tie)."""
    ordered = sorted(cands, key=lambda c: (-(c.end - c.start), c.start, c.span is None, -c.confidence))
    chosen: list[Cand] = []
    for c in ordered:
        if all(c.end <= k.start or c.start >= k.end for k in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


def merge(cands: list[Cand], text: str, now: datetime) -> list[Cand]:
    """Join A到B / A-B into spans, letting B inherit the year and month it leaves out; A至今 ends today."""
    out: list[Cand] = []
    i = 0
    today = now.date()
    while i < len(cands):
        a = cands[i]
        if a.span is not None:
            until = UNTIL_NOW_RE.match(text, a.end)
            if until and a.span.start <= today:
                nxt = cands[i + 1].start if i + 1 < len(cands) else len(text)
                if until.end() <= nxt:
                    out.append(Cand(a.start, until.end(), DateSpan(a.span.start, today, "span"), a.fields,
                                    a.confidence, implicit=a.implicit))
                    i += 1
                    continue
            if i + 1 < len(cands):
                b = cands[i + 1]
                if b.span is not None and CONNECT_RE.fullmatch(text[a.end : b.start]):
                    b_span = inherit(a, b)
                    if b_span is not None and b_span.end >= a.span.start:
                        merged = DateSpan(a.span.start, b_span.end, "span")
                        conf = min(a.confidence, b.confidence) if b.implicit is Implicit.NONE else a.confidence
                        out.append(Cand(a.start, b.end, merged, a.fields, conf,
                                        implicit=a.implicit))
                        i += 2
                        continue
        out.append(a)
        i += 1
    return out


def inherit(a: Cand, b: Cand) -> DateSpan | None:
    """Resolve the end of a span, filling its missing year/month from the start."""
    assert a.span is not None
    by, bm, bd = b.fields
    ay, am, _ = a.fields
    if by is None and bm is None and bd is not None and am is not None:
        return build(a.span.start.year, a.span.start.month, bd)
    if by is None and bm is not None and (ay is not None or b.span is None):
        return build(a.span.start.year, bm, bd)
    if by is not None and by < 100:
        century = a.span.start.year // 100 * 100
        year = century + by
        if year < a.span.start.year:
            year += 100
        return build(year, bm, bd)
    return b.span
