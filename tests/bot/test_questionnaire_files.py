"""The built-in questionnaire files: they load, hold the questions the engine relies on, and their logic works.

Also: a broken file is refused with an error that names the file, the question and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.expressions import compile_expression
from bot.questionnaire import (
    CHOICE_TYPES,
    RESERVED_NAMES,
    QType,
    Questionnaire,
    QuestionnaireError,
    load_all,
    load_questionnaire,
)
from bot.understanding import Understanding
from nlu.dates import DateSpan
from nlu.result import Parsed
from tests.helpers import make_id

REFERENCE = DateSpan(date(2026, 6, 30), date(2026, 6, 30), "day")
MAN_1965 = make_id("620102", "19650312", "001")  # odd sequence digit: a man, born 1965-03-12

VETERANS_ORDER = (
    "id_number", "recipient_kind",
    "name", "gender", "ethnicity", "birth_date", "phone", "political_status", "enlist_date", "discharge_date",
    "service_role", "service_unit", "service_number", "hukou",
    "placement", "employment", "employer", "has_housing", "housing_nature", "housing_area",
    "state_benefits", "social_insurance", "dibao", "disability_subsidies",
    "appeals", "photo",
)
RECIPIENT_KINDS = {
    "01": ("退役军官", "退役军人"), "02": ("退役士兵", "退役军人"), "03": ("退伍红军老战士", "退役军人"),
    "04": ("西路军红军老战士", "退役军人"), "05": ("红军失散人员", "退役军人"), "06": ("老复员军人", "退役军人"),
    "07": ("无军籍离休干部", "退役军人"), "08": ("无军籍退休退职职工", "退役军人"),
    "09": ("烈士遗属", "烈士遗属和军人家属"), "10": ("因公牺牲军人遗属", "烈士遗属和军人家属"),
    "11": ("病故军人遗属", "烈士遗属和军人家属"), "12": ("现役军人家属", "烈士遗属和军人家属"),
    "13": ("享受国家抚恤的伤残民兵民工", "伤残民兵民工"),
}


@pytest.fixture(scope="module")
def qs() -> dict[str, Questionnaire]:
    """The three built-in questionnaires."""
    return load_all()


@pytest.fixture(scope="module")
def understanding(qs: dict[str, Questionnaire]) -> Understanding:
    """The answer reader the engine uses, with the questionnaires' vocabulary."""
    return Understanding(qs.values())


def _span(start: date, end: date | None = None, granularity: str = "day") -> DateSpan:
    return DateSpan(start, end or start, granularity)


def _month(year: int, month: int) -> DateSpan:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return DateSpan(date(year, month, 1), date.fromordinal(nxt.toordinal() - 1), "month")


def _year(year: int) -> DateSpan:
    return DateSpan(date(year, 1, 1), date(year, 12, 31), "year")


def _relevant(q: Questionnaire, key: str, env: Mapping[str, Any]) -> bool:
    """Whether a question is asked given ``env``: its section's condition and its own, as the engine does."""
    section = q.section_of[key]
    if section.relevant and not compile_expression(section.relevant).holds(env):
        return False
    question = q.by_key[key]
    return question.relevance is None or question.relevance.holds(env)


def _rule(q: Questionnaire, key: str) -> Any:
    return next(r for r in q.rules if r.key == key)


# -- all files ----------------------------------------------------------------------------------


def test_the_three_questionnaires_load(qs: dict[str, Questionnaire]) -> None:
    assert set(qs) == {"veterans", "disabled_update", "village_services"}
    assert {q.version for q in qs.values()} == {"2026.1"}
    assert (qs["veterans"].subject.kind, qs["veterans"].subject.second_factor) == ("person", "sms")
    assert (qs["disabled_update"].subject.kind, qs["disabled_update"].subject.second_factor) == ("person", "sms")
    assert (qs["village_services"].subject.kind, qs["village_services"].subject.second_factor) == ("village", "none")
    assert qs["disabled_update"].campaign.reference_date == "06-30"
    for q in qs.values():
        assert q.source.endswith(f"{q.name}.yaml")


