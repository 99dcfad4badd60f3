"""The 56 ethnic groups of GB/T 3304, from full names, short forms and common wordings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from nlu._data import read_table
from nlu._text import clamp, fold, is_blank
from nlu.choice import Option, match_single
from nlu.result import NotUnderstood, Parsed, Result, empty


@dataclass(frozen=True)
class Ethnicity:
    """An ethnic group by its GB/T 3304 code and name."""

    code: str
    name: str


_ROWS = read_table("ethnic_gb3304.tsv")
ETHNICITIES: tuple[Ethnicity, ...] = tuple(Ethnicity(r[0], r[1]) for r in _ROWS)
SHORT_FORMS = MappingProxyType({r[0]: r[2] for r in _ROWS})
_BY_CODE = MappingProxyType({e.code: e for e in ETHNICITIES})
_ALIASES = MappingProxyType(
    {"蒙族": "02", "维族": "05", "哈族": "17", "回民": "03", "汉人": "01", "汉民": "01", "藏民": "04",
     "柯族": "29", "朝族": "10", "满人": "11", "鄂族": "45", "裕固人": "48", "东乡人": "26", "保安人": "47",
     "撒拉人": "35", "土族人": "30", "维吾尔人": "05", "穿青人": "", "未识别民族": ""}
)
# Full names, and short forms followed by 族/民/人; longest first.
_NAMES: dict[str, str] = {}
for _e in ETHNICITIES:
    _NAMES[_e.name] = _e.code
for _alias, _code in _ALIASES.items():
    if _code:
        _NAMES[_alias] = _code
for _code, _short in SHORT_FORMS.items():
    for _suffix in ("民", "人", "族人"):
        _NAMES.setdefault(_short + _suffix, _code)
NAME_TO_CODE = MappingProxyType(dict(_NAMES))
del _NAMES
_NAME_RE = re.compile("|".join(re.escape(n) for n in sorted(NAME_TO_CODE, key=len, reverse=True)))
_SHORT_TO_CODE = MappingProxyType({s: c for c, s in SHORT_FORMS.items()})
_FILLER_RE = re.compile(r"^(?:我是|我们是|是|我|俺是|民族是|民族|我的民族是|我们家是|属于)+|(?:的|啊|呀|吧|哦|。|！|!|\s)+$")
_FUZZY_OPTIONS: tuple[Option, ...] = tuple(
    Option(e.code, e.name, (SHORT_FORMS[e.code] + "民",) if len(SHORT_FORMS[e.code]) == 1 else ()) for e in ETHNICITIES
)
_MESSAGE = "没有听出是哪个民族，请说民族名称，例如“汉族”“回族”。"


def parse_ethnicity(text: str) -> Result[Ethnicity]:
    """Read an ethnic group from an answer such as 回族, 回, 我是回民, 汉族人."""
    if is_blank(text):
        return empty()
    folded = fold(text).strip()
    found = [(NAME_TO_CODE[m.group(0)], m.start(), m.end()) for m in _NAME_RE.finditer(folded)]
    codes = {c for c, _, _ in found}
    if len(codes) == 1:
        code, start, end = found[0]
        exact = folded[start:end] in {e.name for e in ETHNICITIES}
        return Parsed(_BY_CODE[code], clamp(1.0 if exact else 0.95), (start, end))
    if len(codes) > 1:
        return NotUnderstood("ambiguous", "您说到了不止一个民族，请只说您本人的民族。")
    core = _FILLER_RE.sub("", folded)
    short_code = _SHORT_TO_CODE.get(core)
    if short_code is not None:
        start = folded.find(core)
        return Parsed(_BY_CODE[short_code], 0.9, (start, start + len(core)))
    if len(core) <= 6 and ("族" in core or core.endswith("民")):
        heard = match_single(core, _FUZZY_OPTIONS)  # 会族 -> 回族, 东相族 -> 东乡族
        if isinstance(heard, Parsed) and heard.extra.get("fuzzy"):
            offset = folded.find(core)
            span = (offset + heard.span[0], offset + heard.span[1])
            return Parsed(_BY_CODE[heard.value], clamp(min(heard.confidence, 0.75)), span, {"fuzzy": True})
    return NotUnderstood("no_match", _MESSAGE)


def ethnicity_by_code(code: str) -> Ethnicity | None:
    """Look an ethnic group up by its two-digit code."""
    return _BY_CODE.get(code)
