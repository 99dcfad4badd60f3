"""The demo's people: generated deterministically (ID numbers, names, phones, places) from a seed."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from admin.demo.world import COLLECT_VILLAGE, DONGXIANG, Place
from nlu.idcard import check_char


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


def weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
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
        place = places[n % len(places)] if n < len(places) else places[int(weighted(rng, shares))]
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
        return weighted(rng, weights)
    return rng.choice(place.villages)


def _with_new_id(rng: random.Random, person: DemoPerson, code: str) -> DemoPerson:
    return replace(person, id_number=make_id_number(code, person.birth, person.gender, rng))


def random_name(rng: random.Random, gender: str, dongxiang: bool) -> str:
    surname = rng.choice(_DONGXIANG_SURNAMES if dongxiang else _SURNAMES)
    return surname + rng.choice(_MALE if gender == "1" else _FEMALE)


def random_phone(rng: random.Random) -> str:
    return rng.choice(_MOBILE) + f"{rng.randrange(10**8):08d}"


def _veteran(rng: random.Random, place: Place, village: str, year: int) -> DemoPerson:
    kind = weighted(rng, {k: v[0] for k, v in _VETERAN_KINDS.items()})
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
    ethnicity = weighted(rng, place.county.ethnicities)
    return DemoPerson(
        id_number=make_id_number(place.code, birth, gender, rng), name=random_name(rng, gender, place.county.path == DONGXIANG),
        gender=gender, birth=birth, phone=random_phone(rng), ethnicity=ethnicity, village=village, urban=place.county.urban,
        questionnaire="veterans", kind=kind, enlist=enlist, discharge=discharge,
    )


def _disabled(rng: random.Random, place: Place, village: str, year: int) -> DemoPerson:
    gender = "1" if rng.random() < 0.56 else "2"
    birth = _random_date(rng, date(year - 88, 1, 1), date(year - 3, 12, 31))
    ethnicity = weighted(rng, place.county.ethnicities)
    return DemoPerson(
        id_number=make_id_number(place.code, birth, gender, rng), name=random_name(rng, gender, place.county.path == DONGXIANG),
        gender=gender, birth=birth, phone=random_phone(rng) if rng.random() < 0.8 else None, ethnicity=ethnicity,
        village=village, urban=place.county.urban, questionnaire="disabled_update",
        kind=weighted(rng, _DISABILITY), level=weighted(rng, _LEVELS),
    )