def test_question_counts(qs: dict[str, Questionnaire]) -> None:
    assert len(qs["veterans"].order) == len(VETERANS_ORDER)
    assert 35 <= len(qs["disabled_update"].order) <= 50
    assert 12 <= len(qs["village_services"].order) <= 18


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_every_question_says_what_how_and_why(qs: dict[str, Questionnaire], name: str) -> None:
    for question in qs[name].questions:
        where = f"{name}.{question.key}"
        assert question.prompt.endswith("？") and "\n" not in question.prompt, where
        assert len(question.prompt) <= 30, where  # one short line on a phone
        assert question.label and question.help and question.why, where
        assert question.why.endswith("。") and question.why.count("。") == 1, where  # one sentence
        if question.type == QType.DATE:
            assert question.cues and question.constraints.not_future, where
        if question.type in (QType.ID_NUMBER, QType.PHONE):
            assert question.sensitive, where


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_options_are_well_formed(qs: dict[str, Questionnaire], name: str) -> None:
    for question in qs[name].questions:
        if question.type not in CHOICE_TYPES:
            continue
        where = f"{name}.{question.key}"
        assert not question.options[0].exclusive, where
        for i, option in enumerate(question.options):
            assert re.fullmatch(r"[0-9a-z]{1,3}", option.code), where
            if option.exclusive:
                assert question.type == QType.MULTI and i == len(question.options) - 1, where
        names = [n for o in question.options for n in (o.label, *o.synonyms)]
        assert len(names) == len(set(names)), f"{where}: a word names two options"


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_conditions_compile_and_look_back(qs: dict[str, Questionnaire], name: str) -> None:
    """Every condition compiles and only uses questions asked before (or the reserved dates)."""
    q = qs[name]
    seen: set[str] = set()
    for section in q.sections:
        if section.relevant:
            names = compile_expression(section.relevant).names
            assert names <= seen | RESERVED_NAMES, (section.key, names - seen)
        for question in section.questions:
            if question.relevant:
                assert question.relevance is not None
                assert question.relevance.names <= seen | RESERVED_NAMES, (question.key, question.relevance.names)
            seen.add(question.key)


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_rules_list_every_question_they_read(qs: dict[str, Questionnaire], name: str) -> None:
    """The engine checks a rule once all its ``questions`` are answered: they must cover the check."""
    for rule in qs[name].rules:
        assert rule.expression.names - RESERVED_NAMES <= set(rule.questions), rule.key


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_every_option_word_is_understood_as_its_option(
    qs: dict[str, Questionnaire], understanding: Understanding, name: str
) -> None:
    now = datetime(2026, 7, 10, 10, 0)
    for question in qs[name].questions:
        if question.type not in CHOICE_TYPES:
            continue
        for option in question.options:
            for word in (option.label, *option.synonyms):
                parsed = understanding.parse(question, word, now)
                want: Any = [option.code] if question.type == QType.MULTI else option.code
                assert isinstance(parsed, Parsed) and parsed.value == want, (question.key, word, parsed)


# An option word of one question that also fills a later question (several answers in one message)
# would skip that question with a wrong value. Listed: intended, or the two cannot both be relevant.
_OVERLAPS_ALLOWED = {
    ("veterans", "recipient_kind", "placement"),  # 自主择业军官: the placement is indeed 自主择业
    ("disabled_update", "unemployed_reason", "out_of_school_reason"),  # working age vs school age
    ("disabled_update", "rehab_services", "devices_received"),  # 领了辅具: devices were indeed received
}


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_an_option_word_does_not_answer_a_later_question(
    qs: dict[str, Questionnaire], understanding: Understanding, name: str
) -> None:
    q = qs[name]
    now = datetime(2026, 7, 10, 10, 0)
    for i, question in enumerate(q.questions):
        if question.type not in CHOICE_TYPES:
            continue
        later = [x for x in list(q.questions)[i + 1:] if (name, question.key, x.key) not in _OVERLAPS_ALLOWED]
        for option in question.options:
            for word in (option.label, *option.synonyms):
                found = understanding.extract(later, word, now, current=None)
                assert not found, (question.key, word, {k: v.value for k, v in found.items()})


# -- veterans -----------------------------------------------------------------------------------


def test_veterans_questions_in_order(qs: dict[str, Questionnaire]) -> None:
    q = qs["veterans"]
    assert q.order == VETERANS_ORDER
    assert [s.key for s in q.sections] == ["identity", "personal", "living", "benefits", "appeals"]
    assert q.identifier is not None and q.identifier.key == "id_number"


