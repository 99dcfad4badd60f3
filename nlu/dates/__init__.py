"""Reading dates as people give them: absolute, partial, relative, decades, quarters and spans.

A package by job: ``span`` (DateSpan and calendar helpers), ``convert`` (numerals to digits),
``absolute`` (1985年3月12日, 民国三年, 85.3.12, 05/05/89), ``periods`` (decades, centuries),
``relative`` (三年前, 二十几年前, 上周三), ``ranges`` (A到B, A至今) and ``parse`` (the entry points).
"""

from nlu.dates.parse import find_dates, parse_date
from nlu.dates.span import GRANULARITIES, DateSpan

__all__ = ["GRANULARITIES", "DateSpan", "find_dates", "parse_date"]
