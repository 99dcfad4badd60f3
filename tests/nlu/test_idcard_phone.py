"""ID numbers (GB 11643) and telephone numbers, typed and spoken."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.idcard import IdNumber, check_char, parse_id_number
from nlu.phone import parse_phone
from nlu.result import NotUnderstood, Parsed

TODAY = date(2024, 6, 15)


@pytest.mark.parametrize(
    "text",
    [
        "11010519491231002X",
        "11010519491231002x",
        "身份证幺幺零一零五一九四九一二三一零零二叉",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 19491231 002X",
        "我的身份证号是110105-1949-1231-002X。",
        "幺幺洞幺洞五幺九四九幺二三幺洞洞二叉",
    ],
)
def test_valid_forms(text: str) -> None:
    r = parse_id_number(text, TODAY)
    assert isinstance(r, Parsed), r
    assert r.value == IdNumber("11010519491231002X", date(1949, 12, 31), "女", "110105")
    s, e = r.span
    assert 0 <= s < e <= len(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("11010519491231002", "bad_length"),
        ("110105194912310021", "checksum"),
        ("11010519491331002X", "checksum"),
        ("99010519491231002X", "checksum"),
        ("", "empty"),
        ("不知道", "no_number"),
        ("1101051X4912310021", "bad_format"),
    ],
)
def test_invalid(text: str, reason: str) -> None:
    r = parse_id_number(text, TODAY)
    assert isinstance(r, NotUnderstood) and r.reason == reason
    assert r.message


def _with_check(first17: str) -> str:
    return first17 + check_char(first17)


def test_date_and_province_rules() -> None:
    assert parse_id_number(_with_check("62010219650230001"), TODAY).reason == "impossible_date"  # type: ignore[union-attr]
    assert parse_id_number(_with_check("62010220300101001"), TODAY).reason == "future_date"  # type: ignore[union-attr]
    assert parse_id_number(_with_check("17010219650101001"), TODAY).reason == "unknown_province"  # type: ignore[union-attr]
    old = parse_id_number(_with_check("62242519500101001"), TODAY)  # abolished county codes stay valid
    assert isinstance(old, Parsed) and old.value.gender == "男" and old.value.region_code == "622425"


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("幺三九一二三四五六七八", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("0931-8862345", "0931-8862345"),
        ("09318862345", "0931-8862345"),
        ("零九三幺 八八六二三四五", "0931-8862345"),
        ("电话是0931 8862345", "0931-8862345"),
        ("010-62345678", "010-62345678"),
    ],
)
def test_phone(text: str, phone: str) -> None:
    r = parse_phone(text)
    assert isinstance(r, Parsed) and r.value == phone, r


@pytest.mark.parametrize(
    ("text", "reason"),
    [("8862345", "no_area_code"), ("1391234567", "bad_length"), ("12912345678", "bad_number"), ("", "empty")],
)
def test_phone_rejects(text: str, reason: str) -> None:
    r = parse_phone(text)
    assert isinstance(r, NotUnderstood) and r.reason == reason


def test_a_number_said_before_the_id_is_not_glued_to_it() -> None:
    number = _with_check("62292119800101001")
    for text in (f"电话13912345678 {number}", f"我62，{number}", f"{number}，13912345678"):
        r = parse_id_number(text, TODAY)
        assert isinstance(r, Parsed) and r.value.number == number, text


def test_nineteen_spoken_digits_are_refused_even_when_eighteen_of_them_pass() -> None:
    said = "4412031929033031361"  # 19 digits; its first 18 happen to be a valid number (441203192903303136)
    assert check_char(said[:17]) == said[17]
    spaced = " ".join("零一二三四五六七八九"[int(c)] for c in said)
    r = parse_id_number(spaced, TODAY)
    assert isinstance(r, NotUnderstood) and r.reason == "bad_length"


def test_a_birth_year_before_1800_is_impossible() -> None:
    r = parse_id_number(_with_check("62010217990101001"), TODAY)
    assert isinstance(r, NotUnderstood) and r.reason == "impossible_date"
    assert isinstance(parse_id_number(_with_check("62010218500101001"), TODAY), Parsed)


def _id(stem: str) -> str:
    return stem + check_char(stem)


MINE, SPOUSE = _id("62010219650312001"), _id("62010219680101002")


@pytest.mark.parametrize("text", [
    f"我的是{MINE}，我老伴的是{SPOUSE}",
    f"{MINE} {SPOUSE}",
    f"他的{SPOUSE}，我的{MINE}",
])
def test_two_different_numbers_take_neither(text: str) -> None:
    """Which of two valid numbers is meant cannot be told: neither is taken, the person is asked."""
    r = parse_id_number(text, TODAY)
    assert isinstance(r, NotUnderstood) and r.reason == "two_numbers", r
    assert "两个" in r.message


@pytest.mark.parametrize("text", [
    f"{MINE}，不对，是{SPOUSE}",
    f"{MINE}，说错了，应该是{SPOUSE}",
    f"{MINE}。更正一下：{SPOUSE}",
    f"{MINE}，不是这个，{SPOUSE}才对",
])
def test_a_correction_takes_the_later_number(text: str) -> None:
    r = parse_id_number(text, TODAY)
    assert isinstance(r, Parsed) and r.value.number == SPOUSE, r
    assert text[r.span[0]:r.span[1]] == SPOUSE


def test_a_wrong_correction_is_refused_not_the_first_number_kept() -> None:
    r = parse_id_number(f"{MINE}，不对，是{SPOUSE[:-1]}", TODAY)
    assert isinstance(r, NotUnderstood) and r.reason == "bad_length", r


def test_the_same_number_twice_is_one_number() -> None:
    r = parse_id_number(f"{MINE}，{MINE}", TODAY)
    assert isinstance(r, Parsed) and r.value.number == MINE
