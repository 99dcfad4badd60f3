"""Answers as people give them to the veterans questionnaire (options copied from bot/questionnaires)."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.choice import Option, match_multi, match_single
from nlu.dates import find_dates, parse_date
from nlu.numbers import parse_number
from nlu.result import NotUnderstood, Parsed
from nlu.tokenizer import Tokenizer
from nlu.yesno import parse_yes_no

NOW = datetime(2025, 7, 1, 9, 30)


def _o(code: str, label: str, *synonyms: str) -> Option:
    return Option(code, label, tuple(synonyms))


RECIPIENT = (
    _o("01", "退役军官", "转业军官", "转业干部", "军转干部", "复员干部", "军队退休干部", "军休干部", "退休军官", "自主择业军官"),
    _o("02", "退役士兵", "退伍军人", "退伍兵", "退役兵", "退伍士兵", "退伍老兵", "老兵", "复员退伍军人", "退伍战士"),
    _o("03", "退伍红军老战士", "红军老战士", "老红军"),
    _o("04", "西路军红军老战士", "西路军", "西路军老战士", "西路军红军"),
    _o("05", "红军失散人员", "失散红军", "红军失散", "失散老红军"),
    _o("06", "老复员军人", "老复员", "建国前复员军人"),
    _o("07", "无军籍离休干部", "无军籍离休", "无军籍的离休干部"),
    _o("08", "无军籍退休退职职工", "无军籍职工", "无军籍退休职工", "无军籍退职职工"),
    _o("09", "烈士遗属", "烈属", "烈士家属", "烈士子女", "烈士父母", "烈士配偶", "烈士亲属"),
    _o("10", "因公牺牲军人遗属", "因公牺牲遗属", "因公牺牲军人家属", "牺牲军人遗属", "牺牲军人家属"),
    _o("11", "病故军人遗属", "病故军人家属", "病故遗属"),
    _o("12", "现役军人家属", "军属", "军人家属", "现役军属", "军嫂"),
    _o("13", "享受国家抚恤的伤残民兵民工", "伤残民兵民工", "伤残民兵", "伤残民工", "民兵民工"),
)
POLITICAL = (
    _o("01", "中共党员", "党员", "共产党员", "中国共产党党员", "老党员"),
    _o("02", "中共预备党员", "预备党员"),
    _o("03", "共青团员", "团员", "共青团"),
    _o("dp", "民主党派", "民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟"),
    _o("12", "无党派人士", "无党派"),
    _o("13", "群众", "普通群众", "老百姓"),
)
ROLE = (
    _o("1", "军官", "军队干部", "部队干部", "提干"),
    _o("2", "士官", "志愿兵", "转志愿兵", "老士官"),
    _o("3", "义务兵", "战士", "普通战士", "普通士兵", "新兵"),
)
PLACEMENT = (
    _o("1", "安排工作", "分配工作", "国家安排工作", "安置工作", "组织安排工作"),
    _o("2", "自主择业", "军官自主择业", "自主择业军官"),
    _o("3", "自主就业", "一次性补助", "拿了一次性补助", "一次性经济补助", "领了安置费"),
    _o("4", "自谋职业", "自谋出路", "自己找工作"),
    _o("9", "其他", "其它", "别的", "都不是"),
)
EMPLOYMENT = (
    _o("1", "行政事业单位", "机关", "事业单位", "机关事业单位", "政府部门", "学校", "医院"),
    _o("2", "企业", "公司", "工厂", "厂里", "国企", "私企", "民营企业"),
    _o("3", "公益性岗位", "公益岗", "公益岗位"),
    _o("4", "个体", "个体户", "做生意", "做买卖", "开店", "自己开店"),
    _o("5", "无业", "没工作", "没有工作", "失业", "待业", "闲着"),
    _o("6", "下岗", "下岗了", "下岗职工", "买断工龄"),
    _o("7", "离退休", "退休", "离休", "退休了", "离休了"),
    _o("8", "务农", "种地", "种田", "农民", "在家种地"),
)
HOUSING = (
    _o("1", "自有产权房", "自己的房子", "自家房子", "自己买的", "商品房", "房改房", "有房产证"),
    _o("2", "农村自建房", "自建房", "自己盖的", "自家盖的", "农村房子"),
    _o("3", "公租房", "公共租赁住房", "租的公房"),
    _o("4", "廉租房", "廉租住房"),
    _o("5", "租住私房", "租房", "租的房子", "租别人的房子", "租房住"),
    _o("6", "借住", "借住亲戚家", "住亲戚家", "住子女家", "住儿女家"),
    _o("7", "单位宿舍", "宿舍", "单位的房子"),
    _o("9", "其他", "其它", "别的"),
)
BENEFITS = (
    _o("1", "伤残抚恤金", "伤残抚恤", "残疾抚恤金", "伤残金"),
    _o("2", "定期抚恤金", "遗属抚恤金", "遗属定期抚恤金", "定期抚恤"),
    _o("3", "定期生活补助", "生活补助", "定补", "定期定量补助"),
    _o("4", "参战参试补助", "参战补助", "参试补助", "参战补贴", "参试补贴", "参战人员补助"),
    _o("5", "老复员军人补助", "老复员补助", "复员军人补助"),
    _o("6", "带病回乡补助", "带病回乡退伍军人补助", "带病回乡"),
    _o("7", "农村退役士兵老年生活补助", "老年生活补助", "退役士兵老年补助"),
    _o("8", "义务兵家庭优待金", "优待金", "家庭优待金"),
    _o("9", "其他补助", "其他", "其它"),
    _o("0", "都没有", "没有", "没领", "都没领", "没享受", "一项也没有"),
)
INSURANCE = (
    _o("1", "基本医疗保险", "医保", "职工医保", "城镇职工医保", "城镇医保", "居民医保", "城乡居民医保"),
    _o("2", "新型农村合作医疗", "新农合", "合作医疗", "农村合作医疗"),
    _o("3", "职工养老保险", "职工养老", "企业养老保险", "单位养老保险"),
    _o("4", "城镇居民养老保险", "居民养老保险", "城居保", "城乡居民养老保险"),
    _o("5", "新型农村养老保险", "新农保", "农村养老保险", "农保"),
    _o("0", "都没有", "没有", "都没参加", "没参加", "一个也没有", "没交"),
)
SUBSIDIES = (
    _o("1", "困难残疾人生活补贴", "生活补贴", "残疾人生活补贴", "困难残疾人补贴"),
    _o("2", "重度残疾人护理补贴", "护理补贴", "重度残疾护理补贴", "残疾人护理补贴"),
    _o("0", "都没有", "没有", "都没领", "没领", "不是残疾人"),
)
ALL_OPTIONS = (RECIPIENT, POLITICAL, ROLE, PLACEMENT, EMPLOYMENT, HOUSING, BENEFITS, INSURANCE, SUBSIDIES)
TOKENIZER = Tokenizer(o_name for opts in ALL_OPTIONS for o in opts for o_name in (o.label, *o.synonyms))


@pytest.mark.parametrize(
    ("options", "text", "code"),
    [
        (RECIPIENT, "我是退伍军人", "02"),
        (RECIPIENT, "退伍老兵", "02"),
        (RECIPIENT, "我是烈士子女", "09"),
        (RECIPIENT, "我老伴是现役军人，我是军属", "12"),
        (RECIPIENT, "西路军的", "04"),
        (RECIPIENT, "老红军", "03"),
        (RECIPIENT, "转业干部", "01"),
        (RECIPIENT, "退役士兵", "02"),
        (RECIPIENT, "退一士兵", "02"),
        (RECIPIENT, "烈士一属", "09"),
        (POLITICAL, "党员", "01"),
        (POLITICAL, "我是老党员了", "01"),
        (POLITICAL, "普通老百姓", "13"),
        (POLITICAL, "群众", "13"),
        (POLITICAL, "团员", "03"),
        (POLITICAL, "九三学社", "dp"),
        (ROLE, "义务兵", "3"),
        (ROLE, "当过志愿兵", "2"),
        (ROLE, "后来提干了", "1"),
        (PLACEMENT, "自主择业", "2"),
        (PLACEMENT, "自主则业", "2"),
        (PLACEMENT, "拿了一次性补助", "3"),
        (PLACEMENT, "国家给安排的工作", "1"),
        (PLACEMENT, "分配工作", "1"),
        (PLACEMENT, "自谋出路", "4"),
        (PLACEMENT, "都不是", "9"),
        (EMPLOYMENT, "在家种地", "8"),
        (EMPLOYMENT, "种地的农民", "8"),
        (EMPLOYMENT, "退休了", "7"),
        (EMPLOYMENT, "在公益性岗位上", "3"),
        (EMPLOYMENT, "公亿性岗位", "3"),
        (EMPLOYMENT, "在厂里打工", "2"),
        (EMPLOYMENT, "现在闲着没工作", "5"),
        (EMPLOYMENT, "做点小生意", "4"),
        (EMPLOYMENT, "下岗了", "6"),
        (HOUSING, "住的是公租房，七十来平", "3"),
        (HOUSING, "自己盖的房子", "2"),
        (HOUSING, "租别人的房子住", "5"),
        (HOUSING, "住在儿女家", "6"),
        (HOUSING, "廉租房", "4"),
        (HOUSING, "连租房", "4"),
    ],
)
def test_single_choice_answers(options: tuple[Option, ...], text: str, code: str) -> None:
    for tok in (None, TOKENIZER):
        r = match_single(text, options, tok)
        assert isinstance(r, Parsed) and r.value == code, (text, r)


@pytest.mark.parametrize(
    ("options", "text"),
    [
        (PLACEMENT, "不记得了"),
        (EMPLOYMENT, "你好"),
        (RECIPIENT, "我是老百姓"),
        (HOUSING, "很好"),
        (ROLE, "当兵的"),
    ],
)
def test_single_choice_not_forced(options: tuple[Option, ...], text: str) -> None:
    r = match_single(text, options, TOKENIZER)
    assert isinstance(r, NotUnderstood), (text, r)


@pytest.mark.parametrize(
    ("options", "text", "codes"),
    [
        (INSURANCE, "有医保和养老保险，低保没有", ["1"]),
        (INSURANCE, "医保和新农保", ["1", "5"]),
        (INSURANCE, "新农合有，养老保险没交", ["2"]),
        (INSURANCE, "都没有", ["0"]),
        (INSURANCE, "没有", ["0"]),
        (INSURANCE, "一个也没有", ["0"]),
        (INSURANCE, "医保和农保都没参加", ["0"]),
        (INSURANCE, "有职工医保，还有职工养老", ["1", "3"]),
        (INSURANCE, "参加了城乡居民养老保险和新农合", ["4", "2"]),
        (INSURANCE, "居民医保 新农保", ["1", "5"]),
        (BENEFITS, "伤残抚恤金和定期生活补助", ["1", "3"]),
        (BENEFITS, "领优待金", ["8"]),
        (BENEFITS, "伤残金有，定补没有", ["1"]),
        (BENEFITS, "都没领", ["0"]),
        (BENEFITS, "参战补贴和老年生活补助都在领", ["4", "7"]),
        (SUBSIDIES, "两项都领", None),
        (SUBSIDIES, "护理补贴", ["2"]),
        (SUBSIDIES, "生活补贴和护理补贴", ["1", "2"]),
        (SUBSIDIES, "不是残疾人", ["0"]),
    ],
)
def test_multi_choice_answers(options: tuple[Option, ...], text: str, codes: list[str] | None) -> None:
    r = match_multi(text, options, TOKENIZER)
    if codes is None:
        assert isinstance(r, NotUnderstood) or r.confidence < 0.9, r
        return
    assert isinstance(r, Parsed) and r.value == codes, (text, r)


@pytest.mark.parametrize(
    ("text", "value", "hedged"),
    [
        ("有", "yes", False),
        ("吃低保", "yes", False),
        ("享受着呢", "yes", False),
        ("没有", "no", False),
        ("没吃低保", "no", False),
        ("应该没有吧", "no", True),
        ("好像有", "yes", True),
        ("应该是有的", "yes", True),
        ("这个不太清楚，得问我儿子", "unsure", False),
        ("我不想说", "refuse", False),
        ("以前有，现在没有了", "no", False),
        ("有固定住房", "yes", False),
        ("没有固定的住处", "no", False),
    ],
)
def test_yes_no_answers(text: str, value: str, hedged: bool) -> None:
    r = parse_yes_no(text)
    assert isinstance(r, Parsed) and r.value == value, (text, r)
    assert (r.confidence <= 0.75) == hedged, r


@pytest.mark.parametrize(
    ("text", "value", "approximate"),
    [
        ("七十来平", 70, True),
        ("八十多平米", 80, True),
        ("一百二十平方米", 120, False),
        ("大概六十个平方", 60, True),
        ("120平", 120, False),
        ("不到五十平", 50, True),
        ("九十平左右", 90, True),
        ("房子有一百一十五平", 115, False),
    ],
)
def test_housing_area(text: str, value: int, approximate: bool) -> None:
    r = parse_number(text, expected_unit="平方米")
    assert isinstance(r, Parsed) and r.value.value == value and r.value.approximate == approximate, r
    assert r.value.unit == "平方米"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("六五年三月十二号", "1965-03-12", "1965-03-12"),
        ("一九六五年三月十二日", "1965-03-12", "1965-03-12"),
        ("我是1965年3月12号出生的", "1965-03-12", "1965-03-12"),
        ("65年3月", "1965-03-01", "1965-03-31"),
        ("八三年十月入伍", "1983-10-01", "1983-10-31"),
        ("八八年底退的伍", "1988-11-01", "1988-12-31"),
        ("一九八三 年 十 月", "1983-10-01", "1983-10-31"),
        ("1983.10", "1983-10-01", "1983-10-31"),
        ("83年10月份", "1983-10-01", "1983-10-31"),
        ("六几年生的", "1960-01-01", "1969-12-31"),
        ("五十年代", "1950-01-01", "1959-12-31"),
    ],
)
def test_questionnaire_dates(text: str, start: str, end: str) -> None:
    r = parse_date(text, NOW)
    assert isinstance(r, Parsed), (text, r)
    assert (str(r.value.start), str(r.value.end)) == (start, end)


def test_enlist_and_discharge_in_one_sentence() -> None:
    found = find_dates("我是八五年当的兵，八九年退的", NOW)
    assert [f.value.start.year for f in found] == [1985, 1989]
    found = find_dates("1983年10月入伍，1988年12月退伍", NOW)
    assert [(f.value.start.year, f.value.start.month) for f in found] == [(1983, 10), (1988, 12)]
