"""Yes/no with hedges, names, gender and ethnic groups."""

from __future__ import annotations

import pytest

from nlu.ethnicity import parse_ethnicity
from nlu.person import find_gender, find_name, parse_gender, parse_name
from nlu.result import NotUnderstood, Parsed
from nlu.yesno import parse_yes_no


@pytest.mark.parametrize(
    ("text", "value", "min_conf", "max_conf"),
    [
        ("有", "yes", 1.0, 1.0),
        ("没有", "no", 1.0, 1.0),
        ("是的", "yes", 1.0, 1.0),
        ("不是", "no", 1.0, 1.0),
        ("对", "yes", 1.0, 1.0),
        ("嗯", "yes", 0.8, 1.0),
        ("应该没有吧", "no", 0.6, 0.75),
        ("好像有", "yes", 0.6, 0.75),
        ("可能领过吧", "yes", 0.6, 0.75),
        ("有的，一直在领", "yes", 0.85, 1.0),
        ("没领过", "no", 0.9, 1.0),
        ("不享受", "no", 0.9, 1.0),
        ("从来没有", "no", 0.9, 1.0),
        ("不太清楚", "unsure", 0.8, 1.0),
        ("记不清了", "unsure", 0.8, 1.0),
        ("这个我不知道", "unsure", 0.8, 1.0),
        ("我不想说", "refuse", 0.9, 1.0),
        ("这个不方便说", "refuse", 0.9, 1.0),
        ("OK", "yes", 0.9, 1.0),
    ],
)
def test_yes_no(text: str, value: str, min_conf: float, max_conf: float) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == value, r
    assert min_conf <= r.confidence <= max_conf


@pytest.mark.parametrize("text", ["", "  ", "今天星期三", "张三"])
def test_yes_no_not_understood(text: str) -> None:
    assert isinstance(parse_yes_no(text), NotUnderstood)


@pytest.mark.parametrize(
    ("text", "name"),
    [("我叫张三", "张三"), ("张三", "张三"), ("姓名是欧阳娜娜", "欧阳娜娜"), ("我的名字叫李建国。", "李建国"),
     ("买买提·艾力", "买买提·艾力"), ("我叫张三，男，汉族，1965年3月出生", "张三")],
)
def test_parse_name(text: str, name: str) -> None:
    r = parse_name(text)
    assert isinstance(r, Parsed) and r.value == name
    assert text[r.span[0] : r.span[1]] == name


@pytest.mark.parametrize("text", ["张三123", "我家住在兰州市城关区某某街道某某小区三号楼二单元", "不想说", ""])
def test_parse_name_rejects(text: str) -> None:
    assert isinstance(parse_name(text), NotUnderstood)


def test_find_name_needs_a_cue() -> None:
    hit = find_name("我叫张三，男，汉族，1965年3月出生")
    assert hit is not None and hit.value == "张三"
    assert find_name("张三") is None
    assert find_name("我要找工作") is None


@pytest.mark.parametrize(
    ("text", "gender"),
    [("男", "男"), ("女", "女"), ("男的", "男"), ("女性", "女"), ("先生", "男"), ("女士", "女"), ("我是女的", "女")],
)
def test_parse_gender(text: str, gender: str) -> None:
    r = parse_gender(text)
    assert isinstance(r, Parsed) and r.value == gender


def test_gender_ambiguous_and_find() -> None:
    assert isinstance(parse_gender("男女"), NotUnderstood)
    hit = find_gender("我叫张三，男，汉族，1965年3月出生")
    assert hit is not None and hit.value == "男" and hit.span == (5, 6)
    assert find_gender("我儿子是男孩") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("回族", "03"), ("回", "03"), ("我是回民", "03"), ("汉族人", "01"), ("汉", "01"), ("藏", "04"),
     ("蒙族", "02"), ("维族", "05"), ("东乡族", "26"), ("保安族", "47"), ("裕固族", "48"), ("撒拉族", "35"),
     ("土族", "30"), ("民族是汉族", "01")],
)
def test_ethnicity(text: str, code: str) -> None:
    r = parse_ethnicity(text)
    assert isinstance(r, Parsed) and r.value.code == code


@pytest.mark.parametrize(("text", "reason"), [("火星人", "no_match"), ("父亲汉族母亲回族", "ambiguous"), ("", "empty")])
def test_ethnicity_rejects(text: str, reason: str) -> None:
    r = parse_ethnicity(text)
    assert isinstance(r, NotUnderstood) and r.reason == reason
