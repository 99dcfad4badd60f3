"""Which named options an answer denies (低保没有, 没有低保, 医保和低保都没有)."""

from __future__ import annotations

import re

from nlu.choice.mentions import Mention

_BOUNDARY_RE = re.compile(r"[，,。.;；!！?？\n]|但是|但|可是|不过|就是")
_MARKER_RE = re.compile(r"(?P<neg>没有|没|不是|不|无|未|非)|(?P<aff>有|是|享受|参加|办了|交了|买了|领着|在领|拿着)")
_CONJ_RE = re.compile(r"^[\s和跟与及、,，还有以及或或者也都还]*$")


def negations(text: str, mentions: list[Mention]) -> list[bool]:
    """For each mention, whether the sentence denies it (低保没有, 没有低保, 医保和低保都没有)."""
    n = len(mentions)
    if n == 0:
        return []
    pre: list[bool | None] = [None] * n
    post: list[bool | None] = [None] * n
    linked = [False] * n  # linked[i]: mention i is joined to i-1 by a mere conjunction

    def markers(segment: str) -> list[tuple[bool, int]]:
        return [(m.group("neg") is None, m.start()) for m in _MARKER_RE.finditer(segment)]

    for i in range(n + 1):
        left = mentions[i - 1].end if i > 0 else 0
        right = mentions[i].start if i < n else len(text)
        gap = text[left:right]
        cut = None
        for b in _BOUNDARY_RE.finditer(gap):
            cut = b
        if cut is not None:
            post_part, pre_part = gap[: cut.start()], gap[cut.end() :]
            if i > 0:
                marks = markers(post_part)
                if marks:
                    post[i - 1] = marks[0][0]
            if i < n:
                marks = markers(pre_part)
                if marks:
                    pre[i] = marks[-1][0]
            continue
        marks = markers(gap)
        if i == 0:
            if marks:
                pre[0] = marks[-1][0]
            continue
        if i == n:
            if marks:
                post[i - 1] = marks[0][0]
            continue
        if not marks:
            if _CONJ_RE.match(gap):
                linked[i] = True
            continue
        first_aff, first_pos = marks[0]
        leading = gap[:first_pos].strip("也都还就倒 ")
        if not leading and pre[i - 1] is None:
            post[i - 1] = first_aff
            if len(marks) > 1:
                pre[i] = marks[-1][0]
        else:
            pre[i] = marks[-1][0]
    state: list[bool | None] = [post[i] if post[i] is not None else pre[i] for i in range(n)]
    for i in range(n - 1, 0, -1):  # 医保和低保都没有: a denial after the last item covers the list
        if linked[i] and state[i - 1] is None and post[i] is not None:
            state[i - 1] = state[i]
    for i in range(1, n):  # 有医保和养老保险: an affirmation before the first item covers the list
        if linked[i] and state[i] is None:
            state[i] = state[i - 1]
    return [s is False for s in state]

