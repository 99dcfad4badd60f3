"""Disability, appeals, intents, regions, the tokenizer, and never raising on any input."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from nlu import appeals, choice, dates, disability, ethnicity, idcard, intents, numbers, person, phone, yesno
from nlu.appeals import classify_appeal
from nlu.disability import parse_disability
from nlu.intents import Intent, detect_intent
from nlu.regions import RegionIndex
from nlu.result import NotUnderstood, Parsed
from nlu.tokenizer import Tokenizer
from tests.nlu.cases import REGIONS


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("视力二级", ("视力", "二级")),
        ("是力残疾", ("视力", None)),
        ("肢体1级", ("肢体", "一级")),
        ("二等残疾", (None, "二级")),
        ("听力和言语都有", ("多重", None)),
        ("眼睛看不见，一级", ("视力", "一级")),
        ("精神残疾三级", ("精神", "三级")),
        ("智力四级", ("智力", "四级")),
        ("多重残疾一级", ("多重", "一级")),
    ],
)
def test_disability(text: str, value: tuple[str | None, str | None]) -> None:
    r = parse_disability(text)
    assert isinstance(r, Parsed) and r.value == value, r


@pytest.mark.parametrize(
    ("text", "category", "keyword"),
    [
        ("希望能帮我找个工作", "employment", "工作"),
        ("房子漏雨想申请危房改造", "housing", "危房"),
        ("看病太贵了报销比例低", "medical", "看病"),
        ("抚恤金太少了", "pension", "抚恤"),
        ("当年的安置一直没落实", "placement", "安置"),
        ("单位拖欠工资没人管", "rights", "拖欠"),
        ("希望政府多关心", "other", None),
    ],
)
def test_appeals(text: str, category: str, keyword: str | None) -> None:
    r = classify_appeal(text)
    assert r.value == category
    if keyword:
        assert keyword in r.extra["keywords"]


TARGETS = {"birth_date": ["出生日期", "生日"], "ethnicity": ["民族"], "phone": ["电话", "手机号"]}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("上一题", Intent("back")),
        ("回到上一个", Intent("back")),
        ("跳过", Intent("skip")),
        ("下一个", Intent("skip")),
        ("把出生日期改成1966年", Intent("change", "birth_date", "1966年")),
        ("修改民族", Intent("change", "ethnicity")),
        ("民族填错了，是回族", Intent("change", "ethnicity", "回族")),
        ("为什么要问这个", Intent("why")),
        ("为什么问这个", Intent("why")),
        ("你为什么问这个问题？", Intent("why")),
        ("为啥问这个", Intent("why")),
        ("问这个干什么？", Intent("why")),
        ("怎么填", Intent("help")),
        ("转人工", Intent("human")),
        ("我要找工作人员", Intent("human")),
        ("暂停一下", Intent("pause")),
        ("先到这里吧", Intent("pause")),
        ("我有事先走了", Intent("pause")),
        ("继续", Intent("resume")),
        ("从头开始", Intent("restart")),
        ("确认提交", Intent("confirm_submit")),
        ("确认无误", Intent("confirm_submit")),
    ],
)
def test_intents(text: str, intent: Intent) -> None:
    r = detect_intent(text, TARGETS)
    assert r is not None and r.value == intent


@pytest.mark.parametrize(
    "text",
    ["我要找工作", "我要投诉", "没有问题", "1965年3月12日", "回族", "是", "返回原籍安置", "有医保", "男", "继续教育",
     # what is wrong is the document, not an answer: a confirmation with a reason
     "对的，电话上登记错了，就是这个", "没错，出生日期那里户口本写错了"],
)
def test_intents_stay_quiet_on_answers(text: str) -> None:
    assert detect_intent(text, TARGETS) is None


@pytest.fixture(scope="module")
def gansu() -> RegionIndex:
    if not REGIONS.exists():
        pytest.skip(f"{REGIONS} not available")
    rows = []
    for line in REGIONS.read_text(encoding="utf-8").splitlines()[1:]:
        level, code, name, short, parent = (line.split("\t") + [""] * 5)[:5]
        rows.append((level, code or None, name, short or None, parent))
    return RegionIndex.from_rows(rows)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("兰州市城关区", "甘肃省/兰州市/城关区"),
        ("东乡县东塬乡东塬村", "甘肃省/临夏回族自治州/东乡族自治县/东塬乡/东塬村"),
        ("临夏东乡五家乡马场村", "甘肃省/临夏回族自治州/东乡族自治县/五家乡/马场村"),
        ("东乡族自治县", "甘肃省/临夏回族自治州/东乡族自治县"),
        ("我住在兰州", "甘肃省/兰州市"),
    ],
)
def test_regions_resolve(gansu: RegionIndex, text: str, path: str) -> None:
    r = gansu.resolve(text)
    assert isinstance(r, Parsed) and r.value == path, r


def test_regions_ambiguity_and_within(gansu: RegionIndex) -> None:
    r = gansu.resolve("东塬村")
    assert isinstance(r, NotUnderstood) and r.reason == "ambiguous"
    assert len(gansu.candidates("东塬村", limit=3)) == 3
    inside = gansu.resolve("东塬村", within="甘肃省/临夏回族自治州/东乡族自治县")
    assert isinstance(inside, Parsed) and inside.value.endswith("东塬乡/东塬村")
    assert isinstance(gansu.resolve("火星"), NotUnderstood)


def test_tokenizer_user_words() -> None:
    tok = Tokenizer(["两项补贴"])
    assert "自主择业" in tok.cut("我是自主择业的")
    assert "两项补贴" in tok.cut("我领两项补贴")
    assert tok.cut("") == []


NOW = datetime(2024, 6, 15)
PARSERS: list[Callable[[str], Any]] = [
    numbers.parse_number, numbers.read_digits, numbers.normalize, numbers.find_numbers,
    lambda t: dates.parse_date(t, NOW), lambda t: dates.find_dates(t, NOW),
    lambda t: idcard.parse_id_number(t, date(2024, 6, 15)), phone.parse_phone, yesno.parse_yes_no,
    ethnicity.parse_ethnicity, person.parse_name, person.parse_gender, person.find_name, person.find_gender,
    lambda t: choice.match_single(t, (choice.Option("a", "自主择业"), choice.Option("b", "安排工作"))),
    lambda t: choice.match_multi(t, (choice.Option("a", "医保"), choice.Option("b", "低保"))),
    disability.parse_disability, appeals.classify_appeal, lambda t: intents.detect_intent(t, TARGETS),
]
ALPHABET = "0123456789xX叉幺洞零一二两三四五六七八九十百千万亿点年月日号前后天个半来多平元块-./ 、，。！？有没不是对回汉族男女我叫农历上世纪代到至"


def test_never_raises_on_random_text() -> None:
    rng = random.Random(3)
    samples = ["", " ", "\n", "。", "\x00", "𠀀", "ﬁ", "İ", "-", "年", "月月月", "9" * 40, "十" * 30]
    samples += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24))) for _ in range(400)]
    for text in samples:
        for parse in PARSERS:
            result = parse(text)
            if isinstance(result, Parsed):
                s, e = result.span
                assert 0 <= s <= e <= len(text), (text, result)


@pytest.mark.parametrize("parse", PARSERS[:3] + PARSERS[4:5] + PARSERS[6:12] + PARSERS[14:17])
def test_empty_input_reason(parse: Callable[[str], Any]) -> None:
    r = parse("   ")
    if isinstance(r, str):
        return
    assert isinstance(r, NotUnderstood) and r.reason == "empty"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("临夏州", "甘肃省/临夏回族自治州"),
        ("甘南州", "甘肃省/甘南藏族自治州"),
        ("积石山县", "甘肃省/临夏回族自治州/积石山保安族东乡族撒拉族自治县"),
        ("东乡东塬", "甘肃省/临夏回族自治州/东乡族自治县/东塬乡"),
        ("兰州城关张掖路", "甘肃省/兰州市/城关区/张掖路街道"),
        ("城关区张掖路街道", "甘肃省/兰州市/城关区/张掖路街道"),
    ],
)
def test_regions_short_names_and_missing_levels(gansu: RegionIndex, text: str, path: str) -> None:
    r = gansu.resolve(text)
    assert isinstance(r, Parsed) and r.value == path, r
    assert r.confidence < 1.0 or text.endswith(("街道", "州", "县"))


def test_regions_span_points_at_the_place(gansu: RegionIndex) -> None:
    text = "我户口在城关区"
    r = gansu.resolve(text)
    assert isinstance(r, Parsed) and text[r.span[0] : r.span[1]] == "城关区"
