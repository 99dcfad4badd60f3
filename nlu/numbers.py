"""Reading numbers as people type or say them: digits, Chinese numerals, colloquial and spoken forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from nlu._text import clamp, fold, is_blank
from nlu.result import NotUnderstood, Parsed, Result, empty


@dataclass(frozen=True)
class Quantity:
    """A number with its canonical unit and whether it was given approximately."""

    value: int | float
    unit: str | None
    approximate: bool


# --- numeral tables -----------------------------------------------------------------------------

ZERO_CHARS = frozenset("零〇○洞0")
DIGIT_VALUES = MappingProxyType(
    {
        "零": 0, "〇": 0, "○": 0, "洞": 0,
        "一": 1, "幺": 1, "壹": 1, "么": 1,
        "二": 2, "两": 2, "贰": 2, "貳": 2, "俩": 2,
        "三": 3, "叁": 3, "仨": 3,
        "四": 4, "肆": 4,
        "五": 5, "伍": 5,
        "六": 6, "陆": 6,
        "七": 7, "柒": 7, "拐": 7,
        "八": 8, "捌": 8,
        "九": 9, "玖": 9, "勾": 9,
        **{str(d): d for d in range(10)},
    }
)
# Characters read as digits only inside a digit string (radio / military style or ASR homophones).
_SPOKEN_ONLY = frozenset("洞幺么拐勾俩仨腰妖")
SPOKEN_DIGITS = MappingProxyType({**DIGIT_VALUES, "腰": 1, "妖": 1})
_SMALL_UNITS = MappingProxyType({"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000})
_BIG_UNITS = MappingProxyType({"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8})
_TENS = MappingProxyType({"廿": 20, "卅": 30, "卌": 40})
_UNIT_CHARS = frozenset(_SMALL_UNITS) | frozenset(_BIG_UNITS) | frozenset(_TENS)

# Chinese numeral characters used in running text: not the spoken-only ones, nor the financial forms that
# are mostly parts of words (陆 in 大陆, 伍 in 入伍/退伍/队伍, 拾 in 收拾).
CN_NUM = "零〇○一二两三四五六七八九十百千万亿廿卅壹贰叁肆柒捌玖佰仟萬億"
NUM_CLASS = "0-9" + CN_NUM

# Words that contain numeral characters but are not numbers.
PROTECTED_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            "两岸", "一些", "一点点", "一点儿", "有一点", "一下", "一起", "一样", "一直", "一定", "一般",
            "一切", "万一", "一旦", "统一", "唯一", "一会", "一边", "一致", "一共", "一向",
            "一贯", "一律", "一同", "千万", "万万", "一模一样", "乱七八糟", "七上八下", "一辈子",
            "一生", "一心", "一五一十", "五湖四海", "四面八方", "九死一生", "一路", "一再", "一方面",
            "两口子", "一块儿", "一块去", "三心二意", "不三不四", "一些些", "一阵", "一家人", "万分",
            "百姓", "老百姓", "千方百计", "一塌糊涂", "一言难尽", "一时", "一度", "一概", "一头",
            "单一", "同一", "一体", "一行", "二手", "一手", "一把手", "十足", "百货",
            "一毛不拔", "一无所有", "一窍不通", "一穷二白", "三轮车", "三轮", "四轮", "一把",
            "不一定", "一肚子", "一大堆", "一大把", "一把年纪", "两样", "二话", "一孩", "二孩",
            "万全", "一条心", "上一", "下一", "第一时间", "九三学社", "一二九", "三七", "八成", "十有八九", "百分百",
        },
        key=len,
        reverse=True,
    )
)
_PROTECTED_RE = re.compile(
    r"(?<![0-9零〇○一二两三四五六七八九十百千万亿])(?:"
    + "|".join(re.escape(w) for w in PROTECTED_WORDS)
    + r"|十分(?!钟|之)|(?<!分)之一)"
)


def mask_protected(text: str, mask: str = "\u25a1") -> str:
    """Hide words such as 一些/两岸 behind placeholder characters, keeping the length."""
    if not _PROTECTED_RE.search(text):
        return text
    return _PROTECTED_RE.sub(lambda m: mask * len(m.group(0)), text)


# --- core numeral reading ---------------------------------------------------------------------


def cn_int(s: str) -> int | None:
    """Read an integer written with Chinese and/or Arabic numerals; None when malformed."""
    if not s:
        return None
    if not any(c in _UNIT_CHARS for c in s):
        out = []
        for c in s:
            d = DIGIT_VALUES.get(c)
            if d is None:
                return None
            out.append(str(d))
        return int("".join(out))
    total = 0
    section = 0
    cur: int | None = None
    cur_len = 0
    last_small: int | None = None
    last_big: int | None = None
    zero = False
    first = True
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if "0" <= c <= "9":
            j = i
            while j < n and "0" <= s[j] <= "9":
                j += 1
            if cur is not None:
                return None
            cur, cur_len = int(s[i:j]), j - i
            i = j
            first = False
            continue
        if c in ZERO_CHARS:
            if cur is not None:
                return None
            zero = True
        elif c in DIGIT_VALUES:
            if cur is not None:
                return None
            cur, cur_len = DIGIT_VALUES[c], 1
        elif c in _TENS:
            if cur is not None:
                return None
            section += _TENS[c]
            last_small = 10
            zero = False
        elif c in _SMALL_UNITS:
            unit = _SMALL_UNITS[c]
            if cur is None:
                if not (first or (zero and unit == 10)):
                    return None
                cur = 1
            if last_small is not None and unit >= last_small:
                return None
            section += cur * unit
            cur = None
            last_small = unit
            zero = False
        elif c in _BIG_UNITS:
            unit = _BIG_UNITS[c]
            if cur is not None:
                section += cur
                cur = None
            if section == 0 or (last_big is not None and unit >= last_big):
                return None
            if unit == 10**8:
                total = (total + section) * unit
            else:
                total += section * unit
            section = 0
            last_small = None
            last_big = unit
            zero = False
        else:
            return None
        first = False
        i += 1
    if cur is not None:
        if zero or cur_len > 1:
            section += cur
        elif last_small is not None:
            section += cur * last_small // 10
        elif last_big is not None:
            section += cur * last_big // 10
        else:
            section += cur
    elif first:
        return None
    return total + section


def _tidy(value: float) -> int | float:
    """Return an int for integral values, a rounded float otherwise."""
    if isinstance(value, int):
        return value
    if value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 10)


def cn_number(s: str) -> int | float | None:
    """Read a possibly signed, decimal or fractional Chinese/Arabic numeral; None when malformed."""
    if not s:
        return None
    sign = 1
    if s[0] in "负-":
        sign = -1
        s = s[1:]
        if not s:
            return None
    if "分之" in s:
        den_s, _, num_s = s.partition("分之")
        den = cn_int(den_s)
        num = cn_number(num_s)
        if den is None or num is None or den == 0:
            return None
        return _tidy(sign * num / den)
    for sep in ("点", "."):
        if sep in s:
            int_s, _, frac_s = s.partition(sep)
            mult = 1
            if frac_s and frac_s[-1] in _BIG_UNITS:
                mult = _BIG_UNITS[frac_s[-1]]
                frac_s = frac_s[:-1]
            if not frac_s or sep in frac_s:
                return None
            whole = cn_int(int_s) if int_s else 0
            if whole is None:
                return None
            digits = []
            for c in frac_s:
                d = DIGIT_VALUES.get(c)
                if d is None:
                    return None
                digits.append(str(d))
            return _tidy(sign * float(f"{whole}.{''.join(digits)}") * mult)
    value = cn_int(s)
    if value is None:
        return None
    return sign * value


# --- quantities in free text ------------------------------------------------------------------

UNIT_CANON = MappingProxyType(
    {
        "平方米": "平方米", "平方": "平方米", "平米": "平方米", "平": "平方米", "㎡": "平方米", "m2": "平方米",
        "m²": "平方米", "平方公尺": "平方米", "个平方": "平方米", "个平米": "平方米", "个平": "平方米",
        "元": "元", "块钱": "元", "块": "元", "圆": "元", "元钱": "元", "万元": "元", "万块": "元", "万块钱": "元",
        "周岁": "岁", "岁": "岁", "虚岁": "岁", "年": "年", "个月": "月", "月": "月", "天": "天", "日": "天",
        "人": "人", "位": "人", "个人": "人", "口人": "口", "口": "口", "个": "个", "亩": "亩", "间": "间",
        "套": "套", "次": "次", "斤": "斤", "公斤": "公斤", "千克": "公斤", "米": "米", "分": "分", "户": "户",
        "处": "处", "栋": "栋", "层": "层", "本": "本", "张": "张", "项": "项", "级": "级", "小时": "小时",
        "个小时": "小时", "分钟": "分钟", "周": "周", "个星期": "周", "星期": "周", "头": "头", "只": "只", "辆": "辆",
    }
)
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNIT_CANON, key=len, reverse=True))
_PRE_APPROX = "大概|大约|大致|约莫|约|差不多|估计|将近|接近|近|不到|不足|至少|起码|超过|最少|最多|大约有|可能"
_Q_CLASS = NUM_CLASS + "幺洞俩仨"
_NUMBER_RE = re.compile(
    rf"(?P<pre>{_PRE_APPROX})?"
    rf"(?P<num>[负-]?(?:[{NUM_CLASS}]+分之)?[{_Q_CLASS}]+(?:[点.][0-9零〇○一二三四五六七八九两]+[万亿]?)?)"
    r"(?P<approx>来|多|余|几|出头)?"
    r"(?P<big>[万亿](?!分之))?"
    r"(?P<half1>个半)?"
    rf"(?P<unit>{_UNIT_ALT})?"
    r"(?P<half2>半(?![年月天日个]))?"
    r"(?P<post>左右|上下|以上|以下|开外|来|多|的样子|这样|那样)?"
)
_HALF_RE = re.compile(rf"(?<![{NUM_CLASS}])半(?P<unit>{_UNIT_ALT})?")
_RANGE_RE = re.compile(r"^([一二三四五六七八])([二三四五六七八九])([十百千万])(.*)$")
_PAIR_RE = re.compile(r"^([一二三四五六七八])([二三四五六七八九])$")
_APPROX_WORDS = frozenset({"大概", "大约", "大致", "约莫", "约", "差不多", "估计", "将近", "接近", "近",
                           "来", "多", "余", "几", "出头", "左右", "上下", "开外", "的样子", "可能",
                           "不到", "不足", "至少", "起码", "超过", "最少", "最多", "以上", "以下", "大约有"})


_RATE_UNITS = frozenset({"月", "年", "天", "周"})


@dataclass(frozen=True)
class _Found:
    """One number found in a text, before choosing among several."""

    quantity: Quantity
    span: tuple[int, int]
    confidence: float
    extra: tuple[tuple[str, object], ...]


def _range_value(num: str) -> tuple[int, int] | None:
    """Read 三四十 / 七八百 style ranges as (low, high)."""
    m = _RANGE_RE.match(num)
    if not m or DIGIT_VALUES[m.group(2)] != DIGIT_VALUES[m.group(1)] + 1:
        return None
    lo = cn_int(m.group(1) + m.group(3) + m.group(4))
    hi = cn_int(m.group(2) + m.group(3) + m.group(4))
    if lo is None or hi is None:
        return None
    return lo, hi


def _scan(text: str) -> list[_Found]:
    """Find every quantity in a folded, masked text."""
    found: list[_Found] = []
    for m in _NUMBER_RE.finditer(text):
        num = m.group("num")
        if num in ("-", "负") or all(c in "幺洞" for c in num.lstrip("负-")):
            continue
        confidence = 1.0
        extra: dict[str, object] = {}
        value: int | float | None = cn_number(num)
        unit_raw = m.group("unit")
        pair = _PAIR_RE.match(num)
        if pair and unit_raw and DIGIT_VALUES[pair.group(2)] == DIGIT_VALUES[pair.group(1)] + 1:
            # 七八个人 / 三四年: "seven or eight", not 78
            lo, hi = DIGIT_VALUES[pair.group(1)], DIGIT_VALUES[pair.group(2)]
            value = _tidy((lo + hi) / 2)
            extra["range"] = (lo, hi)
            confidence = 0.8
        if value is None:
            rng = _range_value(num)
            if rng is None:
                continue
            value = _tidy((rng[0] + rng[1]) / 2)
            extra["range"] = rng
            confidence = 0.8
        approx_mark = m.group("approx")
        big = m.group("big")
        if big:
            value = _tidy(value * _BIG_UNITS[big])
        if unit_raw and unit_raw.startswith("万"):
            value = _tidy(value * 10000)
        if m.group("half1") or m.group("half2"):
            value = _tidy(value + 0.5) if not (num == "一" and m.group("half2") and not unit_raw) else 0.5
        approximate = any(
            g in _APPROX_WORDS for g in (m.group("pre"), approx_mark, m.group("post")) if g
        ) or "range" in extra
        if approx_mark == "几":
            extra["range"] = (value, value * 2 if value < 10 else value + (value // 10 if value >= 100 else 9))
        if approximate:
            confidence = min(confidence, 0.9)
        unit = UNIT_CANON.get(unit_raw) if unit_raw else None
        start = m.start("pre") if m.group("pre") else m.start("num")
        found.append(
            _Found(Quantity(value, unit, approximate), (start, m.end()), confidence, tuple(extra.items()))
        )
    for m in _HALF_RE.finditer(text):
        if any(f.span[0] <= m.start() < f.span[1] for f in found):
            continue
        unit_raw = m.group("unit")
        if not unit_raw and m.group(0) == "半":
            continue
        unit = UNIT_CANON.get(unit_raw) if unit_raw else None
        found.append(_Found(Quantity(0.5, unit, False), (m.start(), m.end()), 0.9, ()))
    found.sort(key=lambda f: f.span)
    return found


def find_numbers(text: str) -> list[Parsed[Quantity]]:
    """Return every quantity mentioned in a sentence, with spans into the original text."""
    if is_blank(text):
        return []
    return [
        Parsed(f.quantity, f.confidence, f.span, dict(f.extra))
        for f in _scan(mask_protected(fold(text)))
    ]


def parse_number(text: str, expected_unit: str | None = None) -> Result[Quantity]:
    """Read one quantity (value, canonical unit, approximate) from an answer."""
    if is_blank(text):
        return empty()
    found = _scan(mask_protected(fold(text)))
    if not found:
        return NotUnderstood("no_number", "没有听出数字，请说一个具体的数。")
    per: str | None = None
    rates = [f for f in found if f.quantity.value == 1 and f.quantity.unit in _RATE_UNITS]
    if rates and len(rates) < len(found):
        # 一个月一千五 / 一年两万: "per month/year" rather than a quantity of its own
        per = rates[0].quantity.unit
        found = [f for f in found if f not in rates]
    chosen = found[0]
    confidence = chosen.confidence
    if expected_unit is not None:
        same = [f for f in found if f.quantity.unit == expected_unit]
        if same:
            chosen = same[0]
            if len(same) > 1:
                confidence = min(confidence, 0.7)
        elif len(found) > 1:
            confidence = min(confidence, 0.6)
    elif len({(f.quantity.value, f.quantity.unit) for f in found}) > 1:
        confidence = min(confidence, 0.7)
    extra = dict(chosen.extra)
    if per is not None:
        extra["per"] = per
    if chosen.quantity.approximate:
        extra["approximate"] = True
    return Parsed(chosen.quantity, clamp(confidence), chosen.span, extra)


# --- digit strings ----------------------------------------------------------------------------

_SPOKEN_CLASS = "".join(sorted(SPOKEN_DIGITS))
_DIGIT_RUN_RE = re.compile(rf"[负-]?[{_SPOKEN_CLASS}](?:[{_SPOKEN_CLASS}\s\-—_,，、杠横]|[点.](?=[{_SPOKEN_CLASS}]))*")


def _digit_runs(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Return (digits, span) for each spoken or written digit run in a folded text."""
    runs: list[tuple[str, tuple[int, int]]] = []
    for m in _DIGIT_RUN_RE.finditer(text):
        raw = m.group(0)
        out = []
        for c in raw:
            if c in SPOKEN_DIGITS:
                out.append(str(SPOKEN_DIGITS[c]))
            elif c in "点.":
                out.append(".")
            elif c in "负" or (c == "-" and not out):
                out.append("-")
        digits = "".join(out)
        end = m.end()
        while end > m.start() and text[end - 1] in " -—_,，、杠横":
            end -= 1
        if any(ch.isdigit() for ch in digits):
            runs.append((digits, (m.start(), end)))
    return runs


