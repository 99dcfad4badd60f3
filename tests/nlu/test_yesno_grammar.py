"""The yes/no grammar: negator scope, intensifiers, double negation, clauses, refusals and question-backs.

These cases are the unit tests' own; the benchmark's cases (benchmarks/cases/yesno.tsv) are kept apart.
"""

from __future__ import annotations

import pytest

from nlu.result import NotUnderstood, Parsed
from nlu.yesno import parse_yes_no
from nlu.yesno.lexer import atoms


def _value(text: str) -> tuple[str, float | None]:
    r = parse_yes_no(text)
    return (r.value, r.confidence) if isinstance(r, Parsed) else (r.reason, None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a negator negates the next predicate, across adverbs
        ("还没有吃上", "no"), ("一直没领到", "no"), ("从没参加过", "no"), ("也不享受", "no"), ("都没有办", "no"),
        # intensifiers never flip
        ("根本就不是", "no"), ("压根儿没有", "no"), ("绝对需要", "yes"), ("肯定领着呢", "yes"), ("当然同意", "yes"),
        # 是 carries its clause
        ("真是没有", "no"), ("就是有的", "yes"), ("不是没领过", "yes"),
        # double negation
        ("没有不愿意的", "yes"), ("并不是不需要", "yes"),
        # repeats are the polarity, never a question
        ("没有没有没有没有", "no"), ("有的有的", "yes"), ("不要不要", "no"), ("对的对的对的", "yes"),
        # dialect
        ("莫得莫得", "no"), ("冇得嘛", "no"), ("有着呢嘛", "yes"), ("要得嘛要得", "yes"), ("好嘞好嘞", "yes"),
        # acceptance and dismissal
        ("那就这样吧", "yes"), ("我认同的", "yes"), ("拉倒拉倒", "no"), ("甭", "no"), ("那就免了吧", "no"),
        # objects of the questions, before or after
        ("养老保险交着呢", "yes"), ("养老保险没有交", "no"), ("辅助器具没有", "no"), ("有护理补贴", "yes"),
        # the present wins
        ("原先领过后来不领了", "no"), ("去年没有，今年有了", "yes"), ("以前是危房，现在修好了不是了", "no"),
        # latin and symbols
        ("Okay", "yes"), ("NOPE", "no"), ("✓", "yes"), ("✗", "no"),
    ],
)
def test_polarity(text: str, value: str) -> None:
    got, confidence = _value(text)
    assert got == value, (text, got)
    assert confidence is not None and confidence >= 0.6


@pytest.mark.parametrize(
    "text",
    ["是不是的", "有木有", "需要吗？", "享不享受啊", "你说的是啥", "咋回事", "你们觉得呢", "这个是什么意思啊"],
)
def test_question_back(text: str) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, NotUnderstood) and r.reason == "question", (text, r)


@pytest.mark.parametrize(
    "text",
    ["我不愿意告诉你们", "这个就不方便说了", "不想跟你说这个", "不能告诉你我的情况", "拒绝透露", "打听这个干什么",
     "个人隐私", "我不想让你知道", "别打听了", "不愿意把家里的情况讲给外人", "不能将我的资料交给你们",
     "我不想把电话号码告诉你"],
)
def test_refuse_to_answer(text: str) -> None:
    got, confidence = _value(text)
    assert got == "refuse", (text, got)


@pytest.mark.parametrize("text", ["我不想要", "不想给", "我拒绝了", "不想去了", "不想把房子卖给别人"])
def test_refusing_the_offer_is_a_no(text: str) -> None:
    assert _value(text)[0] == "no"


@pytest.mark.parametrize(
    "text", ["我也说不清楚", "这个记不太清了", "搞不懂", "天晓得", "我不太了解", "不是很明白", "可能吧", "大概吧？"]
)
def test_unsure(text: str) -> None:
    assert _value(text)[0] == "unsure", text


@pytest.mark.parametrize(
    ("text", "value"),
    [("应该是领着的", "yes"), ("估计没领吧", "no"), ("好像没有办过", "no"), ("我记得是没有", "no"), ("应该吧", "yes"),
     ("可能是不需要", "no"), ("大概有吧", "yes")],
)
def test_hedges_keep_the_polarity(text: str, value: str) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == value and r.confidence == 0.7 and r.extra.get("hedged"), r


@pytest.mark.parametrize(
    ("text", "value", "below"),
    [
        ("有是有，不过不多", "yes", 0.8),  # concession
        ("有一丁点", "yes", 0.85),  # partial
        ("不是不想", "yes", 0.85),  # double negation
        ("有，没有", "yes", 0.6),  # conflicting clauses without a time marker
        ("以前领过", "yes", 0.6),  # only about the past
        ("要是有的话", "yes", 0.6),  # hypothetical
    ],
)
def test_weaker_readings_are_below(text: str, value: str, below: float) -> None:
    got, confidence = _value(text)
    assert got == value and confidence is not None and confidence < below, (text, got, confidence)


@pytest.mark.parametrize(
    "text",
    ["我们村在山那边", "老汉今年七十三了", "所有人", "对面那家", "绝对值", "张秀英", "1965年3月", "呃呃"],
)
def test_not_an_answer(text: str) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, NotUnderstood) or r.confidence < 0.6, (text, r)


def test_short_answers_are_sure_and_longer_ones_less() -> None:
    assert _value("没有")[1] == 1.0
    assert _value("没得")[1] == 1.0
    short = _value("没有低保")[1]
    longer = _value("我们家低保那个事没有")[1]
    assert short is not None and longer is not None and 0.85 <= longer < short


def test_span_points_into_the_original_text() -> None:
    text = "嗯 那个 不 是 的"
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == "no"
    assert text[r.span[0]:r.span[1]].replace(" ", "").startswith("不")


def test_lexer_keeps_words_whole() -> None:
    assert [a.text for a in atoms("绝对没有")] == ["绝对", "没有"]
    assert "对" not in [a.text for a in atoms("对面")]
    assert [a.text for a in atoms("冇得")] == ["冇得"]


@pytest.mark.parametrize("text", ["这个我说不准", "我看不准", "这事我也摸不准", "俺记不清楚了"])
def test_cannot_say_complements_are_unsure_whatever_jieba_glues_to_them(text: str) -> None:
    assert _value(text)[0] == "unsure"


@pytest.mark.parametrize("text", [
    "没记错", "没说错", "没搞错", "没有记错", "不会记错的", "确实没记错", "是这样的，没记错", "没有登记错",
    "没填错", "没弄错", "不会错",
])
def test_a_mistake_denied_is_a_yes(text: str) -> None:
    """没记错 is "I remember right", like 没错: not a double no (没 + 错)."""
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == "yes", r


@pytest.mark.parametrize("text", ["我记错了", "说错了", "填错了", "你记错了吧", "搞错了"])
def test_a_mistake_owned_is_a_no(text: str) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == "no", r
