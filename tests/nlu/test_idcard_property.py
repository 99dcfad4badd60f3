"""ID numbers: random numbers, valid or broken, in random surface forms, read back; the verdict is
python-stdnum's check character and birth date plus the intake's policy, not nlu's own code."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from nlu.idcard import parse_id_number
from nlu.result import NotUnderstood, Parsed

TODAY = date(2024, 6, 15)
PROVINCES = ("11", "13", "22", "37", "44", "51", "54", "62", "63", "64", "65", "71", "81", "83")
CN = "零一二三四五六七八九"


def _stdnum_check(first17: str) -> str:
    return str(ric.calc_check_digit(first17 + "0"))


@st.composite
def numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(PROVINCES)) + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    born = draw(st.dates(date(1900, 1, 1), date(2024, 6, 15)))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + _stdnum_check(first17)


def _render(number: str, form: int, prefix: str) -> str:
    if form == 0:
        body = number.lower()
    elif form == 1:
        body = "".join(chr(0xFF10 + int(c)) if c.isdigit() else "Ｘ" for c in number)
    elif form == 2:
        body = f"{number[:6]} {number[6:14]} {number[14:]}"
    elif form == 3:
        body = " ".join(CN[int(c)] if c.isdigit() else "叉" for c in number)
    else:
        body = f"电话13912345678，{number}"
    return prefix + body


PREFIX = st.sampled_from(("", "我的身份证号是", "嗯，号码是", "身份证："))


@settings(max_examples=200, deadline=None)
@given(numbers(), st.integers(0, 4), PREFIX)
def test_a_valid_number_in_any_form_is_read_back(number: str, form: int, prefix: str) -> None:
    r = parse_id_number(_render(number, form, prefix), TODAY)
    assert isinstance(r, Parsed), r
    assert r.value.number == number and r.value.birth_date == ric.get_birth_date(number)
    assert r.confidence >= 0.9


@settings(max_examples=200, deadline=None)
@given(numbers(), st.integers(0, 16), st.integers(0, 9), st.integers(0, 4), PREFIX)
def test_a_misheard_digit_is_never_taken(number: str, pos: int, digit: int, form: int, prefix: str) -> None:
    changed = number[:pos] + str(digit) + number[pos + 1:]
    r = parse_id_number(_render(changed, form, prefix), TODAY)
    if changed == number:
        assert isinstance(r, Parsed)
    else:
        assert isinstance(r, NotUnderstood), r  # one digit changed always breaks MOD 11-2


@settings(max_examples=200, deadline=None)
@given(numbers(), st.integers(0, 17), st.booleans(), st.integers(0, 4), PREFIX)
def test_a_lost_or_doubled_digit_is_never_taken(number: str, pos: int, doubled: bool, form: int, prefix: str) -> None:
    wrong = number[:pos] + number[pos] + number[pos:] if doubled else number[:pos] + number[pos + 1:]
    r = parse_id_number(_render(wrong, form, prefix), TODAY)
    assert isinstance(r, NotUnderstood), r
