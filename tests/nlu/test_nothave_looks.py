"""'I have none / skip it' replies (parse_not_have) and whether a reply looks like a question's type (looks_like)."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.choice import Option
from nlu.looks import LOOKS, looks_like
from nlu.nothave import NotHaveKind, parse_not_have
from nlu.result import NotUnderstood, Parsed

PHONE = ("电话", "手机", "联系电话")
PHOTO = ("照片", "相片")
NOW = datetime(2026, 5, 1)


@pytest.mark.parametrize(
    ("text", "things", "kind", "thing"),
    [
        ("没有", PHONE, NotHaveKind.NONE, None),
        ("没有手机", PHONE, NotHaveKind.NONE, "手机"),
        ("没电话", PHONE, NotHaveKind.NONE, "电话"),
        ("手机没有", PHONE, NotHaveKind.NONE, "手机"),
        ("家里没电话", PHONE, NotHaveKind.NONE, "电话"),
        ("嗯，没有", PHONE, NotHaveKind.NONE, None),
        ("我不会用手机，没有", PHONE, NotHaveKind.NONE, None),
        ("没有照片", PHOTO, NotHaveKind.NONE, "照片"),
        ("不用了", PHOTO, NotHaveKind.DECLINE, None),
        ("不用了，谢谢", PHOTO, NotHaveKind.DECLINE, None),
        ("不拍了", PHOTO, NotHaveKind.DECLINE, None),
        ("算了", PHOTO, NotHaveKind.DECLINE, None),
        ("以后再发吧", PHOTO, NotHaveKind.DECLINE, None),
        ("跳过", PHOTO, NotHaveKind.SKIP, None),
        ("下一个", PHONE, NotHaveKind.SKIP, None),
    ],
)
def test_not_have(text: str, things: tuple[str, ...], kind: NotHaveKind, thing: str | None) -> None:
    r = parse_not_have(text, things)
    assert isinstance(r, Parsed) and r.value.kind is kind and r.value.thing == thing and r.confidence >= 0.8, r


@pytest.mark.parametrize(
    "text",
    ["没有别的电话，就这个13912345678", "13912345678", "没有座机，手机是13912345678", "我儿子有手机", "有", "没有身份证",
     "幺三九一二三四五六七八", "没有别的，就一个座机", "拍好了"],
)
def test_not_have_never_fires_on_a_value_or_another_subject(text: str) -> None:
    assert isinstance(parse_not_have(text, PHONE), NotUnderstood)


def test_an_object_the_question_does_not_name_lowers_the_confidence() -> None:
    own, general = parse_not_have("没有手机", PHONE), parse_not_have("没有照片", PHONE)
    assert isinstance(own, Parsed) and isinstance(general, Parsed) and general.confidence < own.confidence


@pytest.mark.parametrize(
    ("kind", "text"),
    [("name", "男"), ("name", "是的"), ("name", "对"), ("date", "是的"), ("date", "是"), ("phone", "对"),
     ("ethnicity", "男"), ("number", "没错"), ("region", "对的"), ("text", "是的"), ("id_number", "是"),
     ("gender", "是的"), ("yes_no", "男"), ("name", "1966年3月"), ("date", "马福贵"), ("photo", "好的")],
)
def test_replies_that_do_not_look_like_the_type(kind: str, text: str) -> None:
    assert looks_like(kind, text, now=NOW) < LOOKS


@pytest.mark.parametrize(
    ("kind", "text"),
    [("name", "龙光亮"), ("name", "不对，叫龙光亮"), ("date", "1966年3月"), ("date", "没错，就是1966年3月"),
     ("phone", "13912345678"), ("ethnicity", "回族"), ("number", "七十平"), ("region", "积石山县"),
     ("text", "县农机厂"), ("gender", "男"), ("yes_no", "是的"), ("id_number", "620102196503121234")],
)
def test_replies_that_look_like_the_type(kind: str, text: str) -> None:
    assert looks_like(kind, text, now=NOW) >= LOOKS


def test_choice_replies_are_read_with_the_options() -> None:
    options = (Option("1", "安排工作"), Option("4", "自谋职业"))
    assert looks_like("single_choice", "自谋职业", options=options) >= LOOKS
    assert looks_like("single_choice", "对", options=options) < LOOKS


def test_never_raise_and_spans_stay_inside_on_random_text() -> None:
    import random

    from nlu.choice import match_multi
    from nlu.person import find_name, parse_name

    rng = random.Random(12)
    alphabet = "0123456789没有不是对男女我叫姓名马福贵啥也都领过了一样哪个用拍算跳过下（）()，。！？ 的人族村"
    options = (Option("1", "生活补贴"), Option("0", "都没有", exclusive=True))
    samples = ["", " ", "。", "\x00", "𠀀", "姓", "叫", "名", "我姓", "叫我", "（是我）"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(250)]
    for text in samples:
        for result in (parse_name(text), find_name(text), parse_not_have(text, PHONE), match_multi(text, options)):
            if isinstance(result, Parsed):
                s, e = result.span
                assert 0 <= s <= e <= len(text), (text, result)
        for kind in ("name", "date", "phone", "gender", "yes_no", "text", "multi_choice"):
            assert 0.0 <= looks_like(kind, text, now=NOW, options=options) <= 1.0


@pytest.mark.parametrize("text", ["我不用手机", "从来不用电话", "俺不用手机的", "家里没装电话，也没有手机"])
def test_not_using_a_phone_is_having_none(text: str) -> None:
    r = parse_not_have(text, things=("联系电话", "电话", "手机"))
    assert isinstance(r, Parsed) and r.value.kind == NotHaveKind.NONE, r


def test_not_using_alone_still_declines() -> None:
    r = parse_not_have("不用了", things=("照片",))
    assert isinstance(r, Parsed) and r.value.kind == NotHaveKind.DECLINE


@pytest.mark.parametrize("text", ["没手机，有事找村里就行", "我没手机，你找我儿子"])
def test_a_remark_beside_a_clear_denial_still_has_none(text: str) -> None:
    r = parse_not_have(text, things=("联系电话", "电话", "手机"))
    assert isinstance(r, Parsed) and r.value.kind == NotHaveKind.NONE and r.confidence < 0.9, r


@pytest.mark.parametrize("text", ["没有手机，有座机", "没有手机，打我儿子的", "没有手机，留我女儿的吧", "没有，你问村长"])
def test_another_number_or_a_bare_no_with_a_remark_is_not_none(text: str) -> None:
    """座机 is a phone; 打我儿子的 promises another number; a bare 没有 beside a remark is unclear."""
    r = parse_not_have(text, things=("联系电话", "电话", "手机"))
    assert isinstance(r, NotUnderstood), r


def test_two_denials_joined_by_ye_have_none() -> None:
    r = parse_not_have("没手机也没座机", things=("联系电话", "电话", "手机"))
    assert isinstance(r, Parsed) and r.value.kind == NotHaveKind.NONE, r
