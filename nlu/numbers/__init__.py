"""Reading numbers as people type or say them: digits, Chinese numerals, colloquial and spoken forms.

``core`` reads one numeral (cn2an's strict grammar, then the colloquial layer), ``prep`` prepares an answer
(folding, ASR spaces, thousands separators, numerals inside words), ``scan`` is the grammar of a quantity
(approximations, ranges, units, money), ``parse`` chooses the answer's quantity, ``spoken`` reads digit
strings and ``transform`` normalises whole sentences.
"""

from nlu.numbers.core import Numeral, Style, cn_int, cn_number, read_numeral
from nlu.numbers.parse import find_numbers, parse_number
from nlu.numbers.quantity import Precision, Quantity
from nlu.numbers.spoken import read_digits
from nlu.numbers.tables import (
    CN_NUM,
    DIGIT_VALUES,
    NUM_CLASS,
    PROTECTED_WORDS,
    SPOKEN_DIGITS,
    UNIT_CANON,
    ZERO_CHARS,
    mask_protected,
)
from nlu.numbers.transform import normalize

__all__ = [
    "CN_NUM", "DIGIT_VALUES", "NUM_CLASS", "PROTECTED_WORDS", "SPOKEN_DIGITS", "UNIT_CANON", "ZERO_CHARS",
    "Numeral", "Precision", "Quantity", "Style", "cn_int", "cn_number", "find_numbers", "mask_protected",
    "normalize", "parse_number", "read_digits", "read_numeral",
]