def read_digits(text: str) -> Result[str]:
    """Read a digit string said digit by digit (幺/洞/两/拐/勾 too), keeping leading zeros."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    runs = _digit_runs(folded)
    if not runs:
        return NotUnderstood("no_number", "没有听出数字，请一位一位地说。")
    digits, span = max(runs, key=lambda r: sum(ch.isdigit() for ch in r[0]))
    inside = folded[max(0, span[0] - 1) : span[1] + 1]
    if any(c in _UNIT_CHARS for c in inside):
        return NotUnderstood("not_digits", "请一位一位地说数字。")
    confidence = 1.0
    if any(c in _SPOKEN_ONLY for c in inside):
        confidence = 0.95
    if len(runs) > 1:
        confidence = 0.8
    return Parsed(digits, clamp(confidence), span)


# --- whole-sentence normaliser ----------------------------------------------------------------

_MEASURE_AFTER = frozenset("个半岁年月日号元块人口次平米分间套亩斤天周位户层栋张本项级只头辆届期倍成")
_NORM_RE = re.compile(
    rf"(?P<frac>[{NUM_CLASS}]+)分之(?P<num>[{NUM_CLASS}]+(?:点[{NUM_CLASS}]+)?)"
    rf"|[负-]?[{NUM_CLASS}幺洞]+(?:[点.][{NUM_CLASS}]+)?"
)
_PAIR_RANGE = frozenset({"一两", "两三", "二三", "三四", "四五", "五六", "六七", "七八", "八九"})
_NORM_DIRECT_RE = re.compile(r"负?[零〇○一二三四五六七八九两]+(?:点[零〇○一二三四五六七八九]+)?")
_SUFFIX_REWRITE = (("摄氏度", "℃"),)


def _norm_number(raw: str) -> str | None:
    """Digits for one numeral run in a sentence, or None to leave it untouched."""
    sign = "-" if raw[0] in "负-" else ""
    body = raw[1:] if sign else raw
    value = cn_number(body)
    if value is None:
        return None
    if not any(c in _UNIT_CHARS for c in body) and body[0] in ZERO_CHARS and "点" not in body and "." not in body:
        return sign + "".join(str(DIGIT_VALUES[c]) for c in body)
    return sign + str(value) if not isinstance(value, float) else sign + _float_text(body, value)


def _float_text(body: str, value: float) -> str:
    """Keep the written decimals (一二点三零 -> 12.30)."""
    for sep in ("点", "."):
        if sep in body:
            frac = body.partition(sep)[2]
            return f"{value:.{len(frac)}f}"
    return str(value)


def normalize(text: str, *, direct: bool = False) -> str:
    """Turn the numbers of a whole sentence into digits, leaving words such as 两岸/一些 intact.

    With ``direct=True`` only digit-by-digit readings (零零三, 二〇〇二, 一二点三零) are converted.
    """
    if not text:
        return text
    folded = fold(text)
    masked = mask_protected(folded)
    pattern = _NORM_DIRECT_RE if direct else _NORM_RE
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(masked):
        raw = m.group(0)
        if raw in ("-", "负"):
            continue
        body = raw.lstrip("负-")
        if direct and (len(body) < 2 or any(c in _UNIT_CHARS for c in body)):
            continue
        if not direct and m.group("frac"):
            den, num = cn_number(m.group("frac")), cn_number(m.group("num"))
            if den is None or num is None:
                continue
            out.append(text[pos : m.start()])
            out.append(f"{num}%" if den == 100 else f"{num}/{den}")
            pos = m.end()
            continue
        if not direct:
            if all(c in "幺洞" for c in body):
                continue
            nxt_char = masked[m.end()] if m.end() < len(masked) else ""
            if body in _PAIR_RANGE and (nxt_char != "年" or "两" in body):
                continue  # 两三个 / 一两天: "two or three", not 23
            if body in ("十", "百", "千", "万") and nxt_char in ("来", "多", "余", "几"):
                out.append(text[pos : m.start()])
                out.append(str(_SMALL_UNITS.get(body) or _BIG_UNITS[body]))
                pos = m.end()
                continue
            if all(c.isdigit() and c.isascii() for c in body.replace(".", "")):
                continue
            nxt = masked[m.end()] if m.end() < len(masked) else ""
            n_numeral = sum(1 for c in body if c in DIGIT_VALUES or c in _UNIT_CHARS)
            if n_numeral < 2 and nxt not in _MEASURE_AFTER:
                continue
            if not any(c in DIGIT_VALUES or c in _TENS or c in _SMALL_UNITS for c in body):
                continue
        if direct:
            value = "-" if raw[0] in "负-" else ""
            value += "".join("." if c == "点" else str(DIGIT_VALUES[c]) for c in body)
            converted: str | None = value
        else:
            converted = _norm_number(raw)
        if converted is None:
            continue
        out.append(text[pos : m.start()])
        out.append(converted)
        pos = m.end()
    out.append(text[pos:])
    result = "".join(out)
    if not direct:
        for word, symbol in _SUFFIX_REWRITE:
            result = re.sub(rf"(?<=\d){word}", symbol, result)
    return result