def test_veterans_question_types(qs: dict[str, Questionnaire]) -> None:
    by = qs["veterans"].by_key
    types = {
        "id_number": QType.ID_NUMBER, "recipient_kind": QType.SINGLE, "name": QType.TEXT, "gender": QType.SINGLE,
        "ethnicity": QType.ETHNICITY, "birth_date": QType.DATE, "phone": QType.PHONE,
        "political_status": QType.SINGLE, "enlist_date": QType.DATE, "discharge_date": QType.DATE,
        "service_role": QType.SINGLE, "service_unit": QType.TEXT, "service_number": QType.TEXT, "hukou": QType.REGION,
        "placement": QType.SINGLE, "employment": QType.SINGLE, "employer": QType.TEXT, "has_housing": QType.YES_NO,
        "housing_nature": QType.SINGLE, "housing_area": QType.NUMBER, "state_benefits": QType.MULTI,
        "social_insurance": QType.MULTI, "dibao": QType.YES_NO, "disability_subsidies": QType.MULTI,
        "appeals": QType.FREE_TEXT, "photo": QType.PHOTO,
    }
    assert {k: by[k].type for k in types} == types
    assert by["id_number"].identifies and by["id_number"].sensitive
    assert {"身份证", "身份证号"} <= set(by["id_number"].aliases)
    assert (by["name"].prefill, by["gender"].prefill, by["phone"].prefill) == ("name", "gender", "phone")
    assert by["phone"].label == "联系电话" and by["birth_date"].label == "出生日期"
    assert by["enlist_date"].label == "入伍时间" and by["discharge_date"].label == "退伍时间"
    assert {"出生", "生日"} <= set(by["birth_date"].cues)
    assert {"入伍", "当兵", "参军", "参加工作"} <= set(by["enlist_date"].cues)
    assert {"退伍", "退役", "复员", "转业", "离休", "退休"} <= set(by["discharge_date"].cues)
    assert by["housing_area"].unit == "平方米"
    assert (by["housing_area"].constraints.min, by["housing_area"].constraints.max) == (1, 2000)
    for key in ("id_number", "phone", "service_number", "state_benefits", "social_insurance", "dibao",
                "disability_subsidies"):
        assert by[key].sensitive, key
    optional = {k for k in VETERANS_ORDER if not by[k].required}
    assert optional == {"service_unit", "service_number", "appeals", "photo"}
    assert by["appeals"].creates_appeal


def test_veterans_options(qs: dict[str, Questionnaire]) -> None:
    by = qs["veterans"].by_key
    kinds = {o.code: (o.label, o.group) for o in by["recipient_kind"].options}
    assert kinds == RECIPIENT_KINDS
    assert [(o.code, o.label) for o in by["gender"].options] == [("1", "男"), ("2", "女")]
    assert [o.label for o in by["service_role"].options] == ["军官", "士官", "义务兵"]
    assert [o.label for o in by["placement"].options][:4] == ["安排工作", "自主择业", "自主就业", "自谋职业"]
    assert [o.label for o in by["employment"].options] == [
        "行政事业单位", "企业", "公益性岗位", "个体", "无业", "下岗", "离退休", "务农"]
    insurance = {o.label for o in by["social_insurance"].options}
    assert {"基本医疗保险", "新型农村合作医疗", "职工养老保险", "城镇居民养老保险", "新型农村养老保险"} < insurance
    for key in ("state_benefits", "social_insurance", "disability_subsidies"):
        last = by[key].options[-1]
        assert last.exclusive and last.label == "都没有", key


def test_veterans_campaign_notice(qs: dict[str, Questionnaire]) -> None:
    c = qs["veterans"].campaign
    assert "退役军人事务局" in c.organiser
    assert "不作为享受待遇的依据" in c.purpose
    assert c.stored and c.retention


