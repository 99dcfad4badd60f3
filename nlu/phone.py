"""Telephone numbers: mobile (11 digits) or landline with area code, typed or spoken."""

from __future__ import annotations

from nlu._text import clamp, fold, is_blank
from nlu.numbers import SPOKEN_DIGITS
from nlu.result import NotUnderstood, Parsed, Result, empty

_SEPARATORS = frozenset(" -_—()（）,，、.杠转")
_PREFIXES = ("+86", "0086", "86")


def _runs(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """Digit runs as (digits, digits with '-' kept for separators, span)."""
    folded = fold(text)
    runs: list[tuple[str, str, tuple[int, int]]] = []
    digits: list[str] = []
    shaped: list[str] = []
    start = end = -1
    for i, ch in enumerate([*folded, "\0"]):
        if ch in SPOKEN_DIGITS:
            if not digits:
                start = i
            digits.append(str(SPOKEN_DIGITS[ch]))
            shaped.append(digits[-1])
            end = i + 1
        elif ch == "+" and not digits:
            start = i
            shaped.append("+")
        elif ch in _SEPARATORS and digits:
            if ch in "-—杠" and shaped[-1] != "-":
                shaped.append("-")
        else:
            if digits:
                runs.append(("".join(digits), "".join(shaped).rstrip("-"), (start, end)))
            digits, shaped = [], []
    return runs


def _area_code_length(digits: str) -> int:
    """Length of the area code at the start of a landline number (010, 02x are 3 digits)."""
    return 3 if digits.startswith(("010", "02")) else 4


def parse_phone(text: str) -> Result[str]:
    """Read a mobile number or a landline with area code, normalised (landline as 0931-8862345)."""
    if is_blank(text):
        return empty()
    runs = _runs(text)
    if not runs:
        return NotUnderstood("no_number", "没有听出电话号码，请一位一位地说。")
    digits, shaped, span = max(runs, key=lambda r: len(r[0]))
    if shaped.startswith("+"):
        shaped = shaped[1:]
    for prefix in _PREFIXES:
        plain = prefix.lstrip("+")
        if digits.startswith(plain) and len(digits) - len(plain) in (11, 10, 12) and digits[len(plain)] in "10":
            digits = digits[len(plain):]
            break
    spoken = any(not c.isascii() for c in fold(text)[span[0] : span[1]])
    confidence = 0.97 if spoken else 1.0
    if len(digits) == 11 and digits[0] == "1":
        if digits[1] not in "3456789":
            return NotUnderstood("bad_number", "手机号码第二位不对，请再核对一下。")
        return Parsed(digits, clamp(confidence), span, {"kind": "mobile"})
    if digits.startswith("0"):
        if "-" in shaped:
            area, _, local = shaped.partition("-")
            local = local.replace("-", "")
        else:
            n = _area_code_length(digits)
            area, local = digits[:n], digits[n:]
        if 3 <= len(area) <= 4 and 7 <= len(local) <= 8 and local[0] not in "01":
            return Parsed(f"{area}-{local}", clamp(confidence), span, {"kind": "landline"})
        return NotUnderstood("bad_length", "电话号码位数不对，请再核对一下。")
    if 7 <= len(digits) <= 8:
        return NotUnderstood("no_area_code", "请加上区号再说一遍，例如0931-8862345。")
    return NotUnderstood("bad_length", "电话号码位数不对，手机号是11位，请再核对一下。")
