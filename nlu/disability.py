"""Disability category (视力…多重) and level (一级…四级), tolerant of speech-recognition errors."""

from __future__ import annotations

import re

from nlu._text import clamp, fold, is_blank
from nlu.choice import Option, find_options
from nlu.result import NotUnderstood, Parsed, Result, empty

CATEGORIES: tuple[str, ...] = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
_OPTIONS: tuple[Option, ...] = (
    Option("视力", "视力残疾", ("视力", "视残", "眼睛", "眼残", "盲人", "失明", "看不见", "看不清", "低视力", "盲")),
    Option("听力", "听力残疾", ("听力", "听残", "耳朵", "耳聋", "聋", "听不见", "听不清", "聋哑")),
    Option("言语", "言语残疾", ("言语", "语言残疾", "语言", "说话", "不会说话", "说不了话", "哑巴", "哑", "口吃")),
    Option("肢体", "肢体残疾", ("肢体", "肢残", "腿脚", "腿", "胳膊", "截肢", "瘫痪", "偏瘫", "手脚", "脊柱", "小儿麻痹")),
    Option("智力", "智力残疾", ("智力", "智残", "智障", "弱智", "脑瘫", "智力低下", "发育迟缓")),
    Option("精神", "精神残疾", ("精神", "精残", "精神病", "精神分裂", "抑郁症", "自闭症", "孤独症")),
    Option("多重", "多重残疾", ("多重", "多种残疾", "好几种", "两种以上", "多种")),
)
_LEVEL_RE = re.compile(r"(?P<n>[一二三四1234壹贰叁肆两])\s*(?:级|等|档)")
_LEVEL_WORD_RE = re.compile(r"(?P<w>重度|极重度|中度|轻度)")
_LEVELS = {"一": "一级", "1": "一级", "壹": "一级", "二": "二级", "两": "二级", "2": "二级", "贰": "二级",
           "三": "三级", "3": "三级", "叁": "三级", "四": "四级", "4": "四级", "肆": "四级"}
_SEVERITY = {"极重度": "一级", "重度": "二级", "中度": "三级", "轻度": "四级"}


def parse_disability(text: str) -> Result[tuple[str | None, str | None]]:
    """Read (category, level) such as ('视力', '二级') from 视力二级 / 是力残疾 / 肢体1级 / 二等残疾."""
    if is_blank(text):
        return empty()
    folded = fold(text)
    mentions = [m for m in find_options(folded, _OPTIONS) if not m.extra.get("negated")]
    categories: list[str] = []
    for m in mentions:
        if m.value not in categories:
            categories.append(m.value)
    level: str | None = None
    spans: list[tuple[int, int]] = [m.span for m in mentions]
    confidence = min((m.confidence for m in mentions), default=1.0)
    lm = _LEVEL_RE.search(folded)
    if lm:
        level = _LEVELS[lm.group("n")]
        spans.append((lm.start(), lm.end()))
    else:
        wm = _LEVEL_WORD_RE.search(folded)
        if wm:
            level = _SEVERITY[wm.group("w")]
            spans.append((wm.start(), wm.end()))
            confidence = min(confidence, 0.7)
    category: str | None
    extra: dict[str, object] = {}
    if len(categories) > 1:
        category = "多重"
        extra["categories"] = [c for c in categories if c != "多重"]
        confidence = min(confidence, 0.85)
    else:
        category = categories[0] if categories else None
    if category is None and level is None:
        return NotUnderstood("no_match", "请说残疾类别和等级，例如“肢体残疾二级”。")
    span = (min(s for s, _ in spans), max(e for _, e in spans))
    return Parsed((category, level), clamp(confidence), span, extra)
