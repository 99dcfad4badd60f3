"""Replies to “上次登记的…是：X，现在还是这样吗？” (nlu.unchanged): a change question turns 没变 into yes."""

from __future__ import annotations

import pytest

from nlu.result import Parsed
from nlu.unchanged import parse_unchanged

STILL_SO = [
    "是", "对", "嗯", "没错", "对的没错", "还是这样", "还是那样", "一样", "跟以前一样", "和上次一样", "照旧",
    "老样子", "还是老样子", "还是原来那个", "就是这个", "对，还是那个号",
    # the change words negated: a plain yes/no grammar reads these as no
    "没变", "没变化", "没有变", "不变", "没换", "没改", "没改过", "一直没换过", "没有任何变化", "没啥变化",
    "没有什么变化", "一点没变", "这么多年都没变过", "名字没改过", "电话没换", "号码没变", "没搬家", "没有搬",
    "没动过", "还在那上班", "还住那儿", "还是在农机厂", "还是那家厂",
]
CHANGED = [
    "不是", "不对", "不是了", "早就不是了", "错了", "没有了", "变了", "变啦", "换了", "换掉了", "搬了",
    "去年搬走了", "换号了", "改名了", "搬家了", "号码换了", "换了个新号", "不一样了", "已经不是这个了",
    "改成城关镇了", "不对，换了", "早不在那干了", "这个号停了", "不用这个号了",
    "现在是别的号", "换成新的了",
    # a sentence-final 了 tells of a new situation: no longer so (the new value is asked for)
    "那个厂倒闭了", "厂子早黄了", "已经退休了",
]


@pytest.mark.parametrize("text", STILL_SO)
def test_still_the_same(text: str) -> None:
    result = parse_unchanged(text)
    assert isinstance(result, Parsed) and result.value == "yes", result


@pytest.mark.parametrize("text", CHANGED)
def test_changed(text: str) -> None:
    result = parse_unchanged(text)
    assert isinstance(result, Parsed) and result.value == "no", result


@pytest.mark.parametrize(("text", "rest"), [
    ("换了，现在是13800001111", "13800001111"),
    ("号码换了，现在用一三八零零零零一一一一", "用一三八零零零零一一一一"),
    ("不是了，现在在县城开出租车", "县城开出租车"),
    ("搬到城关镇了", "城关镇"),
    ("变了", ""),
])
def test_what_follows_a_change_is_kept(text: str, rest: str) -> None:
    result = parse_unchanged(text)
    assert isinstance(result, Parsed) and result.value == "no"
    assert result.extra["rest"] == rest


@pytest.mark.parametrize("text", ["男", "兰州机床厂", "13800001111", "1966年3月", "什么意思", ""])
def test_other_replies_are_no_verdict(text: str) -> None:
    """A value or a question back is neither: the engine reads it as a new value or re-asks."""
    result = parse_unchanged(text)
    assert not (isinstance(result, Parsed) and result.value in ("yes", "no")), result


@pytest.mark.parametrize("text", ["去年换的工作", "名字后来改的", "换了个新号"])
def test_a_change_without_a_new_value_keeps_nothing_of_what_follows(text: str) -> None:
    """去年换的工作 says it changed; 工作 is no workplace, so the new value is asked for."""
    result = parse_unchanged(text)
    assert isinstance(result, Parsed) and result.value == "no" and result.extra["rest"] == ""
