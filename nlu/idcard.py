"""Chinese resident ID numbers (GB 11643-1999): spoken or typed, checked and decoded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from nlu._text import clamp, fold, is_blank
from nlu.numbers import SPOKEN_DIGITS
from nlu.result import NotUnderstood, Parsed, Result, empty


@dataclass(frozen=True)
class IdNumber:
    """A valid ID number with the facts it encodes."""

    number: str
    birth_date: date
    gender: str
    region_code: str


PROVINCES = MappingProxyType(
    {
        "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
        "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
        "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
        "37": "山东省",
        "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
        "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
        "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
        "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区", "83": "台湾居民居住证",
    }
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_X_CHARS = frozenset("xX叉差插")
_SEPARATORS = frozenset(" -_,，、.。杠")
_MESSAGES = MappingProxyType(
    {
        "no_number": "没有听出身份证号码，请一位一位地说，最后一位是X可以说“叉”。",
        "bad_length": "身份证号码应该是18位，您说的是{n}位，请再核对一下。",
        "bad_format": "身份证号码格式不对，只有最后一位可以是X，请再核对一下。",
        "checksum": "身份证号码校验不通过，请再核对一下。",
        "impossible_date": "身份证号码里的出生日期不存在，请再核对一下。",
        "future_date": "身份证号码里的出生日期晚于今天，请再核对一下。",
        "unknown_province": "身份证号码前两位不是有效的省份代码，请再核对一下。",
        "two_numbers": "您说了两个不同的身份证号码，请只说一个：要登记的那个人的。",
    }
)
_EARLIEST_YEAR = 1800  # nobody alive or on a roster was born before (id-validator uses the same bound)


def check_char(first17: str) -> str:
    """Compute the GB 11643 MOD 11-2 check character of 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@dataclass(frozen=True)
class _Group:
    """Characters read as one ID number candidate between separators, with its span in the text."""

    chars: str
    start: int
    end: int


def _runs(folded: str) -> list[list[_Group]]:
    """Runs of (spoken) digits and check characters; a run is a list of groups cut at separators
    (spaces, dashes, commas …), which a person may put inside a number or between two numbers."""
    runs: list[list[_Group]] = []
    groups: list[_Group] = []
    chars: list[str] = []
    start = end = -1

    def close_group() -> None:
        nonlocal chars
        if chars:
            groups.append(_Group("".join(chars), start, end))
            chars = []

    for i, ch in enumerate([*folded, "\0"]):
        if ch in SPOKEN_DIGITS or (ch in _X_CHARS and (chars or groups)):
            if not chars:
                start = i
            chars.append("X" if ch in _X_CHARS else str(SPOKEN_DIGITS[ch]))
            end = i + 1
        elif ch in _SEPARATORS and (chars or groups):
            close_group()
        else:
            close_group()
            if groups:
                runs.append(groups)
            groups = []
    return runs


def _valid(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and check_char(number[:17]) == number[17]


def _extract(text: str) -> tuple[str, tuple[int, int]] | None:
    """The ID number in a text, with its original span.

    Groups of one run that together make 18 characters with a right check character win when what is
    left out are whole numbers of their own (a phone number said before the ID, 电话139… 620102…);
    otherwise the longest run, whole, so that its error (length, check character) can be told. Single
    characters are never left out: speech recognition puts a space between every digit, and a window
    of 18 out of 19 spoken digits passes the check character one time in eleven.
    """
    runs = _runs(fold(text))
    for groups in runs:
        for i in range(len(groups)):
            if any(len(g.chars) < 2 for g in groups[:i]):
                break
            total = ""
            for j in range(i, len(groups)):
                total += groups[j].chars
                if len(total) > 18:
                    break
                if len(total) == 18 and _valid(total) and all(len(g.chars) >= 2 for g in groups[j + 1:]):
                    return total, (groups[i].start, groups[j].end)
    best: tuple[str, tuple[int, int]] | None = None
    for groups in runs:
        run = "".join(g.chars for g in groups)
        if best is None or len(run) > len(best[0]):
            best = (run, (groups[0].start, groups[-1].end))
    return best


_CORRECTION = re.compile(r"不对|错了|说错|应该是|更正|改成|改为|重说|重新说|才对|不是这个")


def _another(text: str, number: str, span: tuple[int, int]) -> bool:
    """Whether the text holds a second, different valid ID number (我的是…，我老伴的是…): which one is
    meant cannot be told (a correction is read before this); the same number said twice is one."""
    rest = text[: span[0]] + "，" * (span[1] - span[0]) + text[span[1]:]
    other = _extract(rest)
    return other is not None and _valid(other[0]) and other[0] != number


def _fail(reason: str, **kw: object) -> NotUnderstood:
    """A NotUnderstood with the standard message of a reason."""
    return NotUnderstood(reason, _MESSAGES[reason].format(**kw))


def parse_id_number(text: str, today: date) -> Result[IdNumber]:
    """Read and validate an 18-character ID number; derive birth date, gender and region code."""
    if is_blank(text):
        return empty()
    found = _extract(text)
    if found is None:
        return _fail("no_number")
    number, span = found
    if len(number) != 18:
        return _fail("bad_length", n=len(number))
    if "X" in number[:17]:
        return _fail("bad_format")
    if check_char(number[:17]) != number[17]:
        return _fail("checksum")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _fail("impossible_date")
    if birth > today:
        return _fail("future_date")
    if birth.year < _EARLIEST_YEAR:
        return _fail("impossible_date")
    if number[:2] not in PROVINCES:
        return _fail("unknown_province")
    correction = _CORRECTION.search(text, span[1])
    if correction is not None:
        # 6201…，不对，是6201…: the number said after a correction is the one meant, right or wrong
        tail = text[correction.end():]
        said = _extract(tail)
        if said is not None and len(said[0]) >= 15:
            later = parse_id_number(tail, today)
            if not isinstance(later, Parsed):
                return later
            shift = correction.end()
            return Parsed(later.value, later.confidence, (later.span[0] + shift, later.span[1] + shift), later.extra)
    if _another(text, number, span):
        return _fail("two_numbers")
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    folded = fold(text)[span[0] : span[1]]
    spoken = any(not (c.isascii() and (c.isdigit() or c in "xX -")) for c in folded)
    value = IdNumber(number, birth, gender, number[:6])
    extra = {"province": PROVINCES[number[:2]]}
    return Parsed(value, clamp(0.98 if spoken else 1.0), span, extra)
