"""Character and word tables of the number readers (numerals, units, classifiers, words that are not numbers)."""

from __future__ import annotations

import re
from types import MappingProxyType

ZERO_CHARS = frozenset("零〇○洞0")
DIGIT_VALUES = MappingProxyType(
    {
        "零": 0, "〇": 0, "○": 0, "洞": 0,
        "一": 1, "幺": 1, "壹": 1, "么": 1,
        "二": 2, "两": 2, "贰": 2, "貳": 2, "俩": 2,
        "三": 3, "叁": 3, "参": 3, "仨": 3,
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
SPOKEN_ONLY = frozenset("洞幺么拐勾俩仨腰妖")
SPOKEN_DIGITS = MappingProxyType({**DIGIT_VALUES, "腰": 1, "妖": 1})
SMALL_UNITS = MappingProxyType({"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000})
BIG_UNITS = MappingProxyType({"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8})
TENS = MappingProxyType({"廿": 20, "卅": 30, "卌": 40})
UNIT_CHARS = frozenset(SMALL_UNITS) | frozenset(BIG_UNITS) | frozenset(TENS)
PLACE_VALUES = MappingProxyType({**SMALL_UNITS, **BIG_UNITS})

# Chinese numeral characters used in running text (dates.py reads its runs with these): not the spoken-only
# ones, nor the financial forms that are mostly parts of words (陆 in 大陆, 伍 in 入伍/退伍/队伍, 拾 in 收拾).
CN_NUM = "零〇○一二两三四五六七八九十百千万亿廿卅壹贰叁肆柒捌玖佰仟萬億"
NUM_CLASS = "0-9" + CN_NUM
# Every character of a Chinese numeral in a quantity (after folding traditional characters); 伍/陆/拾 are
# accepted because word boundaries (jieba) keep 入伍/大陆/收拾 out.
QUANTITY_NUMERALS = frozenset(CN_NUM + "伍陆拾参俩仨")
DIGITS_CN = frozenset(c for c in DIGIT_VALUES if not c.isascii()) - SPOKEN_ONLY | {"参", "伍", "陆"}

# Measure words and units that may follow a numeral inside one jieba word (两罐, 五个, 三口): a numeral
# followed by anything else in the same word (四川, 十堰, 三门峡, 五角大楼) is part of a name, not a number.
CLASSIFIERS = frozenset(
    "个位口人户间套块元圆角毛分钱岁年月日号天周次回遍趟亩平米斤两吨克升头只匹条张本件台辆棵株座栋层家所"
    "项级届期倍成罐箱袋包瓶碗杯盒把根支双对副批群组班笔份封顿场轮代寸尺丈里公千万亿多来余几半点整号"
    "到至或和左右上下出头样子方钟小时星期度折"
)
# Characters that may stand before a numeral inside one jieba word and keep it a number (约三千, 近两万).
NUMERAL_PREFIXES = frozenset("约近每共有才就是了过到至或和零负差超满整足")

UNIT_CANON = MappingProxyType(
    {
        "平方米": "平方米", "平方": "平方米", "平米": "平方米", "平": "平方米", "㎡": "平方米", "m2": "平方米",
        "m²": "平方米", "平方公尺": "平方米", "个平方": "平方米", "个平米": "平方米", "个平": "平方米",
        "元": "元", "块钱": "元", "块": "元", "圆": "元", "元钱": "元", "块大洋": "元", "块人民币": "元",
        "元人民币": "元", "周岁": "岁", "岁": "岁", "虚岁": "岁", "岁了": "岁", "年": "年", "个年头": "年",
        "个月": "月", "月": "月", "天": "天", "日": "天", "人": "人", "位": "人", "个人": "人", "名": "人",
        "口人": "口", "口": "口", "个": "个", "亩": "亩", "亩地": "亩", "间": "间", "套": "套", "次": "次",
        "回": "次", "斤": "斤", "公斤": "公斤", "千克": "公斤", "kg": "公斤", "米": "米", "户": "户", "户人家": "户",
        "处": "处", "栋": "栋", "层": "层", "本": "本", "张": "张", "项": "项", "级": "级", "小时": "小时",
        "个小时": "小时", "分钟": "分钟", "周": "周", "个星期": "周", "星期": "周", "头": "头", "只": "只",
        "辆": "辆", "%": "%",
    }
)
# Money: the sub-units of 元 and what they are worth.
MONEY_SUBUNITS = MappingProxyType({"角": 0.1, "毛": 0.1, "分": 0.01})
MONEY_UNITS = frozenset({"元", "块钱", "块", "圆", "元钱", "块大洋", "块人民币", "元人民币"})
# Units that are the same thing for a question (a household of 三口人 has three persons).
UNIT_ALIASES = MappingProxyType({"口": "人", "个": "人", "名": "人"})
# Units of time read as "per" in 一个月一千五 / 一年两万.
RATE_UNITS = frozenset({"月", "年", "天", "周"})

APPROX_BEFORE = MappingProxyType(
    {
        # word: (bound) — None: around the figure; "high": at most the figure; "low": at least the figure
        "大概": None, "大约": None, "大致": None, "约莫": None, "约": None, "差不多": None, "估计": None,
        "可能": None, "大约有": None, "大概有": None, "估摸着": None, "估摸": None, "大差不差": None,
        "左右": None, "将近": "high", "接近": "high", "近": "high", "不到": "high", "不足": "high",
        "不超过": "high", "最多": "high", "顶多": "high", "至多": "high", "至少": "low", "起码": "low",
        "超过": "low", "最少": "low", "多于": "low", "少说": "low", "少说也有": "low",
    }
)
APPROX_AFTER = MappingProxyType(
    {
        "左右": None, "上下": None, "的样子": None, "这样": None, "那样": None, "光景": None, "开外": "low",
        "以上": "low", "多点": "low", "出头": "low", "往上": "low", "以下": "high", "以内": "high",
        "不到": "high", "挂零": "low",
    }
)
RANGE_JOINERS = ("或者", "到", "至", "~", "-", "或", "—")

# Words that contain numeral characters but are not numbers (also used by dates.py).
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
    r"(?<![0-9零〇○一二两三四五六七八九十百千万亿点.])(?:"
    + "|".join(re.escape(w) for w in PROTECTED_WORDS)
    + r"|十分(?!钟|之)|(?<!分)之一)"
)


def mask_protected(text: str, mask: str = "\u25a1") -> str:
    """Hide words such as 一些/两岸 behind placeholder characters, keeping the length."""
    if not _PROTECTED_RE.search(text):
        return text
    return _PROTECTED_RE.sub(lambda m: mask * len(m.group(0)), text)
