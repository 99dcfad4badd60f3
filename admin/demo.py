"""The seeded demo: Gansu regions, a generated roster, answered records, flags, appeals and staff accounts.

:func:`seed_demo` fills an empty database so that a newcomer sees a living console at once:
people in three real counties (兰州市城关区, 临夏州东乡县, 定西市安定区) with valid ID numbers,
on the rosters of the veterans and disabled-persons campaigns of the configured year; records
answered through every channel, generated from the questionnaire definitions (option codes,
relevance conditions, cross-field rules), some submitted and moved up the review levels, some in
progress, a few flagged for review; appeals from questionnaires, chats and hotline calls; one
staff account per level. Everything is written through :class:`~storage.repo.Store`, so sensitive
values are sealed exactly as in real use.

The generator is deterministic: :func:`plan_people` with the same seed gives the same people
(ID numbers, names, phones, places). It is pure of the command line; ``admin/cmd_demo.py`` prints.
Seeding is refused when ``INTAKE_ENV=production``, refused on a database that already holds
people, records, staff or appeals of its own, and a no-op when the demo is already loaded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from admin.regions import read_region_file
from admin.runtime import Runtime
from admin.security import create_staff
from bot.dialogue import campaign_of
from bot.expressions import compile_expression
from bot.questionnaire import RESERVED_NAMES as RESERVED
from bot.questionnaire import QType, Question, Questionnaire
from bot.values import display, expression_value
from nlu.appeals import classify_appeal
from nlu.dates import DateSpan
from nlu.ethnicity import ethnicity_by_code
from nlu.idcard import check_char
from storage.models import Appeal, Campaign, Flag, Person, Record, Region, RosterEntry
from storage.repo import APPEAL_DAYS, Store
from storage.staff import Staff
from storage.staff_repo import StaffStore

#: The one password of every demo account. Demo only: never on a database with real people.
DEMO_PASSWORD = "intake-demo-only"
DEFAULT_PEOPLE = 300
DEFAULT_SEED = 2026
#: The region file, relative to the working directory or to the repository's parent.
REGIONS_RELATIVE = Path("shared") / "data" / "regions" / "gansu.tsv"
REPO = Path(__file__).resolve().parents[1]

PROVINCE = "甘肃省"
CHENGGUAN = "甘肃省/兰州市/城关区"
DONGXIANG = "甘肃省/临夏回族自治州/东乡族自治县"
ANDING = "甘肃省/定西市/安定区"
REVIEW_TOWNSHIP = DONGXIANG + "/东塬乡"
COLLECT_VILLAGE = REVIEW_TOWNSHIP + "/东塬村"
MARKER = "demo.province"  # the first demo account: its presence means the demo is loaded

#: username, display name, role, region path
STAFF: tuple[tuple[str, str, str, str], ...] = (
    (MARKER, "省级系统管理员", "system_admin", PROVINCE),
    ("demo.chengguan", "城关区管理员", "region_admin", CHENGGUAN),
    ("demo.dongxiang", "东乡县管理员", "region_admin", DONGXIANG),
    ("demo.anding", "安定区管理员", "region_admin", ANDING),
    ("demo.township", "东塬乡审核员", "reviewer", REVIEW_TOWNSHIP),
    ("demo.village", "东塬村采集员", "collector", COLLECT_VILLAGE),
    ("demo.hotline", "热线坐席", "hotline", PROVINCE),
)

_COUNTY_ADMIN = {path: username for username, _, role, path in STAFF if role == "region_admin"}
SELF_CHANNELS = ("web", "wechat", "telegram")
STAGES = ("collected", "township_reviewed", "county_checked", "city_accepted", "province_accepted")


class DemoError(Exception):
    """The demo cannot be seeded as asked; the message says why and what to do."""


@dataclass(frozen=True)
class County:
    """A county of the demo, with the townships preferred for its people and how it lives."""

    path: str
    townships: tuple[str, ...]
    share: float
    urban: bool
    ethnicities: Mapping[str, int]  # GB/T 3304 code -> weight


COUNTIES: tuple[County, ...] = (
    County(CHENGGUAN, ("张掖路街道", "酒泉路街道", "皋兰路街道"), 0.3, True, {"01": 85, "03": 11, "04": 2, "26": 2}),
    County(DONGXIANG, ("东塬乡", "锁南镇", "唐汪镇"), 0.4, False, {"26": 78, "03": 14, "01": 8}),
    County(ANDING, ("凤翔镇", "内官营镇", "李家堡镇"), 0.3, False, {"01": 96, "03": 4}),
)


@dataclass(frozen=True)
class Place:
    """A demo county as found in the region tree: its code and the villages people are put in."""

    county: County
    code: str
    villages: tuple[str, ...]


@dataclass(frozen=True)
class DemoPerson:
    """One generated person: who they are, where they live, which campaign's roster holds them."""

    id_number: str
    name: str
    gender: str  # "1" male, "2" female (GB/T 2261.1), agreeing with the ID number
    birth: date
    phone: str | None
    ethnicity: str
    village: str
    urban: bool
    questionnaire: str  # veterans | disabled_update
    kind: str  # veterans: recipient kind code; disabled_update: category digit
    level: str = ""  # disabled_update: level digit
    enlist: date | None = None
    discharge: date | None = None


