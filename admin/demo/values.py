"""What a demo person would answer: a value for each question of the questionnaires, true to who they are.

These are the person's facts (their kind, birth, service, housing …), chosen from the option codes the
questionnaire really has. Which questions are asked, in which order, and what is stored are the
engine's business: :mod:`admin.demo.talk` says the values as a person types them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from admin.demo.people import DemoPerson, random_phone, weighted
from bot.questionnaire import QType, Question
from nlu.ethnicity import ethnicity_by_code

SKIP = object()  # an optional question left unanswered

APPEALS = (
    "希望解决看病难、看病贵的问题，去县医院太远了。",
    "家里房子漏雨，墙也裂了，想申请危房改造。",
    "儿子退伍两年了还没找到工作，希望帮忙介绍。",
    "我的优待金今年还没发下来，麻烦帮忙问问。",
    "退役安置的事一直没有落实，希望给个说法。",
    "养老保险以前断交了几年，想问问怎么补缴。",
    "腿脚不方便，想申请一个轮椅。",
    "孩子上学路太远，希望能送教上门。",
    "护理补贴停发了，不知道是什么原因。",
    "村里到镇上的路不好走，老人看病不方便。",
)
DIFFICULTIES = ("缺少康复器材，专职委员补贴太低。", "村里重度残疾人多，上门照料的人手不够。",
                 "无障碍改造资金不足，希望县上多支持。", "辅具借用点的轮椅不够用。")
CHAT_HUMAN = ("转人工", "我要找工作人员", "人工客服", "转人工，我的补贴到现在还没发")
HOTLINE = ("来电反映：老人腿脚不便，希望工作人员上门登记。", "来电咨询：退役军人优待证怎么办理？",
            "来电反映：残疾人护理补贴停发了，要求核实。", "来电反映：家里房屋有安全隐患，想申请危房改造。",
            "来电咨询：儿子退伍后的就业补助怎么领？", "来电反映：医保报销比例太低，看病负担重。")
GARBLED = {"employment": "就是那个……在那边干点活嘛", "ethnicity": "我们这边的嘛，你写上就行",
            "housing_nature": "就那个老地方嘛", "political_status": "那时候的事嘛，就那样",
            "housing_status": "住着呢，就那样", "employment_form": "有啥干啥",
            "education_level": "念过几天", "hukou_type": "户口在老家那边"}
LOW_CONFIDENCE_KEYS = ("name", "employer", "ethnicity", "political_status", "household_size", "housing_area",
                        "education_level", "marital_status")




def _day(d: date) -> dict[str, str]:
    return {"start": d.isoformat(), "end": d.isoformat(), "granularity": "day"}


def _month(d: date) -> dict[str, str]:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return {"start": date(d.year, d.month, 1).isoformat(), "end": (nxt - timedelta(days=1)).isoformat(),
            "granularity": "month"}


def _year(d: date) -> dict[str, str]:
    return {"start": date(d.year, 1, 1).isoformat(), "end": date(d.year, 12, 31).isoformat(), "granularity": "year"}


def _quantity(q: Question, value: int, approximate: bool = False) -> dict[str, Any]:
    c = q.constraints
    if c.min is not None:
        value = max(value, int(c.min))
    if c.max is not None:
        value = min(value, int(c.max))
    return {"value": value, "unit": q.unit, "approximate": approximate}


def _pick(q: Question, rng: random.Random, weights: Mapping[str, float] | None = None) -> str:
    """An option code of a single choice, by weight among the codes the question really has."""
    codes = [o.code for o in q.options]
    chosen = {c: w for c, w in (weights or {}).items() if c in codes and w > 0}
    return weighted(rng, chosen) if chosen else rng.choice(codes)


def _multi(q: Question, rng: random.Random, none_share: float, among: Sequence[str] | None = None,
           most: int = 2) -> list[str]:
    """Option codes of a multiple choice in option order: the exclusive "none" or one to ``most`` others."""
    exclusive = [o.code for o in q.options if o.exclusive]
    others = [o.code for o in q.options if not o.exclusive and (among is None or o.code in among)]
    if (exclusive and rng.random() < none_share) or not others:
        return exclusive[:1] or [q.options[0].code]
    chosen = set(rng.sample(others, k=min(len(others), rng.randint(1, most))))
    return [o.code for o in q.options if o.code in chosen]


def _yes(rng: random.Random, share: float) -> str:
    return "yes" if rng.random() < share else "no"



class Answerer:
    """The answers of one person (or village) so far, and what the values of later questions depend on."""

    def __init__(self, rng: random.Random, reference: date, county: str) -> None:
        self.rng = rng
        self.reference = reference
        self.county = county
        self.stored: dict[str, Any] = {}  # question key -> the value said

    def age(self, birth: date) -> int:
        """Whole years at the campaign's reference date."""
        r = self.reference
        return r.year - birth.year - ((r.month, r.day) < (birth.month, birth.day))

    def generic(self, question: Question, person: DemoPerson | None) -> Any:
        """A plausible value of any question by its type (questions the demo does not know by key)."""
        rng, t = self.rng, question.type
        if t == QType.SINGLE:
            return _pick(question, rng)
        if t == QType.MULTI:
            return _multi(question, rng, 0.4)
        if t == QType.YES_NO:
            return _yes(rng, 0.5)
        if t == QType.DATE:
            return _year(date(self.reference.year - rng.randint(1, 20), 1, 1))
        if t == QType.NUMBER:
            low = int(question.constraints.min or 1)
            return _quantity(question, low + rng.randint(0, 10))
        if t == QType.PHONE:
            return person.phone if person and person.phone else random_phone(rng)
        if t == QType.ETHNICITY:
            return _ethnicity(person.ethnicity if person else "01")
        if t == QType.ID_NUMBER and person is not None:
            return person.id_number
        if t == QType.REGION and person is not None:
            return person.village
        if t == QType.TEXT and not question.constraints.pattern:
            return "（演示数据）" if question.required else SKIP
        if not question.required:
            return SKIP
        return "（演示数据）"



