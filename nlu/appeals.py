"""Classifying free-text appeals (主要诉求) into categories, keeping the matched keywords."""

from __future__ import annotations

import re
from types import MappingProxyType

from nlu._text import clamp, fold, is_blank
from nlu.result import Parsed

CATEGORIES: tuple[str, ...] = ("employment", "housing", "medical", "pension", "placement", "rights", "other")
KEYWORDS = MappingProxyType(
    {
        "employment": (
            "找工作", "就业", "工作", "上班", "失业", "下岗", "岗位", "公益性岗位", "培训", "技能", "创业",
            "打工", "没活干", "挣钱", "收入", "营生", "招聘", "职业", "再就业", "务工",
        ),
        "housing": (
            "住房", "房子", "危房", "公租房", "廉租房", "漏雨", "漏水", "改造", "租房", "房租", "宅基地", "住的地方",
            "没地方住", "搬迁", "安居", "修房", "盖房", "房屋", "住处", "无房",
        ),
        "medical": (
            "看病", "医疗", "医保", "住院", "报销", "药费", "吃药", "治疗", "手术", "康复", "病", "医院", "体检",
            "大病", "慢病", "慢性病", "轮椅", "助听器", "假肢", "辅具", "护理", "医药费",
        ),
        "pension": (
            "养老", "退休金", "养老金", "补贴", "补助", "抚恤", "低保", "生活费", "待遇", "津贴", "优抚金",
            "两项补贴", "生活困难", "救助", "钱不够", "涨工资", "优待金", "定补", "定期定额", "社保", "五保",
        ),
        "placement": (
            "安置", "安排工作", "转业", "落实安置", "自主择业", "编制", "退役安置", "复员", "分配工作", "接收",
            "档案", "工龄", "军龄", "身份认定", "安置费",
        ),
        "rights": (
            "维权", "权益", "投诉", "拖欠", "欠薪", "欠钱", "被骗", "纠纷", "法律", "不公平", "歧视", "上访",
            "信访", "侵权", "打官司", "律师", "克扣", "不给办", "不管", "推诿", "光荣牌", "欺负",
        ),
    }
)
_KEYWORD_TO_CATEGORY = MappingProxyType({kw: cat for cat, kws in KEYWORDS.items() for kw in kws})
_KEYWORD_RE = re.compile("|".join(re.escape(k) for k in sorted(_KEYWORD_TO_CATEGORY, key=len, reverse=True)))
_NOTHING_RE = re.compile(r"^(?:没有|没|无|暂无|暂时没有|没什么|没啥|都挺好|挺好的?|没有诉求|没什么要求|没要求)[了的啊呀。！!\s]*$")
_STOP_BEFORE = ("不需要", "不用", "没问题")


def classify_appeal(text: str) -> Parsed[str]:
    """Put a free-text appeal into employment/housing/medical/pension/placement/rights/other, with keywords."""
    if is_blank(text):
        return Parsed("other", 0.0, (0, 0), {"keywords": [], "empty": True})
    folded = fold(text)
    if _NOTHING_RE.match(folded.strip()):
        return Parsed("other", 0.9, (0, len(text)), {"keywords": [], "none": True})
    scores: dict[str, float] = {}
    keywords: list[str] = []
    first_pos: dict[str, int] = {}
    by_category: dict[str, list[str]] = {}
    for m in _KEYWORD_RE.finditer(folded):
        kw = m.group(0)
        before = folded[max(0, m.start() - 3) : m.start()]
        if any(before.endswith(s) for s in _STOP_BEFORE):
            continue
        cat = _KEYWORD_TO_CATEGORY[kw]
        scores[cat] = scores.get(cat, 0.0) + len(kw)
        first_pos.setdefault(cat, m.start())
        by_category.setdefault(cat, []).append(kw)
        if kw not in keywords:
            keywords.append(kw)
    if not scores:
        return Parsed("other", 0.5, (0, len(text)), {"keywords": []})
    ranked = sorted(scores, key=lambda c: (-scores[c], first_pos[c]))
    best = ranked[0]
    total = sum(scores.values())
    confidence = 0.6 + 0.35 * scores[best] / total
    extra = {"keywords": keywords, "categories": {c: by_category[c] for c in ranked}}
    return Parsed(best, clamp(confidence), (0, len(text)), extra)
