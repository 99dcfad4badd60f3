"""Stage-2 depth: colloquial and ASR-style forms across the parsers."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.dates import parse_date
from nlu.ethnicity import parse_ethnicity
from nlu.numbers import normalize, parse_number
from nlu.person import parse_name
from nlu.result import NotUnderstood, Parsed
from nlu.yesno import parse_yes_no

NOW = datetime(2025, 7, 2, 9, 0)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "value", "confidence"),
    [
        ("好像没领过", "no", 0.7),
        ("对的对的", "yes", 1.0),
        ("嗯嗯", "yes", 1.0),
        ("有有有", "yes", 1.0),
        ("木有", "no", 1.0),
        ("没得", "no", 1.0),
        ("是滴", "yes", 1.0),
        ("估计没有", "no", 0.7),
        ("我记得是有的", "yes", 0.7),
        ("以前有，现在没有了", "no", 0.9),
    ],
)
def test_yes_no_colloquial(text: str, value: str, confidence: float) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == value and r.confidence == confidence, r


@pytest.mark.parametrize("text", ["是不是啊", "有没有", "有吗？", "你说呢？"])
def test_yes_no_questions_are_not_answers(text: str) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, NotUnderstood) and r.reason == "question"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话是幺三九一二三四五六七八", "电话是13912345678"),
        ("十来个人", "10来个人"),
        ("百分之八十", "80%"),
        ("两三个", "两三个"),
        ("一两年", "一两年"),
        ("八九年退的", "89年退的"),
        ("九三学社", "九三学社"),
        ("住窑洞", "住窑洞"),
        ("我是入伍的时候", "我是入伍的时候"),
    ],
)
def test_normalize_depth(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "value", "rng"),
    [("七八个人", 7.5, (7, 8)), ("五六百", 550, (500, 600)), ("七八十平", 75, (70, 80))],
)
def test_number_ranges(text: str, value: float, rng: tuple[int, int]) -> None:
    r = parse_number(text)
    assert isinstance(r, Parsed) and r.value.value == value and r.value.approximate and r.extra["range"] == rng


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("六五年的三月份", "1965年3月"),
        ("一九八几年", "1980年代"),
        ("八几年", "1980年代"),
        ("下周三", "2025年7月9日"),
        ("上周", "2025年6月23日至2025年6月29日"),
        ("三天前", "2025年6月29日"),
        ("两个月前", "2025年5月"),
        ("80年代初", "1980年至1983年"),
        ("2003年5月初", "2003年5月1日至2003年5月10日"),
    ],
)
def test_dates_depth(text: str, shown: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, Parsed) and r.value.display() == shown, r


@pytest.mark.parametrize("text", ["大年初一", "中秋节那天", "正月十五", "腊月二十三生的"])
def test_lunar_holidays(text: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, NotUnderstood) and r.reason == "lunar_date"


def test_two_dates_lower_confidence() -> None:
    r = parse_date("83年入伍88年退伍", NOW)
    assert isinstance(r, Parsed) and r.value.start.year == 1983 and r.confidence <= 0.6


@pytest.mark.parametrize(("text", "code"), [("会族", "03"), ("东相族", "26"), ("裕谷族", "48")])
def test_ethnicity_asr_homophones(text: str, code: str) -> None:
    r = parse_ethnicity(text)
    assert isinstance(r, Parsed) and r.value.code == code and r.confidence < 0.8


def test_name_confidence_depends_on_surname() -> None:
    known, unknown = parse_name("张建国"), parse_name("嗯建国")
    assert isinstance(known, Parsed) and known.confidence >= 0.9
    assert isinstance(unknown, Parsed) and unknown.confidence <= 0.7
    assert isinstance(parse_name("好的"), NotUnderstood)
    assert isinstance(parse_name("没有"), NotUnderstood)


@pytest.mark.parametrize(
    ("text", "name"),
    [("好的提交吧", "confirm_submit"), ("好的，提交", "confirm_submit"), ("行，跳过", "skip"), ("刚才说错了", "change")],
)
def test_intents_with_polite_words(text: str, name: str) -> None:
    from nlu.intents import detect_intent

    r = detect_intent(text, {"birth_date": ("出生日期",)})
    assert r is not None and r.value.name == name


@pytest.mark.parametrize("text", ["没问题", "好的", "可以", "行", "对"])
def test_plain_agreement_is_not_a_control_intent(text: str) -> None:
    from nlu.intents import detect_intent

    assert detect_intent(text, {"birth_date": ("出生日期",)}) is None
