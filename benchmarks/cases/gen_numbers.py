"""Generated number cases: known values rendered in many surface forms, for benchmarks/nlu_accuracy.py.

``rows(seed, n)`` yields rows with the columns of ../shared/data/nlu-cases/numbers.tsv (input, expected,
mode, source, note). The renderer is written here from the rules of Chinese numerals (零 rules, 两 vs 二,
一十 vs 十, financial and traditional characters, colloquial shortenings), not with the parser, so the
benchmark checks that the parse returns the value. Pure standard library; deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

DIGITS = "零一二三四五六七八九"
FINANCIAL = "零壹贰叁肆伍陆柒捌玖"
SMALL = ("", "十", "百", "千")
SMALL_FIN = ("", "拾", "佰", "仟")
BIG = ("", "万", "亿")
FILLERS_BEFORE = ("", "", "", "嗯，", "那个", "就是", "我们家", "俺家", "一共", "总共", "有", "是", "我屋里 ")
FILLERS_AFTER = ("", "", "", "吧", "嘞", "哦", "。", "，就这些", "呀")
UNITS = (  # (said, canonical)
    ("元", "元"), ("块", "元"), ("块钱", "元"), ("平米", "平方米"), ("平方米", "平方米"), ("平", "平方米"),
    ("个平方", "平方米"), ("岁", "岁"), ("周岁", "岁"), ("个人", "人"), ("人", "人"), ("口人", "口"),
    ("户", "户"), ("亩", "亩"), ("斤", "斤"), ("公斤", "公斤"), ("次", "次"), ("年", "年"), ("个月", "月"),
    ("间", "间"), ("头", "头"), ("只", "只"),
)


def _section(n: int, rng: random.Random, fin: bool, liang: bool, lead: bool) -> str:
    """0 < n < 10000 in Chinese; ``lead``: the first section of the number (一十 may shorten to 十)."""
    digits = DIGITS if not fin else FINANCIAL
    units = SMALL if not fin else SMALL_FIN
    out: list[str] = []
    s = f"{n:04d}"
    zero = False
    started = False
    for pos, ch in enumerate(s):
        d = int(ch)
        place = 3 - pos
        if d == 0:
            zero = started
            continue
        if zero:
            out.append(digits[0])
            zero = False
        if d == 1 and place == 1 and not started and lead and not fin and rng.random() < 0.7:
            out.append(units[1])  # 十五 rather than 一十五
        elif d == 2 and place >= 2 and liang and not fin:
            out.append("两" + units[place])
        else:
            out.append(digits[d] + units[place])
        started = True
    return "".join(out)


def chinese(n: int, rng: random.Random, fin: bool = False, trad: bool = False) -> str:
    """An integer 0 <= n < 10^12 in Chinese numerals (ordinary or financial, simplified or traditional)."""
    if n == 0:
        return "零"
    liang = rng.random() < 0.5
    sections = []
    while n:
        sections.append(n % 10000)
        n //= 10000
    out: list[str] = []
    need_zero = False
    for i in range(len(sections) - 1, -1, -1):
        sec = sections[i]
        if sec == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or sec < 1000):
            out.append("零")
        need_zero = False
        out.append(_section(sec, rng, fin, liang, lead=not out))
        out.append(BIG[i])
    text = "".join(out)
    if text.startswith("二") and len(text) > 1 and text[1] in "百千万亿" and liang:
        text = "两" + text[1:]
    if trad:
        text = text.translate(str.maketrans({"万": "萬", "亿": "億", "两": "兩", "贰": "貳", "叁": "參", "陆": "陸"}))
    return text


def colloquial(rng: random.Random) -> tuple[str, int]:
    """三万五 / 一百二 / 两千六 / 十三万五 / 千一: the last place left out after two digits."""
    if rng.random() < 0.2:  # 十三万五, 二十五万八
        tens, b = rng.randint(11, 99), rng.randint(1, 9)
        return f"{chinese(tens, rng)}万{DIGITS[b]}", tens * 10000 + b * 1000
    place = rng.choice((100, 1000, 10000))
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    unit = {100: "百", 1000: "千", 10000: "万"}[place]
    head = "两" if a == 2 and rng.random() < 0.6 else DIGITS[a]
    text = f"{head}{unit}{DIGITS[b]}"
    if a == 1 and place in (1000, 10000) and rng.random() < 0.3:
        text = text[1:]  # 千一, 万五
    return text, a * place + b * place // 10


def digits_form(n: int, rng: random.Random) -> str:
    """Arabic digits, sometimes with thousands separators or full-width."""
    r = rng.random()
    if n >= 1000 and r < 0.3:
        return f"{n:,}"
    if r < 0.4:
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    return str(n)


def asr_spaces(text: str, rng: random.Random) -> str:
    """Spaces between characters, as speech recognition leaves them."""
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if i < len(text) - 1 and not (ch.isdigit() and text[i + 1].isdigit()) and rng.random() < 0.4:
            out.append(" ")
    return "".join(out)


def _value(rng: random.Random) -> int:
    """A value spread over the magnitudes of intake answers (household sizes to yearly incomes)."""
    mag = rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8))
    n = rng.randint(10 ** (mag - 1), 10**mag - 1)
    if rng.random() < 0.4:  # round figures are common
        keep = rng.randint(1, max(1, mag - 1))
        n = n // 10 ** (mag - keep) * 10 ** (mag - keep)
    return n


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(round(x, 10))


def _render(n: int, rng: random.Random) -> tuple[str, str]:
    r = rng.random()
    if r < 0.35:
        return digits_form(n, rng), "digits"
    if r < 0.75:
        return chinese(n, rng), "chinese"
    if r < 0.87:
        return chinese(n, rng, fin=True, trad=rng.random() < 0.5), "financial"
    return chinese(n, rng, trad=True), "traditional"


def _exact(rng: random.Random) -> tuple[str, str, str]:
    n = _value(rng)
    text, form = _render(n, rng)
    said, canon = rng.choice(UNITS) if rng.random() < 0.6 else ("", "")
    if form != "digits" and rng.random() < 0.3:
        text, form = asr_spaces(text + said, rng), form + "+asr"
        said = ""
    exp = str(n) + (f"@{canon}" if canon else "")
    return text + said, exp, f"exact {form}"


def _colloquial(rng: random.Random) -> tuple[str, str, str]:
    text, value = colloquial(rng)
    said, canon = rng.choice((("", ""), ("块", "元"), ("块钱", "元"), ("元", "元"), ("平", "平方米")))
    return text + said, str(value) + (f"@{canon}" if canon else ""), "colloquial shortening"


def _decimal(rng: random.Random) -> tuple[str, str, str]:
    whole, frac = rng.randint(0, 99), rng.randint(1, 99)
    if frac % 10 == 0:
        frac //= 10
    value = float(f"{whole}.{frac}")
    big = rng.choice(("", "", "万"))
    if rng.random() < 0.5:
        text = f"{whole}.{frac}{big}"
    else:
        text = f"{chinese(whole, rng)}点{''.join(DIGITS[int(c)] for c in str(frac))}{big}"
    if big:
        value = round(value * 10000, 6)
    return text, _fmt(value), "decimal" + (" with 万" if big else "")


def _money(rng: random.Random) -> tuple[str, str, str]:
    yuan, jiao, fen = rng.choice((0, rng.randint(1, 20), rng.randint(1, 500))), rng.randint(1, 9), rng.randint(0, 9)
    r = rng.random()
    if yuan == 0:
        text = f"{rng.choice(('两', '二')) if jiao == 2 else DIGITS[jiao]}毛" + (DIGITS[fen] if fen else "")
    elif r < 0.4:
        fen = 0
        text = f"{chinese(yuan, rng)}块{DIGITS[jiao]}" + rng.choice(("", "毛", "毛钱"))
    elif r < 0.7:
        text = f"{chinese(yuan, rng)}元{DIGITS[jiao]}角" + (f"{DIGITS[fen]}分" if fen else "")
    else:
        text = f"{chinese(yuan, rng)}块{DIGITS[jiao]}毛" + (DIGITS[fen] if fen else "")
    return text, _fmt(round(yuan + jiao / 10 + fen / 100, 2)) + "@元", "money 角/毛/分"


def _approx(rng: random.Random) -> tuple[str, str, str]:
    lead = rng.randint(1, 9)
    place = rng.choice((10, 100, 1000, 10000))
    n = lead * place
    word = rng.choice(("多", "来", "余", "左右", "上下", "大概", "差不多", "大约", "将近", "不到", "估计"))
    text = chinese(n, rng) if rng.random() < 0.7 else str(n)
    if word in ("多", "来", "余"):
        if text.isdigit() and word == "来":
            word = "多"
        said = text + word
    elif word in ("左右", "上下"):
        said = text + word
    else:
        said = word + text
    unit, canon = rng.choice((("", ""), ("岁", "岁"), ("平", "平方米"), ("块", "元"), ("个人", "人"), ("斤", "斤")))
    if word in ("左右", "上下"):
        said = text + unit + word
    else:
        said += unit
    return said, f"approx:{n}" + (f"@{canon}" if canon else ""), f"approx {word}"


def _range(rng: random.Random) -> tuple[str, str, str]:
    r = rng.random()
    if r < 0.4:  # 三四十 / 七八个 / 两三千
        a = rng.randint(1, 8)
        place = rng.choice((1, 10, 100, 1000, 10000))
        da = "两" if a == 2 and place > 1 and rng.random() < 0.5 else DIGITS[a]
        unit = {1: "", 10: "十", 100: "百", 1000: "千", 10000: "万"}[place]
        said = da + DIGITS[a + 1] + unit + (rng.choice(("个", "个人", "岁", "户")) if place == 1 else "")
        return said, f"range:{a * place}-{(a + 1) * place}", "range adjacent digits"
    low = _value(rng) // 10 * 10 or 10
    high = low + rng.choice((1, 2, 5, 10)) * 10 ** max(0, len(str(low)) - 1)
    joiner = rng.choice(("到", "至", "-", "~", "到"))
    if joiner in "-~" or rng.random() < 0.3:
        said = f"{low}{joiner}{high}"
    else:
        said = f"{chinese(low, rng)}{joiner}{chinese(high, rng)}"
    said += rng.choice(("", "块", "元", "人"))
    return said, f"range:{low}-{high}", f"range {joiner}"


def _per(rng: random.Random) -> tuple[str, str, str]:
    n = rng.randint(1, 99) * 100
    lead = rng.choice(("一个月", "每个月", "每月", "一年", "每年"))
    return f"{lead}{chinese(n, rng)}" + rng.choice(("", "块", "元")), str(n), "per month/year"


KINDS: tuple[tuple[Callable[[random.Random], tuple[str, str, str]], float], ...] = (
    (_exact, 0.42), (_colloquial, 0.1), (_decimal, 0.08), (_money, 0.1), (_approx, 0.13), (_range, 0.12),
    (_per, 0.05),
)


def rows(seed: int, n: int) -> Iterator[dict[str, str]]:
    """n generated rows, the same for the same seed."""
    rng = random.Random(seed)
    funcs = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    for _ in range(n):
        kind = rng.choices(funcs, weights)[0]
        text, expected, note = kind(rng)
        if rng.random() < 0.25 and not note.startswith("per"):
            text = rng.choice(FILLERS_BEFORE) + text + rng.choice(FILLERS_AFTER)
        yield {"input": text, "expected": expected, "mode": "normal", "source": f"gen_numbers:{seed}",
               "note": note}


if __name__ == "__main__":
    for row in rows(1, 40):
        print(row["input"], row["expected"], row["note"], sep="\t")