def _ethnicity(code: str) -> dict[str, str]:
    found = ethnicity_by_code(code)
    return {"code": code, "name": found.name if found else code}


def _employer(rng: random.Random, county: str, employment: str) -> str:
    if employment == "1":
        return rng.choice((f"{county}人民医院", f"{county}第一中学", f"{county}农业农村局", f"{county}卫生健康局"))
    if employment == "3":
        return rng.choice(("村保洁公益岗", "护林员公益岗", "社区巡防公益岗"))
    if employment == "4":
        return rng.choice(("个体牛肉面馆", "个体小卖部", "个体修车铺", "个体养殖户"))
    return rng.choice((f"{county}某建筑公司", f"{county}某物流公司", "兰州某机械厂", f"{county}某农业合作社"))


def veterans_value(a: Answerer, p: DemoPerson, question: Question) -> Any:
    """A veteran's answer to a question of the veterans questionnaire."""
    rng, key, age = a.rng, question.key, a.age(p.birth)
    if key == "id_number":
        return p.id_number
    if key == "recipient_kind":
        return p.kind if question.option(p.kind) else _pick(question, rng)
    if key == "name":
        return p.name
    if key == "gender":
        return p.gender
    if key == "ethnicity":
        return _ethnicity(p.ethnicity)
    if key == "birth_date":
        return _day(p.birth)
    if key == "phone":
        return p.phone
    if key == "political_status":
        return _pick(question, rng, {"01": 35, "13": 55, "03": 3 if age < 28 else 0, "12": 5, "dp": 2})
    if key == "enlist_date":
        return _month(p.enlist) if p.enlist else a.generic(question, p)
    if key == "discharge_date":
        if p.discharge is None:
            return a.generic(question, p)
        return _month(p.discharge) if rng.random() < 0.7 else _year(p.discharge)
    if key == "service_role":
        return {"01": "1", "02": "3" if rng.random() < 0.6 else "2"}.get(p.kind, "3")
    if key == "service_unit":
        if rng.random() < 0.5:
            return SKIP
        return rng.choice(("兰州军区某部", "某集团军某师", "武警某总队某支队", "某守备团")) + rng.choice(("一营", "二营", "三连", "通信连"))
    if key == "service_number":
        return f"{rng.randrange(10**9):09d}" if rng.random() < 0.3 else SKIP
    if key == "hukou":
        return p.village
    if key == "placement":
        if p.kind == "01":
            return _pick(question, rng, {"1": 50, "2": 35, "4": 10, "9": 5})
        old = p.discharge is not None and p.discharge.year < 2011
        return _pick(question, rng, {"1": 45, "3": 30, "4": 20, "9": 5} if old else {"3": 70, "4": 20, "1": 5, "9": 5})
    if key == "employment":
        if age >= 60:
            return _pick(question, rng, {"7": 60, "8": 40} if p.urban else {"8": 70, "7": 25, "5": 5})
        if p.urban:
            return _pick(question, rng, {"1": 15, "2": 35, "3": 8, "4": 20, "5": 12, "6": 5, "7": 5})
        return _pick(question, rng, {"8": 45, "2": 20, "4": 15, "3": 8, "5": 10, "1": 2})
    if key == "employer":
        return _employer(rng, a.county, str(a.stored.get("employment")))
    if key == "has_housing":
        return _yes(rng, 0.96)
    if key == "housing_nature":
        if p.urban:
            return _pick(question, rng, {"1": 60, "3": 8, "4": 3, "5": 20, "6": 5, "7": 4})
        return _pick(question, rng, {"2": 85, "1": 8, "6": 5, "9": 2})
    if key == "housing_area":
        return _quantity(question, rng.randint(45, 130) if p.urban else rng.randint(60, 180), rng.random() < 0.3)
    if key == "state_benefits":
        fixed = {"09": ["2"], "10": ["2"], "11": ["2"], "13": ["1"], "06": ["5"]}.get(p.kind)
        if fixed and question.option(fixed[0]):
            return fixed
        if p.kind == "02" and not p.urban and age >= 60 and rng.random() < 0.6:
            return ["7"]
        if p.kind == "12" and rng.random() < 0.5:
            return ["8"]
        return _multi(question, rng, 0.65, among=("1", "3", "4", "9"), most=1)
    if key == "social_insurance":
        if rng.random() < 0.03:
            return _multi(question, rng, 1.0)
        pairs = (("1", "3"), ("1", "4")) if p.urban else (("2", "5"), ("1", "5"))
        chosen = set(rng.choice(pairs))
        return [o.code for o in question.options if o.code in chosen]
    if key == "dibao":
        return _yes(rng, 0.04 if p.urban else 0.12)
    if key == "disability_subsidies":
        return _multi(question, rng, 0.92, among=("1", "2"), most=1)
    if key == "appeals":
        return rng.choice(APPEALS) if rng.random() < 0.15 else SKIP
    if key == "photo":
        return SKIP
    return a.generic(question, p)


