"""Word tables of the date grammar (relative years, months and days, parts of a year or month)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

REL_YEAR = MappingProxyType({
    "今年": 0, "本年": 0, "当年": 0, "这一年": 0, "去年": -1, "上一年": -1, "上年": -1, "头年": -1,
    "前年": -2, "大前年": -3, "明年": 1, "来年": 1, "下一年": 1, "下年": 1, "后年": 2, "大后年": 3,
})
REL_MONTH = MappingProxyType({
    "本月": 0, "这个月": 0, "这月": 0, "当月": 0, "上个月": -1, "上一个月": -1, "上月": -1, "上上个月": -2,
    "下个月": 1, "下一个月": 1, "下月": 1, "下下个月": 2,
})
REL_DAY = MappingProxyType({
    "今天": 0, "今日": 0, "今儿": 0, "昨天": -1, "昨日": -1, "昨儿": -1, "夜里个": -1, "前天": -2, "前日": -2,
    "前儿": -2, "大前天": -3, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3,
})
REL_WEEK = MappingProxyType({"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, "下下": 2})

# Parts of a year: (first month, last month, confidence); 开春 is a guess of when spring starts.
YEAR_PARTS = MappingProxyType({
    "上半年": (1, 6, 0.9), "前半年": (1, 6, 0.85), "下半年": (7, 12, 0.9), "后半年": (7, 12, 0.85),
    "年初": (1, 2, 0.85), "年头": (1, 2, 0.8), "年中": (6, 7, 0.8), "年底": (11, 12, 0.85),
    "年末": (11, 12, 0.85), "年尾": (11, 12, 0.8), "首月": (1, 1, 0.95), "末月": (12, 12, 0.9),
    "开春": (2, 3, 0.55), "春天": (3, 5, 0.7), "春季": (3, 5, 0.7), "夏天": (6, 8, 0.7), "夏季": (6, 8, 0.7),
    "秋天": (9, 11, 0.7), "秋季": (9, 11, 0.7), "冬天": (12, 14, 0.55), "冬季": (12, 14, 0.55),
    "初": (1, 2, 0.85), "底": (11, 12, 0.85), "末": (11, 12, 0.85), "中": (6, 7, 0.8),
})
# Parts of a month: first and last day (0 = the month's last day).
MONTH_PARTS = MappingProxyType({
    "上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 0), "月初": (1, 10), "月中": (11, 20), "月底": (21, 0),
    "月末": (21, 0), "月尾": (21, 0), "初": (1, 10), "中": (11, 20), "底": (21, 0), "末": (21, 0),
    "头上": (1, 10),
})
WEEKDAYS = MappingProxyType({"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6})


def alt(words: Iterable[str] | Mapping[str, object]) -> str:
    """Regex alternation of words, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
