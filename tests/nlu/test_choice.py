"""Single and multiple choice: labels, synonyms, substrings, negation, pinyin fuzzy for ASR errors."""

from __future__ import annotations

import pytest

from nlu.choice import Option, find_options, match_multi, match_single
from nlu.result import NotUnderstood, Parsed
from nlu.tokenizer import Tokenizer

PLACEMENT = (
    Option("assigned", "安排工作"),
    Option("self_career", "自主择业"),
    Option("self_employ", "自主就业"),
    Option("own_job", "自谋职业"),
    Option("retired", "退休", ("退休安置",)),
    Option("supported", "供养"),
)
INSURANCE = (
    Option("medical", "基本医疗保险", ("医保", "医疗保险")),
    Option("rural_coop", "新型农村合作医疗", ("新农合", "合作医疗")),
    Option("pension", "养老保险", ("养老", "社保")),
    Option("dibao", "城乡居民最低生活保障", ("低保", "最低生活保障")),
    Option("two_subsidies", "残疾人两项补贴", ("两项补贴",)),
)
EMPLOYMENT = (
    Option("gov", "行政事业单位"),
    Option("company", "企业", ("公司", "厂里")),
    Option("public_post", "公益性岗位"),
    Option("self", "个体", ("个体户", "做生意")),
    Option("none", "无业", ("没工作", "没有工作", "待业")),
    Option("farming", "务农", ("种地", "农民")),
)
DISABILITY = (
    Option("vision", "视力残疾", ("视力",)),
    Option("hearing", "听力残疾", ("听力",)),
    Option("limb", "肢体残疾", ("肢体",)),
)


@pytest.mark.parametrize(
    ("text", "options", "code", "min_conf"),
    [
        ("自主择业", PLACEMENT, "self_career", 1.0),
        ("我是自主择业的", PLACEMENT, "self_career", 0.9),
        ("自主 择业", PLACEMENT, "self_career", 0.9),
        ("自主则业", PLACEMENT, "self_career", 0.7),
        ("不是自主择业，是安排工作", PLACEMENT, "assigned", 0.85),
        ("退休安置", PLACEMENT, "retired", 1.0),
        ("第二个", PLACEMENT, "self_career", 0.85),
        ("2", (Option("1", "是"), Option("2", "否")), "2", 1.0),
        ("在厂里上班", EMPLOYMENT, "company", 0.85),
        ("种地的", EMPLOYMENT, "farming", 0.85),
        ("现在没工作", EMPLOYMENT, "none", 0.85),
        ("公益岗位", EMPLOYMENT, "public_post", 0.6),
        ("是力残疾", DISABILITY, "vision", 0.6),
        ("之体残疾", DISABILITY, "limb", 0.6),
    ],
)
def test_match_single(text: str, options: tuple[Option, ...], code: str, min_conf: float) -> None:
    r = match_single(text, options)
    assert isinstance(r, Parsed) and r.value == code, r
    assert r.confidence >= min_conf
    s, e = r.span
    assert 0 <= s < e <= len(text)


def test_fuzzy_is_less_confident_than_exact() -> None:
    exact = match_single("视力残疾", DISABILITY)
    fuzzy = match_single("是力残疾", DISABILITY)
    assert isinstance(exact, Parsed) and isinstance(fuzzy, Parsed)
    assert fuzzy.confidence < 0.8 < exact.confidence
    assert fuzzy.extra.get("fuzzy") is True


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("随便", "no_match"),
        ("今天天气怎么样", "no_match"),
        ("安排工作 自主择业", "ambiguous"),
        ("自主", "ambiguous"),
        ("", "empty"),
    ],
)
def test_match_single_not_forced(text: str, reason: str) -> None:
    r = match_single(text, PLACEMENT)
    assert isinstance(r, NotUnderstood) and r.reason == reason, r
    assert r.message