@dataclass(frozen=True)
class StaffRow:
    """A demo account for the printed table."""

    username: str
    display_name: str
    role: str
    region: str


@dataclass
class DemoSummary:
    """What the demo database holds."""

    already_loaded: bool
    regions: int = 0
    regions_added: int = 0
    people: int = 0
    roster: dict[str, int] = field(default_factory=dict)  # campaign key -> entries
    records: dict[str, int] = field(default_factory=dict)  # campaign key -> records
    submitted: int = 0
    in_progress: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)  # first channel -> records
    flags: dict[str, int] = field(default_factory=dict)  # reason -> flags
    open_flags: int = 0
    appeals: dict[str, int] = field(default_factory=dict)  # source -> appeals
    staff: list[StaffRow] = field(default_factory=list)
    seconds: float = 0.0


# -- where the regions come from -------------------------------------------------------------


def region_file_candidates(cwd: Path, repo: Path = REPO) -> list[Path]:
    """Where ../shared/data/regions/gansu.tsv is looked for: from the working directory, then the repository."""
    found: list[Path] = []
    for base in (cwd, repo):
        path = (base.parent / REGIONS_RELATIVE).resolve()
        if path not in found:
            found.append(path)
    return found


def resolve_regions_file(explicit: Path | None, cwd: Path, repo: Path = REPO) -> Path:
    """The region file to load: the one given, else the shared Gansu file; DemoError naming the paths if absent."""
    if explicit is not None:
        if not explicit.is_file():
            raise DemoError(f"the region file {explicit} does not exist")
        return explicit
    candidates = region_file_candidates(cwd, repo)
    for path in candidates:
        if path.is_file():
            return path
    tried = " or ".join(str(p) for p in candidates)
    raise DemoError(f"no region file at {tried}; give one with --regions PATH (the format of shared/data/regions)")


# -- the people ------------------------------------------------------------------------------

_SURNAMES = ("王", "张", "李", "刘", "陈", "杨", "赵", "马", "何", "魏", "苏", "牛", "郭", "周", "孙", "朱", "石",
             "冯", "汪", "唐", "韩", "罗", "高", "谢", "董", "秦", "蒲", "雷")
_DONGXIANG_SURNAMES = ("马", "马", "马", "妥", "汪", "唐", "何", "张", "赵", "陈", "哈", "龙")
_MALE = ("建国", "建军", "国强", "志刚", "永平", "军", "海", "伟", "强", "勇", "明", "德福", "正义", "文斌", "振华",
         "学军", "卫东", "光明", "福林", "成", "鹏", "磊", "俊", "玉龙", "有才", "万青", "哈木", "尕娃")
_FEMALE = ("秀英", "桂兰", "玉兰", "丽", "芳", "霞", "燕", "红梅", "淑珍", "文秀", "小梅", "海燕", "静", "娟", "兰花",
           "彩霞", "春花", "玉梅", "丽娟", "婷", "雪", "尕女", "凤英", "金花")
_MOBILE = ("138", "139", "136", "137", "151", "158", "159", "177", "180", "181", "186", "189", "199", "150", "153")

#: veterans' recipient kind -> (weight, earliest and latest birth year offset from the campaign year, male share)
_VETERAN_KINDS: dict[str, tuple[int, int, int, float]] = {
    "02": (55, 85, 24, 0.96),  # 退役士兵
    "01": (9, 80, 40, 0.97),  # 退役军官
    "06": (2, 98, 92, 1.0),  # 老复员军人
    "09": (7, 90, 40, 0.45),  # 烈士遗属
    "10": (2, 80, 30, 0.4),  # 因公牺牲军人遗属
    "11": (4, 85, 35, 0.4),  # 病故军人遗属
    "12": (17, 70, 20, 0.3),  # 现役军人家属
    "13": (4, 85, 50, 0.9),  # 伤残民兵民工
}
_DISABILITY = {"4": 34, "1": 12, "2": 15, "3": 3, "5": 10, "6": 10, "7": 16}
_LEVELS = {"1": 12, "2": 23, "3": 30, "4": 35}


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def make_id_number(code: str, birth: date, gender: str, rng: random.Random) -> str:
    """A valid 18-character ID number (GB 11643) for a region code, birth date and gender."""
    digit = rng.choice("13579" if gender == "1" else "02468")
    body = f"{code}{birth:%Y%m%d}{rng.randrange(100):02d}{digit}"
    return body + check_char(body)


