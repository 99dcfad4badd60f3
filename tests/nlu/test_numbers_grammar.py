"""The number grammar: numerals on cn2an, colloquial shortenings, precision, money, words that are not numbers."""

from __future__ import annotations

import pytest

from nlu.numbers import Precision, parse_number, read_numeral
from nlu.result import NotUnderstood, Parsed


def _q(text: str, unit: str | None = None) -> Parsed:
    r = parse_number(text, expected_unit=unit)
    assert isinstance(r, Parsed), (text, r)
    return r


@pytest.mark.parametrize(
    ("raw", "value"),
    [("四百零七", 407), ("捌佰捌拾", 880), ("两千九", 2900), ("千八", 1800), ("十八万六", 186000),
     ("零点二五", 0.25), ("二点五万", 25000), ("4.25万", 42500), ("一二五", 125), ("三十", 30)],
)
def test_read_numeral(raw: str, value: float) -> None:
    n = read_numeral(raw)
    assert n is not None and n.value == value


@pytest.mark.parametrize("raw", ["百二十", "二十零", "零零七", "三点", "一万万", "五千千", "", "点三"])
def test_read_numeral_rejects_malformed(raw: str) -> None:
    assert read_numeral(raw) is None


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("肆仟元", 4000, "元"), ("陸佰塊", 600, "元"), ("七 百 二 十", 720, None), ("8,800块", 8800, "元"),
     ("6k", 6000, None), ("2.4w", 24000, None), ("九毛八", 0.98, "元"), ("二十块零八毛", 20.8, "元"),
     ("四块二", 4.2, "元"), ("三分钱", 0.03, "元"), ("六亩半", 6.5, "亩"), ("四斤三两", 4.3, "斤"),
     ("一米八", 1.8, "米"), ("负二十", -20, None), ("百分之六十", 60, "%"), ("五分之二", 0.4, None),
     ("两个半月", 2.5, "月"), ("一亿二千万", 120000000, None)],
)
def test_exact_values(text: str, value: float, unit: str | None) -> None:
    r = _q(text)
    assert r.value.value == value and r.value.unit == unit and r.value.precision == Precision.EXACT
    assert r.confidence >= 0.9


@pytest.mark.parametrize(
    ("text", "value", "low", "high"),
    [("六百多", 600, 600, 700), ("四十几", 40, 40, 50), ("两万余", 20000, 20000, 30000),
     ("二十多万", 200000, 200000, 300000), ("八十好几", 80, 80, 90), ("将近四千", 4000, None, 4000),
     ("至少两百", 200, 200, None), ("九十来", 90, None, None), ("三百上下", 300, None, None)],
)
def test_approximate_values(text: str, value: float, low: float | None, high: float | None) -> None:
    r = _q(text)
    q = r.value
    assert q.precision == Precision.APPROX and q.approximate
    assert (q.value, q.low, q.high) == (value, low, high)
    assert r.confidence >= 0.6


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("六七十", 60, 70), ("四五千块", 4000, 5000), ("一千到一千五", 1000, 1500), ("6到8万", 60000, 80000),
     ("三十四五", 34, 35), ("两三万", 20000, 30000), ("500-800元", 500, 800), ("九千至一万", 9000, 10000)],
)
def test_ranges(text: str, low: float, high: float) -> None:
    q = _q(text).value
    assert q.precision == Precision.RANGE and (q.low, q.high) == (low, high) and q.value == (low + high) / 2


@pytest.mark.parametrize(
    "text",
    ["四川话", "十堰市", "五角大楼旁边", "我在三门峡", "九寨沟", "一带一路", "两碗八宝粥不算"[2:], "零点点",
     "20..5", "百十一", "七,8,9", "没得", "莫得啥子", "我也不晓得", "一点点", "一些些"],
)
def test_not_numbers(text: str) -> None:
    assert isinstance(parse_number(text), NotUnderstood), parse_number(text)


def test_expected_unit_prefers_and_aliases() -> None:
    r = _q("三个娃，五口人", "人")
    assert r.value.value == 5 and r.value.unit == "人"
    r2 = _q("五口人")
    assert r2.value.unit == "口"


def test_several_numbers_are_a_guess() -> None:
    r = _q("三千还是四千来着")
    assert r.confidence < 0.6


def test_wrong_unit_for_the_question_is_a_guess() -> None:
    assert _q("六十岁", "平方米").confidence < 0.6


def test_per_month_and_year() -> None:
    assert _q("一个月两千二").extra["per"] == "月"
    assert _q("每年三万").extra["per"] == "年"
    assert _q("一年到头挣个万把块").value.value == 10000


def test_spans_point_into_the_original() -> None:
    text = "嗯 那个 我家 五 口 人"
    r = _q(text)
    assert text[r.span[0] : r.span[1]].replace(" ", "") == "五口人"


def test_zero_answers() -> None:
    assert _q("一户也没有").value.value == 0
    assert _q("零").value.value == 0


@pytest.mark.parametrize("text", ["\x00", "一" * 500, "负负负", "点点点", "万万万", "--", "1e5", "½", "Ⅻ", "〇〇〇〇"])
def test_never_raises(text: str) -> None:
    parse_number(text)


@pytest.mark.parametrize("text", ["他是五角场的", "住八角街", "三角城那边"])
def test_a_numeral_and_measure_word_inside_a_place_name_is_no_number(text: str) -> None:
    assert isinstance(parse_number(text), NotUnderstood)


@pytest.mark.parametrize("text", ["两岔乡", "四方台"])
def test_a_bare_numeral_running_into_a_word_is_a_guess(text: str) -> None:
    r = parse_number(text)
    assert not isinstance(r, Parsed) or r.confidence < 0.6