def disabled_value(a: Answerer, p: DemoPerson, question: Question) -> Any:
    """A certificate holder's answer to a question of the disabled-persons update."""
    rng, key, age = a.rng, question.key, a.age(p.birth)
    severe = p.level in ("1", "2")
    if key == "id_number":
        return p.id_number
    if key == "certificate_number":
        return p.id_number + p.kind + p.level
    if key == "disability_category":
        return p.kind
    if key == "disability_level":
        return p.level
    if key == "name":
        return p.name
    if key == "gender":
        return p.gender
    if key == "birth_date":
        return _day(p.birth)
    if key == "ethnicity":
        return _ethnicity(p.ethnicity)
    if key == "hukou_type":
        return _pick(question, rng, {"2": 80, "1": 20} if p.urban else {"1": 95, "2": 5})
    if key == "marital_status":
        if age < 22 or (p.kind in ("5", "6") and rng.random() < 0.6):
            return "10"
        if age >= 65:
            return _pick(question, rng, {"20": 60, "30": 35, "40": 5})
        return _pick(question, rng, {"20": 75, "10": 15, "40": 7, "30": 3})
    if key == "education_level":
        if p.kind == "5":
            return _pick(question, rng, {"1": 60, "2": 40})
        if age >= 60:
            return _pick(question, rng, {"1": 45, "2": 40, "3": 12, "4": 3})
        return _pick(question, rng, {"1": 10, "2": 25, "3": 40, "4": 17, "5": 8})
    if key == "phone":
        return p.phone if p.phone else SKIP
    if key == "household_size":
        return _quantity(question, rng.randint(1, 4) if p.urban else rng.randint(2, 7))
    if key == "pension_insurance":
        return _pick(question, rng, {"1": 30, "2": 55, "3": 15} if p.urban else {"2": 85, "3": 15})
    if key == "medical_insurance":
        return _pick(question, rng, {"1": 25, "2": 72, "3": 3} if p.urban else {"2": 97, "3": 3})
    if key == "dibao":
        return _yes(rng, 0.3 if not p.urban else 0.15)
    if key == "tekun":
        return _yes(rng, 0.05)
    if key == "living_subsidy":
        return _yes(rng, 0.85 if a.stored.get("dibao") == "yes" else 0.1)
    if key == "care_subsidy":
        return _yes(rng, 0.85)
    if key == "employed":
        return _yes(rng, 0.15 if severe else 0.5)
    if key == "employment_form":
        return _pick(question, rng, {"1": 20, "3": 20, "6": 40, "4": 10, "2": 5, "5": 5} if p.urban
                     else {"7": 60, "6": 25, "3": 8, "4": 7})
    if key == "unemployed_reason":
        return _pick(question, rng, {"2": 50 if severe else 20, "4": 20, "9": 15, "1": 5 if age < 25 else 0,
                                     "6": 5, "7": 5, "8": 0 if p.urban else 5, "3": 5 if age >= 50 else 0, "5": 5})
    if key == "training_need":
        return _yes(rng, 0.35)
    if key == "employment_service_need":
        return _multi(question, rng, 0.5)
    if key == "school_status":
        return _pick(question, rng, {"1": 55, "2": 20, "3": 15 if severe else 5, "4": 5, "5": 5})
    if key == "education_need":
        return _multi(question, rng, 0.4)
    if key == "rehab_received":
        return _yes(rng, 0.55)
    if key in ("rehab_services", "rehab_needs"):
        return _multi(question, rng, 0.0 if key == "rehab_services" else 0.35, most=2)
    if key == "devices_received":
        return _yes(rng, 0.25)
    if key.startswith("device_needs_"):
        return _multi(question, rng, 0.45, most=2)
    if key == "housing_status":
        return _pick(question, rng, {"1": 70, "2": 15, "3": 10, "4": 5} if p.urban else {"1": 90, "4": 6, "9": 4})
    if key == "dangerous_house":
        return _yes(rng, 0.03 if p.urban else 0.1)
    if key == "renovation_need":
        return _yes(rng, 0.85)
    if key == "barrier_free_done":
        return _yes(rng, 0.1)
    if key == "barrier_free_need":
        return _yes(rng, 0.45 if severe else 0.25)
    if key == "care_received":
        return _pick_list(question, rng, {"0": 60, "3": 25, "2": 10, "1": 5})
    if key == "care_need":
        return _pick_list(question, rng, {"0": 45, "3": 35, "2": 12, "1": 8})
    if key == "other_needs":
        return rng.choice(APPEALS) if rng.random() < 0.12 else SKIP
    return a.generic(question, p)


def _pick_list(question: Question, rng: random.Random, weights: Mapping[str, float]) -> list[str]:
    return [_pick(question, rng, weights)]


def village_value(a: Answerer, collector: tuple[str, str], question: Question) -> Any:
    """A village collector's answer to a question of the village services form."""
    rng, key = a.rng, question.key
    if key == "respondent_name":
        return collector[0]
    if key == "respondent_phone":
        return collector[1]
    if key == "population":
        return _quantity(question, rng.randint(600, 3200))
    if key == "households":
        return _quantity(question, rng.randint(150, 800))
    if key == "disabled_holders":
        return _quantity(question, rng.randint(12, 90))
    if key in ("association", "full_time_member"):
        return _yes(rng, 0.85)
    if key in ("rehab_station", "device_lending", "day_care"):
        return _yes(rng, 0.35)
    if key in ("rehab_station_served", "day_care_users"):
        return _quantity(question, rng.randint(2, 30))
    if key in ("culture_sports", "employment_help"):
        return _yes(rng, 0.55)
    if key == "barrier_free":
        return _multi(question, rng, 0.4, most=3)
    if key == "difficulties":
        return rng.choice(DIFFICULTIES) if rng.random() < 0.5 else SKIP
    return a.generic(question, None)