@pytest.mark.parametrize(
    ("key", "env", "asked"),
    [
        ("employer", {"employment": "2"}, True),  # 企业
        ("employer", {"employment": "4"}, True),  # 个体
        ("employer", {"employment": "8"}, False),  # 务农
        ("employer", {"employment": "7"}, False),  # 离退休
        ("employer", {}, False),
        ("housing_nature", {"has_housing": "yes"}, True),
        ("housing_nature", {"has_housing": "no"}, False),
        ("housing_area", {"has_housing": "yes"}, True),
        ("housing_area", {"has_housing": "no"}, False),
        ("housing_area", {"has_housing": "unsure"}, False),
        ("service_role", {"recipient_kind": "02"}, True),
        ("service_role", {"recipient_kind": "06"}, True),
        ("service_role", {"recipient_kind": "07"}, False),
        ("service_role", {"recipient_kind": "09"}, False),
        ("service_unit", {"recipient_kind": "01"}, True),
        ("service_number", {"recipient_kind": "12"}, False),
        ("placement", {"recipient_kind": "01"}, True),
        ("placement", {"recipient_kind": "02"}, True),
        ("placement", {"recipient_kind": "03"}, False),
        ("placement", {"recipient_kind": "13"}, False),
        ("enlist_date", {"recipient_kind": "08"}, True),
        ("enlist_date", {"recipient_kind": "11"}, False),
        ("discharge_date", {"recipient_kind": "07"}, True),
        ("discharge_date", {"recipient_kind": "12"}, False),
        ("hukou", {}, True),
        ("state_benefits", {"recipient_kind": "12"}, True),
    ],
)
def test_veterans_skip_logic(qs: dict[str, Questionnaire], key: str, env: dict[str, Any], asked: bool) -> None:
    assert _relevant(qs["veterans"], key, env) is asked


def test_veterans_rule_discharge_after_enlistment(qs: dict[str, Questionnaire]) -> None:
    rule = _rule(qs["veterans"], "discharge_after_enlist")
    assert rule.severity == "error" and rule.questions[-1] == "discharge_date"
    assert rule.expression.holds({"enlist_date": _month(1983, 10), "discharge_date": _month(1988, 12)})
    assert rule.expression.holds({"enlist_date": _month(1983, 10), "discharge_date": _year(1983)})  # may be later
    assert not rule.expression.holds({"enlist_date": _month(1990, 3), "discharge_date": _year(1985)})


def test_veterans_rule_enlistment_age(qs: dict[str, Questionnaire]) -> None:
    rule = _rule(qs["veterans"], "enlist_age")
    assert rule.severity == "error" and rule.questions[-1] == "enlist_date"
    born = _span(date(1965, 3, 12))
    assert rule.expression.holds({"birth_date": born, "enlist_date": _month(1983, 10)})  # 18
    assert rule.expression.holds({"birth_date": _year(1930), "enlist_date": _year(1945)})  # a 15-year-old in 1945
    assert not rule.expression.holds({"birth_date": born, "enlist_date": _year(1970)})  # 4
    assert not rule.expression.holds({"birth_date": born, "enlist_date": _month(2026, 4)})  # 61
    assert rule.expression.holds({"birth_date": born, "enlist_date": _month(2025, 3)})  # 60


def test_veterans_rules_against_the_id_number(qs: dict[str, Questionnaire]) -> None:
    q = qs["veterans"]
    birth, gender = _rule(q, "birth_matches_id"), _rule(q, "gender_matches_id")
    assert birth.severity == gender.severity == "warning"
    assert birth.questions[-1] == "birth_date" and gender.questions[-1] == "gender"
    assert birth.expression.holds({"id_number": MAN_1965, "birth_date": _span(date(1965, 3, 12))})
    assert birth.expression.holds({"id_number": MAN_1965, "birth_date": _month(1965, 3)})  # a partial date agrees
    assert not birth.expression.holds({"id_number": MAN_1965, "birth_date": _span(date(1966, 3, 12))})
    assert gender.expression.holds({"id_number": MAN_1965, "gender": "1"})
    assert not gender.expression.holds({"id_number": MAN_1965, "gender": "2"})
    woman = make_id("620102", "19650312", "002")
    assert gender.expression.holds({"id_number": woman, "gender": "2"})


# -- disabled_update ----------------------------------------------------------------------------


def _person(born: str, **answers: Any) -> dict[str, Any]:
    """An expression environment for a person born on ``born`` (YYYYMMDD), at the reference date."""
    return {"id_number": make_id("622926", born, "013"), "reference_date": REFERENCE, **answers}


