"""Names said in sentences (我姓马，叫马福贵 / 姓马名福贵 / 马福贵（是我）), nicknames, and replies that are no name."""

from __future__ import annotations

import pytest

from nlu.person import find_name, parse_name
from nlu.result import NotUnderstood, Parsed


@pytest.mark.parametrize(
    ("text", "name", "min_conf"),
    [
        ("我姓马，叫马福贵，回族", "马福贵", 0.95),
        ("我姓马，叫马福贵", "马福贵", 0.95),
        ("我叫马福贵", "马福贵", 0.95),
        ("姓马名福贵", "马福贵", 0.9),
        ("姓马，名福贵", "马福贵", 0.9),
        ("马福贵（是我）", "马福贵", 0.9),
        ("马福贵(是我)", "马福贵", 0.9),
        ("马福贵就是我", "马福贵", 0.9),
        ("我是马福贵", "马福贵", 0.85),
        ("本人马福贵", "马福贵", 0.95),
        ("名字叫马福贵", "马福贵", 0.95),
        ("我的名字是马福贵。", "马福贵", 0.95),
        ("我姓欧阳，叫欧阳娜娜", "欧阳娜娜", 0.95),
        ("我叫马福贵，今年七十三了", "马福贵", 0.95),
        ("不对，叫龙光亮", "龙光亮", 0.95),
        ("对的，还是龙光明", "龙光明", 0.85),
        ("嗯，张三吧", "张三", 0.85),
        ("马福贵，回族", "马福贵", 0.85),
    ],
)
def test_names_in_sentences(text: str, name: str, min_conf: float) -> None:
    r = parse_name(text)
    assert isinstance(r, Parsed) and r.value == name and r.confidence >= min_conf, r


def test_given_name_completed_by_the_surname_is_a_guess_below_a_full_name() -> None:
    r = parse_name("我姓马，叫福贵")
    assert isinstance(r, Parsed) and r.value == "马福贵" and r.extra.get("joined")
    assert 0.6 <= r.confidence < 0.9


@pytest.mark.parametrize(("text", "nick"), [("叫我老马就行", "老马"), ("大家都叫我老马", "老马"), ("叫我小王吧", "小王")])
def test_nickname_has_low_confidence(text: str, nick: str) -> None:
    r = parse_name(text)
    assert isinstance(r, Parsed) and r.value == nick and r.extra.get("nickname") and r.confidence < 0.6
    assert find_name(text) is None  # a nickname is never taken from a sentence answering something else


def test_surname_alone_asks_for_the_full_name() -> None:
    r = parse_name("我姓马")
    assert isinstance(r, NotUnderstood) and r.reason == "surname_only" and "全名" in r.message


@pytest.mark.parametrize(
    "text",
    ["男", "女", "男的", "女性", "对", "是的", "没错", "对，没变", "还是这样", "是我", "好", "回族", "汉族", "我是回族",
     "我是退伍军人", "六五年三月", "1966年3月", "13912345678", "我要找工作", "不想说"],
)
def test_other_replies_are_no_name(text: str) -> None:
    r = parse_name(text)
    assert isinstance(r, NotUnderstood) or r.confidence < 0.6, r


@pytest.mark.parametrize("text", ["退役士兵", "嗯建国", "扎西多吉"])
def test_bare_words_without_a_known_surname_are_flagged(text: str) -> None:
    r = parse_name(text)
    assert isinstance(r, Parsed) and r.confidence < 0.6


def test_cued_name_without_known_surname_stays_usable() -> None:
    r = parse_name("我叫扎西多吉")
    assert isinstance(r, Parsed) and r.value == "扎西多吉" and 0.6 <= r.confidence <= 0.7


@pytest.mark.parametrize(
    ("text", "name"),
    [("我姓马，叫马福贵，回族，1950年出生", "马福贵"), ("姓马名福贵，男，回族", "马福贵"), ("我叫张三，男，汉族", "张三"),
     ("我是马福贵，家住积石山县", "马福贵")],
)
def test_find_name_in_a_longer_message(text: str, name: str) -> None:
    hit = find_name(text)
    assert hit is not None and hit.value == name


@pytest.mark.parametrize("text", ["我是回族，1950年出生", "我是退伍军人", "我是马家庄的", "我是马家庄人", "我是烈属", "我要找工作", "张三", "男，汉族"])
def test_find_name_needs_a_cue(text: str) -> None:
    assert find_name(text) is None


@pytest.mark.parametrize(("text", "name"), [
    ("孩子叫李小军，我是他妈妈", "李小军"),
    ("我儿子叫李小军", "李小军"),
    ("他叫李小军", "李小军"),
    ("俺家娃叫李小军", "李小军"),
    ("我老伴名字叫王秀兰", "王秀兰"),
])
def test_a_relative_answering_names_the_person(text: str, name: str) -> None:
    """The plans let a family member answer for the person (家属代答)."""
    r = parse_name(text)
    assert isinstance(r, Parsed) and r.value == name, r


def test_call_him_is_a_nickname_not_a_name_with_a_pronoun() -> None:
    r = parse_name("叫他小军就行")
    assert isinstance(r, Parsed) and r.value == "小军" and r.extra.get("nickname"), r


def test_a_spouse_named_colloquially() -> None:
    r = parse_name("我老头子叫刘福")
    assert isinstance(r, Parsed) and r.value == "刘福", r
