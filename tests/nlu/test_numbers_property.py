"""Property: a random value rendered in a random surface form reads back as that value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.numbers import Precision, parse_number
from nlu.result import Parsed

_DIGITS = "零一二三四五六七八九"
_FIN = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "十", "百", "千")
_FIN_PLACES = ("", "拾", "佰", "仟")


def _section(n: int, digits: str, places: tuple[str, ...], liang: bool) -> str:
    """0 < n < 10000, with 零 for the gaps (一千零五, 三百零八)."""
    out, pending_zero, started = [], False, False
    for pos, ch in enumerate(f"{n:04d}"):
        d, place = int(ch), 3 - pos
        if d == 0:
            pending_zero = started
            continue
        if pending_zero:
            out.append(digits[0])
            pending_zero = False
        out.append(("两" if d == 2 and liang and place >= 2 else digits[d]) + places[place])
        started = True
    return "".join(out)


def _chinese(n: int, financial: bool, liang: bool) -> str:
    """0 <= n < 10^12 in Chinese numerals."""
    if n == 0:
        return "零"
    digits, places = (_FIN, _FIN_PLACES) if financial else (_DIGITS, _PLACES)
    parts, big = [], ("", "万", "亿")
    sections = [(n // 10 ** (4 * i)) % 10000 for i in range(3)]
    top = max(i for i, s in enumerate(sections) if s)
    for i in range(top, -1, -1):
        s = sections[i]
        if s == 0:
            continue
        if parts and (s < 1000 or sections[i + 1] == 0):
            parts.append(digits[0])
        parts.append(_section(s, digits, places, liang and not financial) + big[i])
    return "".join(parts)


_UNITS = st.sampled_from([("", None), ("元", "元"), ("块钱", "元"), ("平米", "平方米"), ("岁", "岁"),
                          ("个人", "人"), ("户", "户"), ("亩", "亩"), ("斤", "斤")])


@st.composite
def _rendered(draw: st.DrawFn) -> tuple[str, int, str | None]:
    n = draw(st.integers(min_value=0, max_value=10**9 - 1) | st.integers(min_value=1, max_value=200))
    form = draw(st.sampled_from(["digits", "separators", "chinese", "financial", "traditional", "asr"]))
    said, unit = draw(_UNITS)
    liang = draw(st.booleans())
    if form == "digits":
        text = str(n)
    elif form == "separators":
        text = f"{n:,}"
    elif form == "financial":
        text = _chinese(n, True, False)
    else:
        text = _chinese(n, False, liang)
        if form == "traditional":
            text = text.translate(str.maketrans("万亿两", "萬億兩"))
        elif form == "asr":
            text = " ".join(text)
    prefix = draw(st.sampled_from(["", "嗯，", "我家", "一共", "就是"]))
    return prefix + text + said, n, unit


@settings(max_examples=200, deadline=None)
@given(_rendered())
def test_rendered_integers_read_back(case: tuple[str, int, str | None]) -> None:
    text, n, unit = case
    r = parse_number(text)
    assert isinstance(r, Parsed), (text, r)
    assert r.value.value == n and r.value.unit == unit and r.value.precision == Precision.EXACT, (text, r)
    assert r.confidence >= 0.6


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=9), st.sampled_from([10, 100, 1000, 10000]),
       st.sampled_from(["多", "几", "余"]))
def test_approximate_bounds(lead: int, place: int, mark: str) -> None:
    text = _chinese(lead * place, False, False) + mark
    r = parse_number(text)
    assert isinstance(r, Parsed) and r.value.precision == Precision.APPROX, (text, r)
    assert (r.value.value, r.value.low, r.value.high) == (lead * place, lead * place, lead * place + place)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=10, max_value=9000), st.integers(min_value=10, max_value=9000),
       st.sampled_from(["到", "至", "-", "~"]))
def test_ranges_read_back(a: int, b: int, joiner: str) -> None:
    low, high = min(a, b), max(a, b) + 1
    text = f"{low}{joiner}{high}" if joiner in "-~" else f"{_chinese(low, False, True)}{joiner}{_chinese(high, False, True)}"
    r = parse_number(text)
    assert isinstance(r, Parsed) and r.value.precision == Precision.RANGE, (text, r)
    assert (r.value.low, r.value.high) == (low, high), (text, r)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_never_raises(text: str) -> None:
    parse_number(text)
    parse_number(text, expected_unit="人")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**10), st.sampled_from(["low", "up"]))
def test_cn2an_renderings_read_back(n: int, mode: str) -> None:
    """An independent renderer (cn2an.an2cn, ordinary and financial) reads back."""
    import cn2an

    text = cn2an.an2cn(n, mode)
    r = parse_number(text)
    assert isinstance(r, Parsed) and r.value.value == n and r.confidence >= 0.6, (text, r)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**7), st.integers(min_value=0, max_value=99))
def test_cn2an_money_reads_back(yuan: int, cents: int) -> None:
    """cn2an's RMB form (壹佰贰拾叁元肆角伍分, 壹万元整) reads back in 元."""
    import cn2an

    amount = round(yuan + cents / 100, 2)
    text = cn2an.an2cn(amount, "rmb")
    r = parse_number(text)
    assert isinstance(r, Parsed) and r.value.unit == "元", (text, r)
    assert round(float(r.value.value), 2) == amount and r.confidence >= 0.6, (text, r)