def test_disabled_update_key_questions(qs: dict[str, Questionnaire]) -> None:
    q = qs["disabled_update"]
    by = q.by_key
    assert q.order[:4] == ("id_number", "certificate_number", "disability_category", "disability_level")
    assert by["id_number"].identifies
    assert {"name", "gender", "birth_date", "phone", "household_size"} <= set(q.order)
    assert [(o.code, o.label) for o in by["gender"].options] == [("1", "男"), ("2", "女")]
    categories = [(o.code, o.label[:2]) for o in by["disability_category"].options]
    assert categories == [("1", "视力"), ("2", "听力"), ("3", "言语"), ("4", "肢体"), ("5", "智力"), ("6", "精神"),
                          ("7", "多重")]
    assert [(o.code, o.label) for o in by["disability_level"].options] == [
        ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")]
    assert by["household_size"].unit == "人"
    for key in ("certificate_number", "disability_category", "disability_level", "phone"):
        assert by[key].sensitive, key
    assert [s.title for s in q.sections] == [
        "身份和残疾人证", "基本情况", "社会保障", "就业", "教育", "康复和辅助器具", "住房和无障碍", "托养和照料", "其他需求"]


def test_disabled_update_certificate_number_pattern(qs: dict[str, Questionnaire]) -> None:
    pattern = qs["disabled_update"].by_key["certificate_number"].constraints.pattern
    assert pattern is not None
    id_number = make_id("622926", "19800615", "013")
    assert re.fullmatch(pattern, id_number + "42")
    assert re.fullmatch(pattern, "62292619800615001X11")
    for bad in (id_number, id_number + "82", id_number + "45", id_number + "421", "123"):
        assert not re.fullmatch(pattern, bad), bad


def test_disabled_update_rules(qs: dict[str, Questionnaire]) -> None:
    q = qs["disabled_update"]
    id_number = make_id("622926", "19800615", "013")
    cert = _rule(q, "certificate_matches_id")
    assert cert.severity == "warning" and cert.questions[-1] == "certificate_number"
    assert cert.expression.holds({"id_number": id_number, "certificate_number": id_number + "42"})
    other = make_id("622926", "19800615", "025")
    assert not cert.expression.holds({"id_number": id_number, "certificate_number": other + "42"})
    assert _rule(q, "birth_matches_id").expression.holds({"id_number": id_number, "birth_date": _year(1980)})
    assert not _rule(q, "birth_matches_id").expression.holds({"id_number": id_number, "birth_date": _year(1981)})
    assert _rule(q, "gender_matches_id").expression.holds({"id_number": id_number, "gender": "1"})
    assert {r.severity for r in q.rules} == {"warning"}


@pytest.mark.parametrize(
    ("born", "working_age", "school_age"),
    [
        ("19800615", True, False),  # 46
        ("19660701", True, False),  # 59 on 30 June 2026
        ("19660630", False, False),  # 60 that day
        ("20100630", True, False),  # 16 that day
        ("20100701", False, True),  # still 15
        ("20200630", False, True),  # 6 that day
        ("20200701", False, False),  # 5
        ("19400101", False, False),
    ],
)
def test_disabled_update_age_sections(qs: dict[str, Questionnaire], born: str, working_age: bool,
                                      school_age: bool) -> None:
    q = qs["disabled_update"]
    env = _person(born)
    assert _relevant(q, "employed", env) is working_age
    assert _relevant(q, "training_need", env) is working_age
    assert _relevant(q, "school_status", env) is school_age
    assert _relevant(q, "education_need", env) is school_age


def test_disabled_update_age_needs_the_reference_date(qs: dict[str, Questionnaire]) -> None:
    env = _person("19800615")
    del env["reference_date"]
    assert not _relevant(qs["disabled_update"], "employed", env)


@pytest.mark.parametrize(
    ("key", "answers", "asked"),
    [
        ("employment_form", {"employed": "yes"}, True),
        ("employment_form", {"employed": "no"}, False),
        ("unemployed_reason", {"employed": "no"}, True),
        ("unemployed_reason", {"employed": "yes"}, False),
        ("care_subsidy", {"disability_level": "1"}, True),
        ("care_subsidy", {"disability_level": "2"}, True),
        ("care_subsidy", {"disability_level": "3"}, False),
        ("care_received", {"disability_level": "4", "disability_category": "5"}, True),
        ("care_received", {"disability_level": "2", "disability_category": "4"}, True),
        ("care_need", {"disability_level": "3", "disability_category": "4"}, False),
        ("device_needs_hearing", {"disability_category": "2"}, True),
        ("device_needs_hearing", {"disability_category": "7"}, True),
        ("device_needs_hearing", {"disability_category": "4"}, False),
        ("device_needs_vision", {"disability_category": "1"}, True),
        ("device_needs_vision", {"disability_category": "2"}, False),
        ("device_needs_mobility", {"disability_category": "4"}, True),
        ("device_needs_mobility", {"disability_category": "5"}, False),
        ("rehab_services", {"rehab_received": "yes"}, True),
        ("rehab_services", {"rehab_received": "no"}, False),
        ("rehab_needs", {"rehab_received": "no"}, True),
        ("dangerous_house", {"housing_status": "1"}, True),
        ("dangerous_house", {"housing_status": "3"}, False),
        ("renovation_need", {"housing_status": "1", "dangerous_house": "yes"}, True),
        ("renovation_need", {"housing_status": "1", "dangerous_house": "no"}, False),
        ("barrier_free_need", {"barrier_free_done": "no"}, True),
        ("barrier_free_need", {"barrier_free_done": None}, True),  # "不清楚" is stored as no value
        ("barrier_free_need", {"barrier_free_done": "yes"}, False),
        ("marital_status", {}, True),
        ("pension_insurance", {}, True),
    ],
)
def test_disabled_update_skip_logic(qs: dict[str, Questionnaire], key: str, answers: dict[str, Any],
                                    asked: bool) -> None:
    assert _relevant(qs["disabled_update"], key, _person("19800615", **answers)) is asked


def test_disabled_update_child_is_not_asked_adult_questions(qs: dict[str, Questionnaire]) -> None:
    q = qs["disabled_update"]
    child = _person("20180301")
    for key in ("marital_status", "education_level", "pension_insurance", "employed"):
        assert not _relevant(q, key, child), key
    assert _relevant(q, "school_status", child)
    assert _relevant(q, "out_of_school_reason", {**child, "school_status": "5"})
    assert not _relevant(q, "out_of_school_reason", {**child, "school_status": "1"})


# -- village_services ---------------------------------------------------------------------------


def test_village_services(qs: dict[str, Questionnaire]) -> None:
    q = qs["village_services"]
    assert q.identifier is None
    assert q.campaign.reference_date == "06-30"
    types = {key: q.by_key[key].type for key in q.order}
    assert types["respondent_phone"] == QType.PHONE and types["difficulties"] == QType.FREE_TEXT
    assert not q.by_key["difficulties"].required
    assert [types[k] for k in ("households", "population", "disabled_holders")] == [QType.NUMBER] * 3
    for key in ("association", "full_time_member", "rehab_station", "day_care", "culture_sports", "device_lending",
                "employment_help"):
        assert types[key] == QType.YES_NO, key
    assert types["barrier_free"] == QType.MULTI
    assert _relevant(q, "rehab_station_served", {"rehab_station": "yes"})
    assert not _relevant(q, "rehab_station_served", {"rehab_station": "no"})
    assert _relevant(q, "day_care_users", {"day_care": "yes"})
    assert not _relevant(q, "day_care_users", {"day_care": "no"})


def test_village_services_rules(qs: dict[str, Questionnaire]) -> None:
    q = qs["village_services"]
    households, disabled = _rule(q, "households_within_population"), _rule(q, "disabled_within_population")
    assert households.expression.holds({"households": 356.0, "population": 1420.0})
    assert not households.expression.holds({"households": 2000.0, "population": 1420.0})
    assert disabled.expression.holds({"population": 1420.0, "disabled_holders": 38.0})
    assert not disabled.expression.holds({"population": 1420.0, "disabled_holders": 5000.0})


# -- invalid files ------------------------------------------------------------------------------


def _base() -> dict[str, Any]:
    """A small valid definition to break in one place."""
    return {
        "name": "broken",
        "version": "1",
        "title": "测试问卷",
        "subject": {"kind": "person"},
        "campaign": {"title": "测试", "organiser": "县民政局", "purpose": "测试", "stored": "测试", "retention": "一年"},
        "sections": [{
            "key": "main",
            "title": "基本信息",
            "questions": [
                {"key": "id_number", "type": "id_number", "identifies": True, "prompt": "您的身份证号码是多少？"},
                {"key": "has_job", "type": "yes_no", "prompt": "您有工作吗？"},
                {"key": "employer", "type": "text", "prompt": "您的单位叫什么？", "relevant": 'has_job == "yes"'},
            ],
        }],
        "rules": [],
    }


def _write(tmp_path: Path, data: dict[str, Any] | str) -> Path:
    path = tmp_path / "broken.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _questions(data: dict[str, Any]) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = data["sections"][0]["questions"]
    return questions


def test_the_base_of_the_broken_files_is_valid(tmp_path: Path) -> None:
    q = load_questionnaire(_write(tmp_path, _base()))
    assert q.order == ("id_number", "has_job", "employer")


def _unknown_key(data: dict[str, Any]) -> None:
    _questions(data)[2]["relevant"] = 'has_work == "yes"'


def _duplicate_key(data: dict[str, Any]) -> None:
    _questions(data).append({"key": "has_job", "type": "yes_no", "prompt": "您还有工作吗？"})


def _one_option(data: dict[str, Any]) -> None:
    _questions(data).append({"key": "kind", "type": "single_choice", "prompt": "您属于哪一类？",
                             "options": [{"code": "1", "label": "退役士兵"}]})


def _no_unit(data: dict[str, Any]) -> None:
    _questions(data).append({"key": "area", "type": "number", "prompt": "住房面积多大？"})


def _bad_syntax(data: dict[str, Any]) -> None:
    _questions(data)[2]["relevant"] = 'has_job = "yes"'


def _typo_field(data: dict[str, Any]) -> None:
    _questions(data)[2]["relevent"] = _questions(data)[2].pop("relevant")


def _forward_rule(data: dict[str, Any]) -> None:
    data["rules"] = [{"key": "job_rule", "check": "has_job == employer", "message": "不对",
                      "questions": ["has_job", "salary"]}]


@pytest.mark.parametrize(
    ("breaks", "question", "problem"),
    [
        (_unknown_key, "employer", "unknown question(s) has_work"),
        (_duplicate_key, "has_job", "duplicate question key"),
        (_one_option, "kind", "needs at least two options"),
        (_no_unit, "area", "needs a unit"),
        (_bad_syntax, "employer", "syntax error"),
        (_typo_field, "employer", "relevent"),
        (_forward_rule, "job_rule", "unknown question 'salary'"),
    ],
)
def test_invalid_file_names_file_question_and_problem(tmp_path: Path, breaks: Any, question: str,
                                                      problem: str) -> None:
    data = _base()
    breaks(data)
    path = _write(tmp_path, data)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    err = caught.value
    assert (err.file, err.question) == ("broken.yaml", question)
    assert problem in err.problem
    message = str(err)
    assert "broken.yaml" in message and repr(question) in message and problem in message


@pytest.mark.parametrize("factor", ["name", "none"])
def test_a_person_questionnaire_cannot_open_records_by_what_is_on_the_id_card(tmp_path: Path, factor: str) -> None:
    data = _base()
    data["subject"]["second_factor"] = factor
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(_write(tmp_path, data))
    assert "second_factor" in str(caught.value)
    assert ("ID card" if factor == "name" else "an ID number alone opens nothing") in str(caught.value)


def test_the_old_phone_digits_factor_now_means_a_code(tmp_path: Path) -> None:
    data = _base()
    data["subject"]["second_factor"] = "phone_last4"
    assert load_questionnaire(_write(tmp_path, data)).subject.second_factor == "sms"


def test_bad_yaml_syntax_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: broken\nsections: [\n  - key: main\n    title: 基本信息\n")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert caught.value.file == "broken.yaml" and "cannot read YAML" in str(caught.value)
    assert str(caught.value).startswith("broken.yaml: ")


def test_load_all_refuses_a_folder_with_a_broken_file(tmp_path: Path) -> None:
    data = _base()
    _no_unit(data)
    _write(tmp_path, data)
    with pytest.raises(QuestionnaireError, match=r"broken\.yaml: question 'area': a number question needs a unit"):
        load_all(tmp_path)


def test_a_person_questionnaire_needs_an_identifier(tmp_path: Path) -> None:
    data = _base()
    _questions(data)[0]["identifies"] = False
    with pytest.raises(QuestionnaireError, match="identifies: true"):
        load_questionnaire(_write(tmp_path, data))