def plan_people(seed: int, count: int, places: Sequence[Place], year: int) -> list[DemoPerson]:
    """The people of the demo: the same seed, count and places give the same people."""
    rng = random.Random(f"intake-demo/people/{seed}")
    seen: set[str] = set()
    people: list[DemoPerson] = []
    shares = {str(i): p.county.share for i, p in enumerate(places)}
    for n in range(count):
        place = places[n % len(places)] if n < len(places) else places[int(_weighted(rng, shares))]
        village = _pick_village(rng, place, first=n < 2 * len(places))
        if rng.random() < 0.55:
            person = _veteran(rng, place, village, year)
        else:
            person = _disabled(rng, place, village, year)
        while person.id_number in seen:
            person = _with_new_id(rng, person, place.code)
        seen.add(person.id_number)
        people.append(person)
    return people


def _pick_village(rng: random.Random, place: Place, first: bool) -> str:
    if COLLECT_VILLAGE in place.villages:
        if first:
            return COLLECT_VILLAGE  # the demo collector's village always has people
        weights = {v: (4.0 if v == COLLECT_VILLAGE else 1.0) for v in place.villages}
        return _weighted(rng, weights)
    return rng.choice(place.villages)


def _with_new_id(rng: random.Random, person: DemoPerson, code: str) -> DemoPerson:
    from dataclasses import replace

    return replace(person, id_number=make_id_number(code, person.birth, person.gender, rng))


def _name(rng: random.Random, gender: str, dongxiang: bool) -> str:
    surname = rng.choice(_DONGXIANG_SURNAMES if dongxiang else _SURNAMES)
    return surname + rng.choice(_MALE if gender == "1" else _FEMALE)


def _phone(rng: random.Random) -> str:
    return rng.choice(_MOBILE) + f"{rng.randrange(10**8):08d}"


def _veteran(rng: random.Random, place: Place, village: str, year: int) -> DemoPerson:
    kind = _weighted(rng, {k: v[0] for k, v in _VETERAN_KINDS.items()})
    _, oldest, youngest, male = _VETERAN_KINDS[kind]
    gender = "1" if rng.random() < male else "2"
    birth = _random_date(rng, date(year - oldest, 1, 1), date(year - youngest, 12, 31))
    enlist = discharge = None
    if kind in ("01", "02", "06"):
        age = rng.randint(17, 21) if kind != "06" else rng.randint(15, 19)
        enlist = date(birth.year + age, rng.choice((3, 9, 10, 11, 12)), 1)
        if enlist < _years_after(birth, 17) and kind != "06":
            enlist = date(enlist.year + 1, enlist.month, 1)
        served = {"01": rng.randint(12, 28), "02": rng.choice((2, 2, 2, 3, 5, 8, 12)), "06": rng.randint(3, 8)}[kind]
        discharge = date(min(enlist.year + served, year - 1), rng.choice((3, 9, 12)), 1)
    ethnicity = _weighted(rng, place.county.ethnicities)
    return DemoPerson(
        id_number=make_id_number(place.code, birth, gender, rng), name=_name(rng, gender, place.county.path == DONGXIANG),
        gender=gender, birth=birth, phone=_phone(rng), ethnicity=ethnicity, village=village, urban=place.county.urban,
        questionnaire="veterans", kind=kind, enlist=enlist, discharge=discharge,
    )


def _disabled(rng: random.Random, place: Place, village: str, year: int) -> DemoPerson:
    gender = "1" if rng.random() < 0.56 else "2"
    birth = _random_date(rng, date(year - 88, 1, 1), date(year - 3, 12, 31))
    ethnicity = _weighted(rng, place.county.ethnicities)
    return DemoPerson(
        id_number=make_id_number(place.code, birth, gender, rng), name=_name(rng, gender, place.county.path == DONGXIANG),
        gender=gender, birth=birth, phone=_phone(rng) if rng.random() < 0.8 else None, ethnicity=ethnicity,
        village=village, urban=place.county.urban, questionnaire="disabled_update",
        kind=_weighted(rng, _DISABILITY), level=_weighted(rng, _LEVELS),
    )


# -- answers ---------------------------------------------------------------------------------

_SKIP = object()  # an optional question left unanswered