def test_tokenizer_guards_short_names() -> None:
    options = (Option("y", "有"), Option("n", "无"))
    tok = Tokenizer()
    assert match_single("无", options, tok) == Parsed("n", 1.0, (0, 1))


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("有医保和养老保险，低保没有", ["medical", "pension"]),
        ("医保有，低保没有", ["medical"]),
        ("医保有低保没有", ["medical"]),
        ("有医保没有低保", ["medical"]),
        ("我没有低保，有医保", ["medical"]),
        ("医保和低保都没有", []),
        ("都没有", []),
        ("没有", []),
        ("新农合", ["rural_coop"]),
        ("有新农合、养老保险，还有两项补贴", ["rural_coop", "pension", "two_subsidies"]),
        ("养老保险交了，医保也有", ["pension", "medical"]),
        ("低保不享受，医保享受", ["medical"]),
        ("有一宝和养老", ["medical", "pension"]),
    ],
)
def test_match_multi(text: str, codes: list[str]) -> None:
    r = match_multi(text, INSURANCE)
    assert isinstance(r, Parsed) and r.value == codes, r


def test_match_multi_none_option_and_confidence() -> None:
    options = (*INSURANCE, Option("nothing", "以上都没有"))
    r = match_multi("都没有", options)
    assert isinstance(r, Parsed) and r.value == ["nothing"] and r.confidence >= 0.9
    r2 = match_multi("今天天气怎么样", INSURANCE)
    assert isinstance(r2, NotUnderstood) and r2.reason == "no_match"


def test_find_options_marks_negation_with_spans() -> None:
    text = "有医保和养老保险，低保没有"
    hits = find_options(text, INSURANCE)
    assert [(h.value, text[h.span[0] : h.span[1]], h.extra["negated"]) for h in hits] == [
        ("medical", "医保", False),
        ("pension", "养老保险", False),
        ("dibao", "低保", True),
    ]


BENEFITS = [Option("1", "伤残抚恤金", ("伤残金",)), Option("3", "定期生活补助", ("定补",)),
            Option("0", "都没有", ("没有",), exclusive=True)]


@pytest.mark.parametrize("text", ["从来没享受过这些", "没领过什么补助", "没拿过任何钱", "一样都没有"])
def test_none_with_what_was_not_received_after_the_verb(text: str) -> None:
    r = match_multi(text, BENEFITS)
    assert isinstance(r, Parsed) and r.value == ["0"], r



CARE = [Option("1", "寄宿制托养"), Option("2", "日间照料"), Option("3", "居家托养"), Option("0", "都没有", exclusive=True)]


@pytest.mark.parametrize("text", ["啥托养都没有，在家自己过", "啥也没领，日子紧巴巴的，孩子也不管"])
def test_a_denial_of_everything_beside_a_remark_is_none(text: str) -> None:
    r = match_multi(text, CARE)
    assert isinstance(r, Parsed) and r.value == ["0"] and r.confidence < 0.9, r


def test_a_bare_no_beside_a_remark_is_not_none() -> None:
    r = match_multi("没有，在家自己过", CARE)
    assert not (isinstance(r, Parsed) and r.value == ["0"] and r.confidence >= 0.6), r


SUBSIDIES = [Option("1", "困难残疾人生活补贴", ("生活补贴",)), Option("2", "重度残疾人护理补贴", ("护理补贴",)),
             Option("0", "都没有", ("没有",), exclusive=True)]
TOPIC = ("残疾人两项补贴", "两项补贴", "残疾人补贴")


@pytest.mark.parametrize("text", ["没残疾", "我身体好好的，没残疾", "我又没有残疾"])
def test_a_reason_about_the_question_itself_is_none(text: str) -> None:
    """Not disabled, asked about disability subsidies: none of them concerns the person."""
    r = match_multi(text, SUBSIDIES, topic=TOPIC)
    assert isinstance(r, Parsed) and r.value == ["0"], r


def test_a_reason_about_something_else_is_not_none() -> None:
    r = match_multi("我不是党员", SUBSIDIES, topic=TOPIC)
    assert not (isinstance(r, Parsed) and r.value == ["0"]), r
    assert not isinstance(match_multi("没残疾", SUBSIDIES), Parsed)  # without the question's words
