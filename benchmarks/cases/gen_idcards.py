"""Generated ID-number cases: random numbers, valid or broken, in the surface forms people give them.

The expected verdict comes from python-stdnum's ``cn.ric`` (its check character and birth date, an
implementation independent of nlu's) and the intake's policy (an existing province code, any county code,
even abolished ones, unlike stdnum's strict place check; a birth date not after the case's day and not
before 1800). Same columns as
../shared/data/nlu-cases/idcards.tsv.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

TODAY = date(2024, 6, 1)  # the day tests/nlu/cases.py checks ID numbers against
PROVINCES = [
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
]
CN = "零一二三四五六七八九"
FULL = {str(d): chr(0xFF10 + d) for d in range(10)}
PREFIXES = ("", "", "", "我的身份证号是", "身份证号码", "号码是", "嗯，", "身份证：", "我的是")
SUFFIXES = ("", "", "", "。", "，对", "就这个", " 谢谢")


def _check(first17: str) -> str:
    """The check character, by stdnum."""
    return str(ric.calc_check_digit(first17 + "0"))


def _verdict(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit() or number[17] != _check(number[:17]):
        return False
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        return False
    return number[:2] in PROVINCES and date(1800, 1, 1) <= birth <= TODAY


def _number(rng: random.Random) -> str:
    region = rng.choice(PROVINCES) + f"{rng.randint(1, 40):02d}{rng.randint(1, 30):02d}"
    born = date.fromordinal(rng.randint(date(1920, 1, 1).toordinal(), date(2015, 12, 31).toordinal()))
    first17 = f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + _check(first17)


def _broken(rng: random.Random, n: str) -> str:
    kind = rng.randrange(7)
    if kind == 0:  # a digit changed
        p = rng.randrange(17)
        return n[:p] + rng.choice([d for d in "0123456789" if d != n[p]]) + n[p + 1 :]
    if kind == 1:  # neighbours swapped
        p = rng.randrange(16)
        return n[:p] + n[p + 1] + n[p] + n[p + 2 :]
    if kind == 2:  # a digit lost
        p = rng.randrange(18)
        return n[:p] + n[p + 1 :]
    if kind == 3:  # a digit said twice
        p = rng.randrange(18)
        return n[:p] + n[p] + n[p:]
    if kind == 4:  # another check character
        return n[:17] + rng.choice([c for c in "0123456789X" if c != n[17]])
    if kind == 5:  # an impossible month or day
        mmdd = rng.choice(("1301", "0001", "0230", "0431", "0132", "0229", "1200"))
        first17 = n[:10] + mmdd + n[14:17]
        return first17 + _check(first17)
    first17 = rng.choice(("10", "19", "28", "39", "48", "58", "69", "72", "90")) + n[2:17]  # no such province
    return first17 + _check(first17)


def _render(rng: random.Random, n: str) -> tuple[str, str]:
    form = rng.randrange(8)
    if form == 0:
        text, note = n, "plain"
    elif form == 1:
        text, note = n.lower(), "lower case x"
    elif form == 2:
        text, note = "".join(FULL.get(c, c) for c in n), "full-width"
    elif form == 3:
        sep = rng.choice((" ", "-", " - "))
        text, note = sep.join((n[:6], n[6:14], n[14:])), "groups"
    elif form == 4:
        text, note = "".join(CN[int(c)] if c.isdigit() else "叉" for c in n), "spoken"
    elif form == 5:
        digits = {"0": rng.choice("零洞〇"), "1": rng.choice("一幺"), "7": rng.choice("七拐")}
        text, note = (
            " ".join(digits.get(c, CN[int(c)]) if c.isdigit() else "叉" for c in n),
            "spoken, ASR spaces",
        )
    elif form == 6:
        text, note = f"{n[:6]} {n[6:10]} {n[10:14]} {n[14:]}", "four groups"
    else:
        text, note = f"电话139{rng.randint(10**7, 10**8 - 1)}，身份证{n}", "after a phone number"
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES), note


def rows(seed: int, n: int) -> Iterator[dict[str, str]]:
    """n cases, about half valid, rendered in random forms."""
    rng = random.Random(seed)
    for _ in range(n):
        number = _number(rng)
        if rng.random() < 0.5:
            number = _broken(rng, number)
        ok = _verdict(number)
        text, note = _render(rng, number)
        born = ric.get_birth_date(number) if ok else None
        yield {
            "input": text,
            "expected": "valid" if ok else "invalid",
            "birth_date": str(born) if born else "",
            "gender": ("男" if int(number[16]) % 2 else "女") if ok else "",
            "region_code": number[:6] if ok else "",
            "region_name": "",
            "invalid_reason_by_gb11643": "",
            "validity_policy_of_source": "stdnum cn.ric + intake policy",
            "source": "intake-generated",
            "note": note,
        }