_APPEALS = (
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
_DIFFICULTIES = ("缺少康复器材，专职委员补贴太低。", "村里重度残疾人多，上门照料的人手不够。",
                 "无障碍改造资金不足，希望县上多支持。", "辅具借用点的轮椅不够用。")
_CHAT_HUMAN = ("转人工", "我要找工作人员", "人工客服，我的补贴到现在还没发", "能不能让人给我打个电话",
               "找人工，我不会用这个")
_HOTLINE = ("来电反映：老人腿脚不便，希望工作人员上门登记。", "来电咨询：退役军人优待证怎么办理？",
            "来电反映：残疾人护理补贴停发了，要求核实。", "来电反映：家里房屋有安全隐患，想申请危房改造。",
            "来电咨询：儿子退伍后的就业补助怎么领？", "来电反映：医保报销比例太低，看病负担重。")
_GARBLED = {"employment": "就是那个……在那边干点活嘛", "ethnicity": "我们这边的嘛，你写上就行",
            "housing_nature": "住的是老房子，说不清", "political_status": "以前的事了记不清",
            "housing_status": "住着呢，就那样", "employment_form": "有啥干啥",
            "education_level": "念过几天", "hukou_type": "户口在老家那边"}
_LOW_CONFIDENCE_KEYS = ("name", "employer", "ethnicity", "political_status", "household_size", "housing_area",
                        "education_level", "marital_status")


@dataclass
class GenAnswer:
    """A generated answer before it is saved."""

    key: str
    value: Any
    raw: str | None
    confidence: float
    status: str = "new"


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
    return _weighted(rng, chosen) if chosen else rng.choice(codes)


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


class _Answerer:
    """Generates one record's answers from the questionnaire, question by question, honouring relevance."""

    def __init__(self, q: Questionnaire, rng: random.Random, reference: date, county: str, today: date) -> None:
        self.q = q
        self.rng = rng
        self.reference = reference
        self.county = county
        self.env: dict[str, Any] = {"reference_date": DateSpan(reference, reference, "day"),
                                    "today": DateSpan(today, today, "day")}
        self.stored: dict[str, Any] = {}
        self.sections = {s.key: compile_expression(s.relevant) for s in q.sections if s.relevant}

    def relevant(self, question: Question) -> bool:
        """Whether the question applies given the answers so far (section and question conditions)."""
        section = self.q.section_of[question.key]
        cond = self.sections.get(section.key)
        if cond is not None and not cond.holds(self.env):
            return False
        return question.relevance is None or question.relevance.holds(self.env)

    def run(self, value_of: Callable[[Question], Any], garble: str | None) -> list[GenAnswer]:
        """Answer every relevant question; ``garble`` is a key answered in words nobody could read."""
        out: list[GenAnswer] = []
        for question in self.q.questions:
            if not self.relevant(question):
                continue
            if question.key == garble:
                out.append(GenAnswer(question.key, None, _GARBLED.get(question.key, "嗯……这个不好说"), 0.0))
                continue
            value = value_of(question)
            if value is _SKIP:
                continue
            self.stored[question.key] = value
            self.env[question.key] = expression_value(question, value)
            out.append(GenAnswer(question.key, value, self._raw(question, value), 1.0))
        return out

    def _raw(self, question: Question, value: Any) -> str:
        if question.type == QType.YES_NO:
            return {"yes": "有", "no": "没有"}.get(str(value), display(question, value))
        if question.type == QType.REGION:
            return str(value).split("/", 1)[-1].replace("/", "")
        return display(question, value)

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
            return person.phone if person and person.phone else _phone(rng)
        if t == QType.ETHNICITY:
            return _ethnicity(person.ethnicity if person else "01")
        if t == QType.ID_NUMBER and person is not None:
            return person.id_number
        if t == QType.REGION and person is not None:
            return person.village
        if t == QType.TEXT and not question.constraints.pattern:
            return "（演示数据）" if question.required else _SKIP
        if not question.required:
            return _SKIP
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


def veterans_value(a: _Answerer, p: DemoPerson, question: Question) -> Any:
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
            return _SKIP
        return rng.choice(("兰州军区某部", "某集团军某师", "武警某总队某支队", "某守备团")) + rng.choice(("一营", "二营", "三连", "通信连"))
    if key == "service_number":
        return f"{rng.randrange(10**9):09d}" if rng.random() < 0.3 else _SKIP
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
        return rng.choice(_APPEALS) if rng.random() < 0.15 else _SKIP
    if key == "photo":
        return _SKIP
    return a.generic(question, p)


def disabled_value(a: _Answerer, p: DemoPerson, question: Question) -> Any:
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
        return p.phone if p.phone else _SKIP
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
        return rng.choice(_APPEALS) if rng.random() < 0.12 else _SKIP
    return a.generic(question, p)


def _always_asked(q: Questionnaire, question: Question) -> bool:
    """Whether a question is asked of everybody (no condition on it or on its section)."""
    return question.required and question.relevant is None and q.section_of[question.key].relevant is None


def _pick_list(question: Question, rng: random.Random, weights: Mapping[str, float]) -> list[str]:
    return [_pick(question, rng, weights)]


def village_value(a: _Answerer, collector: tuple[str, str], question: Question) -> Any:
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
        return rng.choice(_DIFFICULTIES) if rng.random() < 0.5 else _SKIP
    return a.generic(question, None)


# -- seeding ---------------------------------------------------------------------------------


@dataclass
class _Planned:
    """What happens to one roster entry: how it was collected and how far it got."""

    person: DemoPerson
    channel: str
    state: str  # none | in_progress | submitted
    stage: str | None = None
    garble: bool = False
    low_confidence: bool = False
    rule: bool = False


def demo_places(store: Store) -> list[Place]:
    """The demo counties as found in the loaded region tree, with the villages their people live in."""
    places = []
    for county in COUNTIES:
        region = store.region_by_path(county.path)
        if region is None or region.id is None:
            raise DemoError(f"the region file has no county {county.path!r}; the demo needs the Gansu region tree")
        townships = [r for r in store.children(region.id) if r.level == "township"]
        preferred = [t for name in county.townships for t in townships if t.name == name]
        chosen = (preferred + [t for t in townships if t not in preferred])[:3]
        villages: list[str] = []
        for township in chosen:
            villages.extend(v.path for v in store.children(township.id or 0)[:4])
        if not villages:
            raise DemoError(f"the region file has no villages under {county.path!r}")
        code = region.code or ""
        if not (code.isdigit() and len(code) == 6):
            raise DemoError(f"the county {county.path!r} has no six-digit code in the region file")
        places.append(Place(county, code, tuple(villages)))
    return places


def _counts_by(store: Store, column: Any, *where: Any) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)
    for condition in where:
        query = query.where(condition)
    return {str(k): int(n) for k, n in store.session.exec(query).all() if k is not None}


