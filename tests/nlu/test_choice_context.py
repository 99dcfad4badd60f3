"""Choice answers as people give them: "none of these" in its wordings, options described by verb frames,
exclusive options, and re-ask messages that list every option."""

from __future__ import annotations

import pytest

from nlu.choice import Option, find_options, match_multi, match_single
from nlu.result import NotUnderstood, Parsed
from nlu.tokenizer import Tokenizer

SUBSIDIES = (
    Option("1", "困难残疾人生活补贴", ("生活补贴", "残疾人生活补贴")),
    Option("2", "重度残疾人护理补贴", ("护理补贴", "残疾人护理补贴")),
    Option("0", "都没有", ("没有", "都没领", "没领", "不是残疾人"), exclusive=True),
)
BENEFITS = (
    Option("1", "伤残抚恤金", ("伤残抚恤", "伤残金")),
    Option("3", "定期生活补助", ("生活补助", "定补")),
    Option("8", "义务兵家庭优待金", ("优待金",)),
    Option("9", "其他补助", ("其他", "其它")),
    Option("0", "都没有", ("没有", "没领", "一项也没有"), exclusive=True),
)
NEEDS = (
    Option("1", "康复训练"),
    Option("2", "辅助器具"),
    Option("0", "都不需要", exclusive=True),
)
PLACEMENT = (
    Option("1", "安排工作", ("分配工作", "国家安排工作", "安置工作")),
    Option("2", "自主择业"),
    Option("3", "自主就业", ("一次性补助", "拿了一次性补助")),
    Option("4", "自谋职业", ("自谋出路", "自己找工作")),
    Option("9", "其他", ("其它", "别的")),
)
TOKENIZER = Tokenizer(["生活补贴", "护理补贴", "伤残抚恤金", "优待金", "安排工作", "自谋职业"])


@pytest.mark.parametrize(
    "text",
    ["啥也没领过", "不领", "我又不是残疾人，不领", "没有，一分钱补助都没领过", "一样都没有", "都不沾边", "哪个都没有",
     "什么都没有", "一个都没领", "嗯，没领过", "从来没领过"],
)
@pytest.mark.parametrize("options", [SUBSIDIES, BENEFITS])
def test_none_in_its_wordings(text: str, options: tuple[Option, ...]) -> None:
    r = match_multi(text, options, TOKENIZER)
    assert isinstance(r, Parsed) and r.value == ["0"] and r.confidence >= 0.8, r


def test_a_none_options_own_wording_inside_a_sentence() -> None:
    r = match_multi("我又不是残疾人", SUBSIDIES, TOKENIZER)  # the option declares 不是残疾人
    assert isinstance(r, Parsed) and r.value == ["0"]
    assert isinstance(match_multi("我又不是残疾人", BENEFITS, TOKENIZER), NotUnderstood)


@pytest.mark.parametrize("text", ["啥也不需要", "都不要", "不用", "一样也不需要"])
def test_none_of_the_needs(text: str) -> None:
    r = match_multi(text, NEEDS, TOKENIZER)
    assert isinstance(r, Parsed) and r.value == ["0"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [("生活补贴领了，护理补贴没有", ["1"]), ("生活补贴和护理补贴都领", ["1", "2"]),
     ("没有不领的", None), ("不知道", None), ("领了", None)],
)
def test_none_never_eats_an_answer_with_content(text: str, codes: list[str] | None) -> None:
    r = match_multi(text, SUBSIDIES, TOKENIZER)
    if codes is None:
        assert not (isinstance(r, Parsed) and r.value == ["0"]), r
    else:
        assert isinstance(r, Parsed) and r.value == codes


def test_exclusive_option_is_never_chosen_with_others() -> None:
    r = match_multi("生活补贴领着，别的都没有", SUBSIDIES, TOKENIZER)
    assert isinstance(r, Parsed) and r.value == ["1"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("退伍回来政府给安排到县农机厂上班了", "1"), ("分配到供销社工作", "1"), ("国家给安排的", "1"),
     ("分配到县供销社了", "1"), ("没给安排工作，自己找的活", "4"), ("自己找的活干", "4")],
)
def test_options_described_by_their_verb_frame(text: str, code: str) -> None:
    r = match_single(text, PLACEMENT, TOKENIZER)
    assert isinstance(r, Parsed) and r.value == code and 0.6 <= r.confidence < 0.9, r


def test_frames_are_never_taken_from_a_sentence_as_exact() -> None:
    hits = find_options("退伍回来政府给安排到县农机厂上班了", PLACEMENT, TOKENIZER)
    assert [h.value for h in hits] == ["1"] and hits[0].extra.get("fuzzy")


def test_unrelated_sentence_matches_no_frame() -> None:
    assert isinstance(match_single("我在家种地", PLACEMENT, TOKENIZER), NotUnderstood)


def test_single_choice_with_a_none_option_takes_none_wordings() -> None:
    options = (Option("1", "低保户"), Option("2", "特困户"), Option("0", "都不是", exclusive=True))
    r = match_single("哪个都不沾边", options, TOKENIZER)
    assert isinstance(r, Parsed) and r.value == "0"


def test_multi_reask_lists_every_option_and_says_several_may_be_chosen() -> None:
    r = match_multi("随便说点啥", BENEFITS, TOKENIZER)
    assert isinstance(r, NotUnderstood)
    assert "可以选多项" in r.message and "等" not in r.message
    assert all(o.label in r.message for o in BENEFITS)


def test_single_reask_lists_every_option() -> None:
    many = tuple(Option(str(i), f"选项{'甲乙丙丁戊己庚辛'[i]}") for i in range(8))
    r = match_single("随便说点啥", many, TOKENIZER)
    assert isinstance(r, NotUnderstood) and all(o.label in r.message for o in many)
