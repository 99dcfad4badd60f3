"""Numbers: colloquial Chinese numerals, approximate quantities, units, spoken digits, the normaliser."""

from __future__ import annotations

import pytest

from nlu.numbers import find_numbers, normalize, parse_number, read_digits
from nlu.result import NotUnderstood, Parsed


@pytest.mark.parametrize(
    ("text", "value", "unit", "approximate"),
    [
        ("七十来平", 70, "平方米", True),
        ("住的是公租房，七十来平", 70, "平方米", True),
        ("三万五", 35000, None, False),
        ("三万五元", 35000, "元", False),
        ("一百二", 120, None, False),
        ("两千零三", 2003, None, False),
        ("3500元", 3500, "元", False),
        ("３５００块", 3500, "元", False),
        ("两千多块", 2000, "元", True),
        ("大概3500元左右", 3500, "元", True),
        ("一个月一千五左右", 1500, None, True),
        ("五十多岁", 50, "岁", True),
        ("八十平米", 80, "平方米", False),
        ("120平方米", 120, "平方米", False),
        ("1.5万元", 15000, "元", False),
        ("一万二千块钱", 12000, "元", False),
        ("三口人", 3, "口", False),
        ("家里五个人", 5, "人", False),
        ("三四十平", 35, "平方米", True),
        ("两个半月", 2.5, "月", False),
        ("三年半", 3.5, "年", False),
        ("服役了十六年", 16, "年", False),
        ("差不多六十平", 60, "平方米", True),
        ("一百多万", 1000000, None, True),
        ("十三万五", 135000, None, False),
        ("千一", 1100, None, False),
        ("负一百二十万", -1200000, None, False),
        ("二分之一", 0.5, None, False),
    ],
)
def test_parse_number(text: str, value: float, unit: str | None, approximate: bool) -> None:
    r = parse_number(text)
    assert isinstance(r, Parsed), r
    assert (r.value.value, r.value.unit, r.value.approximate) == (value, unit, approximate)
    assert r.extra.get("approximate", False) == approximate
    assert r.confidence == 1.0 or approximate or r.confidence < 1.0
    start, end = r.span
    assert 0 <= start < end <= len(text)


def test_approximate_lowers_confidence() -> None:
    exact, approx = parse_number("七十平"), parse_number("七十来平")
    assert isinstance(exact, Parsed) and isinstance(approx, Parsed)
    assert exact.confidence == 1.0 and approx.confidence < 1.0


@pytest.mark.parametrize("text", ["元整", "负", "没有", "不知道", "一些", "百十一", "   "])
def test_rejects(text: str) -> None:
    assert isinstance(parse_number(text), NotUnderstood)


def test_empty_reason() -> None:
    r = parse_number("  ")
    assert isinstance(r, NotUnderstood) and r.reason == "empty"


def test_expected_unit_picks_the_right_number() -> None:
    r = parse_number("家里三口人，住七十平", expected_unit="平方米")
    assert isinstance(r, Parsed) and r.value.value == 70
    r2 = parse_number("家里三口人，住七十平")
    assert isinstance(r2, Parsed) and r2.confidence < 1.0


def test_find_numbers_spans_point_into_text() -> None:
    text = "家里三口人，住七十来平，月收入两千多"
    found = find_numbers(text)
    assert [f.value.value for f in found] == [3, 70, 2000]
    assert text[found[1].span[0] : found[1].span[1]] == "七十来平"


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("幺三九洞", "1390"),
        ("零九三一", "0931"),
        ("幺三八 一二三四 五六七八", "13812345678"),
        ("我的号码是幺三八一二三四五六七八", "13812345678"),
        ("洞洞七", "007"),
        ("拐勾两", "792"),
        ("0931-8862345", "09318862345"),
        ("负零一", "-01"),
    ],
)
def test_read_digits(text: str, digits: str) -> None:
    r = read_digits(text)
    assert isinstance(r, Parsed) and r.value == digits


def test_read_digits_rejects_amounts() -> None:
    r = read_digits("一百二")
    assert isinstance(r, NotUnderstood) and r.reason == "not_digits"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("两岸关系", "两岸关系"),
        ("一些人", "一些人"),
        ("大陆", "大陆"),
        ("一点点", "一点点"),
        ("我一直在家，万一呢", "我一直在家，万一呢"),
        ("我是八五年当的兵", "我是85年当的兵"),
        ("家里三口人住七十来平", "家里3口人住70来平"),
        ("一个大西瓜切两半", "1个大西瓜切2半"),
        ("月收入两千五", "月收入2500"),
        ("十分感谢", "十分感谢"),
        ("等了三十分钟", "等了30分钟"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