def _count(store: Store, model: Any) -> int:
    return int(store.session.exec(select(func.count()).select_from(model)).one())


def _summarise(store: Store, already_loaded: bool) -> DemoSummary:
    """What the database holds now, from the database itself."""
    keys = {c.id: c.key for c in store.session.exec(select(Campaign)).all()}
    roster = _counts_by(store, RosterEntry.campaign_id)
    records = _counts_by(store, Record.campaign_id)
    staff_store = StaffStore(store.session)
    rows = []
    for username, _, _, _ in STAFF:
        staff = staff_store.by_username(username)
        if staff is not None:
            region = staff_store.region(staff.region_id)
            rows.append(StaffRow(staff.username, staff.display_name, staff.role, region.path if region else ""))
    status = _counts_by(store, Record.status)
    return DemoSummary(
        already_loaded=already_loaded,
        regions=_count(store, Region),
        people=_count(store, Person),
        roster={keys.get(int(k), k): n for k, n in roster.items()},
        records={keys.get(int(k), k): n for k, n in records.items()},
        submitted=status.get("submitted", 0),
        in_progress=status.get("in_progress", 0),
        stages=_counts_by(store, Record.stage),
        channels=_counts_by(store, Record.first_channel),
        flags=_counts_by(store, Flag.reason),
        open_flags=int(store.session.exec(select(func.count()).select_from(Flag)
                                          .where(Flag.status == "open")).one()),
        appeals=_counts_by(store, Appeal.source),
        staff=rows,
    )


def loaded_summary(runtime: Runtime) -> DemoSummary | None:
    """What the demo holds when it is already loaded (its accounts exist), else None."""
    with runtime.store_scope() as store:
        if StaffStore(store.session).by_username(MARKER) is None:
            return None
        return _summarise(store, already_loaded=True)


