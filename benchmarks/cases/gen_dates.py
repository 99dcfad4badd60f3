"""Generated date cases: known dates rendered in many surface forms, each with the expected span by rule.

``rows(seed, n)`` yields rows with the columns of ../shared/data/nlu-cases/dates.tsv (source
``intake-generated``, the note naming the form). Pure standard library, deterministic for a seed.
Forms: 1985年3月12日, 八五年三月十二号, 一九八五年三月, 85.3.12, 1985/03/12, 1985-3, 19850312, financial
numerals, traditional characters, ASR spaces, fillers and dialect, month-days said without the year
(with now after and before them: the past reading), relative forms computed from now (三年前, 去年五月,
上个月, 两个月前), decades, quarters, halves, parts of a month, spans and 民国 years.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

_DIGITS = "零一二三四五六七八九"
_FIN = "零壹贰叁肆伍陆柒捌玖"
_TRAD = str.maketrans({"号": "號", "个": "個", "两": "兩", "从": "從", "国": "國", "周": "週", "这": "這",
                       "后": "後", "说": "說", "岁": "歲", "记": "記", "样": "樣", "会": "會", "边": "邊"})
_PREFIX = ("", "", "", "我是", "嗯，", "那个", "俺是", "额，", "我记得是", "就是", "应该是", "大概是")
_SUFFIX = ("", "", "", "出生的", "生的", "的", "吧", "嘞", "那会儿", "入伍的", "哈", "嘛")
Row = dict[str, str]


def _cn_small(n: int, fin: bool = False) -> str:
    """1..99 in Chinese numerals: 十二, 二十三, 三十."""
    digits = _FIN if fin else _DIGITS
    ten = "拾" if fin else "十"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 and not fin else digits[tens]
    return head + ten + (digits[ones] if ones else "")


def _cn_digits(s: str, fin: bool = False) -> str:
    """Digit by digit: 1985 -> 一九八五."""
    table = _FIN if fin else _DIGITS
    return "".join(table[int(c)] for c in s)


def _last(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _yy_ok(year: int, now: datetime) -> bool:
    """A two-digit year reads back as this year (19yy unless 20yy is not after now)."""
    yy = year % 100
    return (2000 + yy if 2000 + yy <= now.year else 1900 + yy) == year


def _row(text: str, now: datetime, start: date, end: date, granularity: str, note: str) -> Row:
    return {"input": text, "reference_time": now.isoformat(timespec="seconds"), "expected_start": str(start),
            "expected_end": str(end), "granularity": granularity, "alt_expected": "", "source": "intake-generated",
            "note": note}


def _decorate(rng: random.Random, text: str) -> tuple[str, str]:
    """Fillers, traditional characters and ASR spaces, chosen at random; the note names them."""
    tags = []
    if rng.random() < 0.35:
        text = rng.choice(_PREFIX) + text + rng.choice(_SUFFIX)
        tags.append("filler")
    if rng.random() < 0.2:
        text = text.translate(_TRAD)
        tags.append("traditional")
    if rng.random() < 0.2 and len(text) > 2:
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            i = rng.randint(1, len(chars) - 1)
            chars.insert(i, " ")
        text = "".join(chars)
        tags.append("asr-spaces")
    return text, "+".join(tags)


def _day(rng: random.Random, d: date, now: datetime) -> tuple[str, str]:
    y, m, dd = d.year, d.month, d.day
    forms: list[tuple[str, str]] = [
        (f"{y}年{m}月{dd}日", "digits"), (f"{y}年{m}月{dd}号", "digits"),
        (f"{_cn_digits(str(y))}年{_cn_small(m)}月{_cn_small(dd)}日", "chinese"),
        (f"{_cn_digits(str(y))}年{_cn_small(m)}月{_cn_small(dd)}号", "chinese"),
        (f"{y}.{m}.{dd}", "dots"), (f"{y}/{m:02d}/{dd:02d}", "slashes"), (f"{y}-{m}-{dd}", "dashes"),
        (f"{y}{m:02d}{dd:02d}", "compact"),
        (f"{_cn_digits(str(y), True)}年{_cn_small(m, True)}月{_cn_small(dd, True)}日", "financial"),
        (f"{y}年{_cn_small(m)}月{dd}号", "mixed"),
    ]
    if _yy_ok(y, now):
        yy = f"{y % 100:02d}"
        forms += [(f"{_cn_digits(yy)}年{_cn_small(m)}月{_cn_small(dd)}号", "two-digit"),
                  (f"{yy}年{m}月{dd}日", "two-digit"), (f"{yy}.{m}.{dd}", "two-digit-dots")]
    if dd > 12:
        forms.append((f"{dd:02d}/{m:02d}/{y}", "day-month-year"))
    return rng.choice(forms)


def _month(rng: random.Random, d: date, now: datetime) -> tuple[str, str]:
    y, m = d.year, d.month
    forms = [(f"{y}年{m}月", "digits"), (f"{_cn_digits(str(y))}年{_cn_small(m)}月", "chinese"),
             (f"{_cn_digits(str(y))}年{_cn_small(m)}月份", "chinese"), (f"{y}-{m}", "dashes"),
             (f"{y}.{m:02d}", "dots"), (f"{y}年的{_cn_small(m)}月份", "chinese")]
    if _yy_ok(y, now):
        forms += [(f"{_cn_digits(f'{y % 100:02d}')}年{_cn_small(m)}月", "two-digit"),
                  (f"{y % 100:02d}年{m}月份", "two-digit")]
    return rng.choice(forms)


def _year(rng: random.Random, d: date, now: datetime) -> tuple[str, str]:
    y = d.year
    forms = [(f"{y}年", "digits"), (f"{_cn_digits(str(y))}年", "chinese"), (f"公元{y}年", "digits")]
    if _yy_ok(y, now):
        forms.append((f"{_cn_digits(f'{y % 100:02d}')}年", "two-digit"))
    return rng.choice(forms)


def _month_day(rng: random.Random, now: datetime) -> Row:
    """三月十二日 without a year: this year when not after now, else last year (the past reading)."""
    m = rng.randint(1, 12)
    dd = rng.randint(1, 28)
    year = now.year if (m, dd) <= (now.month, now.day) else now.year - 1
    text = rng.choice([f"{_cn_small(m)}月{_cn_small(dd)}日", f"{m}月{dd}号", f"{_cn_small(m)}月{_cn_small(dd)}号"])
    d = date(year, m, dd)
    return _row(text, now, d, d, "day", "month-day-past" if year < now.year else "month-day")


def _relative(rng: random.Random, now: datetime) -> Row:
    kind = rng.randrange(5)
    if kind == 0:
        n = rng.randint(2, 40)
        y = now.year - n
        return _row(f"{_cn_small(n)}年前", now, date(y, 1, 1), date(y, 12, 31), "year", "ago-years")
    if kind == 1:
        m = rng.randint(1, 12)
        y = now.year - 1
        return _row(f"去年{_cn_small(m)}月", now, date(y, m, 1), date(y, m, _last(y, m)), "month", "last-year-month")
    if kind == 2:
        idx = now.year * 12 + now.month - 2
        y, m = divmod(idx, 12)
        return _row(rng.choice(["上个月", "上一个月", "上月"]), now, date(y, m + 1, 1), date(y, m + 1, _last(y, m + 1)),
                    "month", "last-month")
    if kind == 3:
        n = rng.randint(2, 11)
        idx = now.year * 12 + now.month - 1 - n
        y, m = divmod(idx, 12)
        return _row(f"{_cn_small(n)}个月前", now, date(y, m + 1, 1), date(y, m + 1, _last(y, m + 1)), "month",
                    "ago-months")
    words = {"去年": -1, "前年": -2, "大前年": -3}
    w = rng.choice(list(words))
    y = now.year + words[w]
    return _row(w, now, date(y, 1, 1), date(y, 12, 31), "year", "relative-year")


def _period(rng: random.Random, d: date, now: datetime) -> Row:
    y = d.year
    ytext = rng.choice([f"{y}年", f"{_cn_digits(str(y))}年"])
    kind = rng.randrange(5)
    if kind == 0:
        q = rng.randint(1, 4)
        qtext = rng.choice([f"第{_cn_small(q)}季度", f"{_cn_small(q)}季度", f"Q{q}"])
        if date(y, 3 * q - 2, 1) > now.date():
            q = 1
            qtext = "第一季度"
        return _row(ytext + qtext, now, date(y, 3 * q - 2, 1), date(y, 3 * q, _last(y, 3 * q)), "span", "quarter")
    if kind == 1:
        first = rng.random() < 0.5
        a, b = (1, 6) if first else (7, 12)
        return _row(ytext + ("上半年" if first else "下半年"), now, date(y, a, 1), date(y, b, _last(y, b)), "span",
                    "half-year")
    if kind == 2:
        word, (a, b) = rng.choice([("年底", (11, 12)), ("年初", (1, 2)), ("底", (11, 12))])
        return _row(ytext + word, now, date(y, a, 1), date(y, b, _last(y, b)), "span", "year-part")
    if kind == 3:
        m = d.month
        word, (a, b) = rng.choice([("上旬", (1, 10)), ("中旬", (11, 20)), ("下旬", (21, _last(y, m))),
                                   ("初", (1, 10)), ("底", (21, _last(y, m)))])
        return _row(f"{ytext}{_cn_small(m)}月{word}", now, date(y, m, a), date(y, m, b), "span", "month-part")
    dec = y // 10 * 10
    if dec >= 1920 and dec + 9 < now.year and dec < 2000:
        bare = [f"{_cn_small(dec % 100)}年代"] if 2000 + dec % 100 > now.year else []
        text = rng.choice([*bare, f"上世纪{_cn_small(dec % 100)}年代", f"{dec}年代",
                           f"二十世纪{_cn_small(dec % 100)}年代", f"{_cn_digits(str(dec // 10))}几年"])
        return _row(text, now, date(dec, 1, 1), date(dec + 9, 12, 31), "decade", "decade")
    return _row(ytext, now, date(y, 1, 1), date(y, 12, 31), "year", "year")


def _span(rng: random.Random, d: date, now: datetime) -> Row:
    y1 = d.year
    y2 = min(now.year, y1 + rng.randint(1, 12))
    if y2 == y1:
        y1 -= 1
    m1, m2 = rng.randint(1, 12), rng.randint(1, 12)
    kind = rng.randrange(4)
    if kind == 0:
        text = rng.choice([f"{y1}年到{y2}年", f"从{y1}年至{y2}年", f"{y1}-{y2}年", f"从{_cn_digits(str(y1))}年到"
                           f"{_cn_digits(str(y2))}年"])
        return _row(text, now, date(y1, 1, 1), date(y2, 12, 31), "span", "span-years")
    if kind == 1 and date(y2, m2, 1) <= now.date():
        text = rng.choice([f"{y1}年{m1}月到{y2}年{m2}月", f"{y1}.{m1:02d}-{y2}.{m2:02d}", f"{y1}年{m1}月至{y2}年{m2}月"])
        return _row(text, now, date(y1, m1, 1), date(y2, m2, _last(y2, m2)), "span", "span-months")
    if kind == 2:
        text = rng.choice([f"{y1}年至今", f"{y1}年到现在", f"从{y1}年一直到现在"])
        return _row(text, now, date(y1, 1, 1), now.date(), "span", "span-until-now")
    n = rng.randint(1, 38)
    y = 1911 + n
    return _row(f"民国{_cn_small(n)}年", now, date(y, 1, 1), date(y, 12, 31), "year", "minguo")


def rows(seed: int, n: int) -> Iterator[Row]:
    """n generated cases, deterministic for a seed."""
    rng = random.Random(seed)
    for _ in range(n):
        now = datetime(2016, 1, 1, 12) + timedelta(days=rng.randrange(365 * 11))
        start = date(1920, 1, 1)
        d = start + timedelta(days=rng.randrange((now.date() - start).days))
        pick = rng.random()
        if pick < 0.3:
            text, form = _day(rng, d, now)
            row = _row(text, now, d, d, "day", f"day-{form}")
        elif pick < 0.45:
            text, form = _month(rng, d, now)
            row = _row(text, now, date(d.year, d.month, 1), date(d.year, d.month, _last(d.year, d.month)), "month",
                       f"month-{form}")
        elif pick < 0.55:
            text, form = _year(rng, d, now)
            row = _row(text, now, date(d.year, 1, 1), date(d.year, 12, 31), "year", f"year-{form}")
        elif pick < 0.65:
            row = _month_day(rng, now)
        elif pick < 0.75:
            row = _relative(rng, now)
        elif pick < 0.9:
            row = _period(rng, d, now)
        else:
            row = _span(rng, d, now)
        text, tags = _decorate(rng, row["input"])
        row["input"] = text
        if tags:
            row["note"] += "+" + tags
        yield row
