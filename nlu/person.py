"""Personal name (read by ``nlu.names``) and gender from answers such as 我叫张三 or 男的."""

from __future__ import annotations

import re

from nlu._text import clamp, fold, is_blank
from nlu.names import COMPOUND_SURNAMES, SURNAMES, find_name, has_known_surname, parse_name
from nlu.result import NotUnderstood, Parsed, Result, empty

__all__ = [
    "COMPOUND_SURNAMES", "SURNAMES", "find_gender", "find_name", "has_known_surname", "parse_gender", "parse_name",
]

_MALE = ("男性", "男士", "男的", "男同志", "先生", "男人", "男孩", "男", "公")
_FEMALE = ("女性", "女士", "女的", "女同志", "女人", "女孩", "女", "母", "太太")
_GENDER_WORDS = {**{w: "男" for w in _MALE}, **{w: "女" for w in _FEMALE}}
_GENDER_RE = re.compile("|".join(sorted(_GENDER_WORDS, key=len, reverse=True)))
_FIND_GENDER_RE = re.compile(
    r"(?:(?<=性别)|(?<=性别是)|(?<=性别:)|(?<=性别：)|(?<=^)|(?<=[，,。;；\s、]))(?P<g>男性|女性|男|女)(?=$|[，,。;；\s、的]|性)"
)


def parse_gender(text: str) -> Result[str]:
    """Read 男/女 from 男, 女的, 女性, 先生, 女士 and similar answers."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    hits = [(m, _GENDER_WORDS[m.group(0)]) for m in _GENDER_RE.finditer(folded)]
    hits = [(m, g) for m, g in hits if m.group(0) not in ("公", "母") or len(folded.strip()) <= 2]
    values = {g for _, g in hits}
    if not values:
        return NotUnderstood("no_match", "请说“男”或“女”。")
    if len(values) > 1:
        return NotUnderstood("ambiguous", "没听清是男还是女，请再说一遍。")
    m, value = hits[0]
    core = folded.strip(" 。.!！的是我")
    confidence = 1.0 if core in ("男", "女", "男性", "女性") else 0.9
    return Parsed(value, clamp(confidence), (m.start(), m.end()))


def find_gender(text: str) -> Parsed[str] | None:
    """Find 男/女 standing on its own in a longer sentence (我叫张三，男，汉族)."""
    if is_blank(text):
        return None
    m = _FIND_GENDER_RE.search(fold(text))
    if not m:
        return None
    return Parsed("男" if m.group("g").startswith("男") else "女", 0.9, (m.start("g"), m.end("g")))