def seed_demo(
    runtime: Runtime,
    regions_file: Path,
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo (one transaction); a no-op when the demo is already loaded."""
    started = time.monotonic()
    if runtime.settings.env == "production":
        raise DemoError("refusing to seed demo data with INTAKE_ENV=production: demo accounts share one "
                        "published password")
    if not 1 <= people <= 20000:
        raise DemoError("--people must be between 1 and 20000")
    moment = now or datetime.now(UTC)
    with runtime.store_scope() as store:
        if StaffStore(store.session).by_username(MARKER) is not None:
            return _summarise(store, already_loaded=True)
        held = {name: _count(store, model) for name, model in
                (("people", Person), ("records", Record), ("staff accounts", Staff), ("appeals", Appeal))}
        if any(held.values()):
            what = ", ".join(f"{n} {name}" for name, n in held.items() if n)
            raise DemoError(f"the database already holds data ({what}); the demo only seeds an empty database "
                            "— point INTAKE_DATABASE_URL at a new one, e.g. sqlite:///./var/demo.db")
        added, _ = store.add_regions(read_region_file(regions_file))
        _Seeder(runtime, store, seed, people, moment, progress).run()
        summary = _summarise(store, already_loaded=False)
        summary.regions_added = added
    runtime.reload_regions()
    summary.seconds = time.monotonic() - started
    return summary


class _Seeder:
    """Writes the demo through one Store."""

    def __init__(self, runtime: Runtime, store: Store, seed: int, people: int, now: datetime,
                 progress: Callable[[int], None] | None) -> None:
        self.rt = runtime
        self.progress = progress
        self.store = store
        self.staff_store = StaffStore(store.session)
        self.seed = seed
        self.count = people
        self.now = now
        self.year = runtime.settings.campaign_year
        self.rng = random.Random(f"intake-demo/records/{seed}")
        self.staff: dict[str, Staff] = {}
        self.regions: dict[str, Region] = {}
        self.accounts: dict[int, tuple[str, str]] = {}  # person id -> (channel, channel user id)

    def run(self) -> None:
        """Staff, campaigns, roster, records, flags, appeals."""
        for username, name, role, region in STAFF:
            self.staff[username] = create_staff(self.staff_store, username, name, DEMO_PASSWORD, role, region)
        places = demo_places(self.store)
        plans = self._plan(plan_people(self.seed, self.count, places, self.year))
        campaigns = {name: self._campaign(name) for name in ("veterans", "disabled_update")}
        # every Store write flushes what it adds; backdated timestamps need not be flushed before each query
        with self.store.session.no_autoflush:
            for plan in plans:
                self._person(plan, campaigns[plan.person.questionnaire])
                if self.progress is not None:
                    self.progress(1)
            self._villages(places)
            self._appeals(plans)
        self.store.session.flush()

    def _campaign(self, name: str) -> Campaign:
        q = self.rt.questionnaires.get(name)
        if q is None:
            raise DemoError(f"the questionnaire {name!r} is not loaded")
        return campaign_of(self.store, q, self.year)

    def _region(self, path: str) -> Region:
        if path not in self.regions:
            region = self.store.region_by_path(path)
            if region is None:
                raise DemoError(f"no region {path!r}")
            self.regions[path] = region
        return self.regions[path]

    def _plan(self, people: list[DemoPerson]) -> list[_Planned]:
        """Channel, progress and review stage of every roster entry; which records get flagged answers."""
        rng = self.rng
        plans: list[_Planned] = []
        for p in people:
            channels = {"visit": 60, "phone": 8, "wechat": 17, "web": 10, "telegram": 5} \
                if p.questionnaire == "disabled_update" else \
                {"visit": 30, "phone": 10, "wechat": 35, "web": 18, "telegram": 7}
            roll = rng.random()
            state = "none" if roll < 0.12 else "in_progress" if roll < 0.27 else "submitted"
            stage = None
            if state == "submitted":
                stage = _weighted(rng, {"collected": 40, "township_reviewed": 25, "county_checked": 18,
                                        "city_accepted": 10, "province_accepted": 4, "returned": 3})
            plans.append(_Planned(p, _weighted(rng, channels), state, stage))
        # flagged answers go to complete records, so that every kind of flag is there even for a small demo
        done = [pl for pl in plans if pl.state == "submitted"] or [pl for pl in plans if pl.state != "none"]
        if done:
            spoken = [pl for pl in done if pl.channel in ("visit", "phone")] or done
            for attr, among, share in (("rule", done, 0.05), ("garble", done, 0.04), ("low_confidence", spoken, 0.08)):
                for pl in rng.sample(among, k=max(1, round(share * len(among)))):
                    setattr(pl, attr, True)
                    if pl.stage is not None and rng.random() < 0.7:
                        pl.stage = "collected"  # most flags still wait in the review queue
        return plans

    def _actor(self, channel: str, village: str) -> str:
        if channel == "visit":
            return f"collector:{self.staff['demo.village'].id}" if village == COLLECT_VILLAGE else "collector:demo"
        if channel == "phone":
            return f"staff:{self.staff['demo.hotline'].id}"
        return f"self:{channel}"

    def _account(self, person: Person, channel: str) -> None:
        rng = self.rng
        if channel == "wechat":
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
            user = "o" + "".join(rng.choice(alphabet) for _ in range(27))
        elif channel == "telegram":
            user = str(rng.randrange(10**8, 10**10))
        else:
            user = f"web-{rng.getrandbits(64):016x}"
        self.store.link_account(self.store.account(channel, user), person)
        self.accounts[person.id or 0] = (channel, user)

    def _when(self, days: float) -> datetime:
        """A moment in the last ``days`` days, at least a few hours ago (so that a record's answers are past)."""
        return self.now - timedelta(days=self.rng.uniform(0.3, days))

    def _person(self, plan: _Planned, campaign: Campaign) -> None:
        p, store, rng = plan.person, self.store, self.rng
        q = self.rt.questionnaires[p.questionnaire]
        region = self._region(p.village)
        person = store.create_person(p.id_number, source="roster", name=p.name, phone=p.phone, region_id=region.id)
        prefill = {"name": p.name, **({"phone": p.phone} if p.phone else {})}
        store.put_roster_entry(campaign.id or 0, person, region.id, prefill)
        if plan.state == "none":
            return
        record, _ = store.record_for(campaign, f"person:{person.id}", channel=plan.channel, person_id=person.id,
                                     region_id=region.id)
        if plan.channel in SELF_CHANNELS:
            self._account(person, plan.channel)
        answerer = _Answerer(q, rng, campaign.reference_date or date(self.year, 6, 30), p.village.split("/")[2],
                             self.now.date())
        value_of = veterans_value if p.questionnaire == "veterans" else disabled_value
        garble = None
        if plan.garble:
            candidates = [k for k in _GARBLED if k in q.by_key and _always_asked(q, q.by_key[k])]
            garble = rng.choice(candidates) if candidates else None
        answers = answerer.run(partial(value_of, answerer, p), garble)
        if plan.state == "in_progress":
            answers = answers[:rng.randint(3, max(3, len(answers) - 3))]
        if plan.rule:
            self._misstate_birth(q, answers, answerer, p.birth)
        low_key = None
        if plan.low_confidence:
            present = [a.key for a in answers if a.value is not None and a.key in _LOW_CONFIDENCE_KEYS]
            low_key = rng.choice(present) if present else None
        opened = self._when(40)
        last = self._write(record, q, answers, answerer, plan.channel, self._actor(plan.channel, p.village), low_key,
                           opened)
        record.created_at = opened
        if plan.channel in SELF_CHANNELS:
            record.notice_accepted_at = opened
        if plan.state == "submitted":
            store.submit(record, self.year)
            record.submitted_at = last + timedelta(minutes=rng.uniform(1, 5))
            last = self._move(record, plan, record.submitted_at)
        record.updated_at = last
        store.session.add(record)

    def _misstate_birth(self, q: Questionnaire, answers: list[GenAnswer], answerer: _Answerer, birth: date) -> None:
        """The stated birth date a year off the ID number's: the commonest rule warning in the field."""
        stated = next((a for a in answers if a.key == "birth_date"), None)
        if stated is None:
            return
        shifted = date(birth.year + self.rng.choice((-1, 1)), birth.month, min(birth.day, 28))
        stated.value = _day(shifted)
        stated.raw = display(q.by_key["birth_date"], stated.value)
        answerer.env["birth_date"] = expression_value(q.by_key["birth_date"], stated.value)

    def _write(self, record: Record, q: Questionnaire, answers: list[GenAnswer], answerer: _Answerer,
               channel: str, actor: str, low_key: str | None, at: datetime) -> datetime:
        """Save the answers with their provenance from ``at`` on; flag what a reviewer must see, as the engine does.

        Returns the time of the last answer.
        """
        rng, store = self.rng, self.store
        spoken = channel in ("visit", "phone")
        saved: dict[str, int] = {}
        for a in answers:
            question = q.by_key[a.key]
            confidence = a.confidence if a.value is None else (round(rng.uniform(0.72, 0.99), 2) if spoken else 1.0)
            if a.key == low_key:
                confidence = round(rng.uniform(0.35, 0.58), 2)
            confirmed = question.identifies or (question.prefill in ("name", "phone") and a.value is not None)
            answer = store.save_answer(record, a.key, a.value, raw=a.raw, confidence=confidence,
                                       status="confirmed" if confirmed else "new", channel=channel, actor=actor,
                                       sensitive=question.sensitive)
            at += timedelta(seconds=rng.uniform(10, 90))
            answer.created_at = at
            saved[a.key] = answer.id or 0
            if a.value is None:
                store.add_flag(record, a.key, "not_understood", "no_match: 没有听懂这一项的回答", answer.id).created_at = at
            elif a.key == low_key:
                store.add_flag(record, a.key, "low_confidence", f"confidence {confidence:.2f}", answer.id).created_at = at
            if question.creates_appeal and isinstance(a.value, str):
                user = self.accounts.get(record.person_id or 0, (channel, None))[1] \
                    if record.person_id is not None else None
                store.create_appeal(source="questionnaire", text=a.value, category=classify_appeal(a.value).value,
                                    channel=channel, channel_user_id=user, person_id=record.person_id,
                                    record_id=record.id, region_id=record.region_id)
        # cross-field rules as the engine checks them: a broken one was insisted on, so it is kept and flagged
        env = {k: v for k, v in answerer.env.items() if k in saved or k in RESERVED}
        for rule in q.rules:
            if any(env.get(k) is None for k in rule.questions) or rule.expression.holds(env):
                continue
            offender = rule.questions[-1]
            store.add_flag(record, offender, "rule", f"{rule.key}: {rule.message}", saved.get(offender)).created_at = at
        return at

    def _move(self, record: Record, plan: _Planned, submitted: datetime) -> datetime:
        """Walk a submitted record up the review levels to its planned stage (flags resolved on the way).

        Returns the time of the last step.
        """
        store, village = self.store, plan.person.village
        target = plan.stage or "collected"
        county = self.staff[_COUNTY_ADMIN["/".join(village.split("/")[:3])]].id
        township = self.staff["demo.township"].id if village.startswith(REVIEW_TOWNSHIP + "/") else None
        by = {"township_reviewed": township, "county_checked": county, "city_accepted": None,
              "province_accepted": self.staff[MARKER].id}
        if target == "collected":
            return submitted
        steps = ["returned"] if target == "returned" else list(STAGES[1:STAGES.index(target) + 1])
        # spread the steps between the submission and now
        times = sorted(submitted + (self.now - submitted) * self.rng.uniform(0.05, 0.95) for _ in steps)
        for key in {f.question_key for f in store.flags(record.id or 0)}:
            store.resolve_flags(record.id or 0, key, f"staff:{township or county}")
        for flag in store.flags(record.id or 0, status=None):
            flag.resolved_at = times[0]
            store.session.add(flag)
        for stage, moment in zip(steps, times, strict=True):
            if stage == "returned":
                event = store.move_record(record, "return", "returned", county, "电话号码和本人核实不一致，请重新核对后提交")
            else:
                event = store.move_record(record, "advance", stage, by[stage])
            event.created_at = moment
        return times[-1]

    def _villages(self, places: list[Place]) -> None:
        """The demo collector's village and about half of the others have filled the village services form."""
        q = self.rt.questionnaires.get("village_services")
        if q is None:
            return
        campaign = self._campaign("village_services")
        collector = self.staff["demo.village"]
        for place in places:
            for path in place.villages:
                if path != COLLECT_VILLAGE and self.rng.random() < 0.5:
                    continue
                region = self._region(path)
                record, _ = self.store.record_for(campaign, f"region:{region.id}", channel="visit",
                                                  region_id=region.id)
                ours = path == COLLECT_VILLAGE
                who = (collector.display_name if ours else _name(self.rng, self.rng.choice("12"), False),
                       _phone(self.rng))
                answerer = _Answerer(q, self.rng, campaign.reference_date or date(self.year, 6, 30),
                                     path.split("/")[2], self.now.date())
                answers = answerer.run(partial(village_value, answerer, who), None)
                opened = self._when(20)
                last = self._write(record, q, answers, answerer, "visit", self._actor("visit", path), None, opened)
                self.store.submit(record, self.year)
                record.created_at = opened
                record.submitted_at = record.updated_at = last + timedelta(minutes=2)
                self.store.session.add(record)

    def _appeals(self, plans: list[_Planned]) -> None:
        """Appeals from chats ("talk to a person") and hotline calls, at every point of their handling."""
        rng, store = self.rng, self.store
        hotline = self.staff["demo.hotline"]
        chatting = sorted(self.accounts)
        for pid in rng.sample(chatting, k=min(len(chatting), max(2, round(0.03 * len(plans))))):
            channel, user = self.accounts[pid]
            person = store.get_person(pid)
            record = store.session.exec(select(Record).where(Record.person_id == pid)).first()
            appeal = store.create_appeal(source="chat", text=rng.choice(_CHAT_HUMAN), category="other",
                                         channel=channel, channel_user_id=user, person_id=pid,
                                         record_id=record.id if record else None, region_id=person.region_id)
            self._handle(appeal, hotline)
        callers = rng.sample(plans, k=min(len(plans), max(2, round(0.04 * len(plans)))))
        for plan in callers:
            caller = store.find_person(plan.person.id_number)
            text = rng.choice(_HOTLINE)
            appeal = store.create_appeal(source="hotline", text=text, category=classify_appeal(text).value,
                                         channel="phone", person_id=caller.id if caller else None,
                                         region_id=caller.region_id if caller else None)
            self._handle(appeal, hotline)
        for text in rng.sample(_HOTLINE, k=2):  # callers who gave no ID number: placed in their county
            county = self._region(rng.choice([c.path for c in COUNTIES]))
            appeal = store.create_appeal(source="hotline", text=text, category=classify_appeal(text).value,
                                         channel="phone", region_id=county.id)
            self._handle(appeal, hotline)
        for appeal in store.session.exec(select(Appeal).where(Appeal.source == "questionnaire")
                                         .order_by(col(Appeal.id))).all():
            self._handle(appeal, hotline)

    def _handle(self, appeal: Appeal, hotline: Staff) -> None:
        """Give an appeal a status, an assignee and a thread, as the hotline would have by now."""
        status = _weighted(self.rng, {"new": 40, "assigned": 20, "in_progress": 15, "answered": 15, "closed": 10})
        appeal.created_at = self._when(25)
        appeal.deadline = appeal.created_at + timedelta(days=APPEAL_DAYS)
        appeal.status = status
        if status != "new":
            appeal.assignee_id = hotline.id
        if status in ("in_progress", "answered", "closed"):
            self.store.add_appeal_note(appeal, "已电话联系本人，正在和相关部门核实。", "note", hotline.id)
        if status in ("answered", "closed"):
            self.store.add_appeal_note(appeal, "您反映的问题已转相关部门办理，工作人员会在5个工作日内和您联系。",
                                       "answer", hotline.id)
        self.store.session.add(appeal)
