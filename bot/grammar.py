"""Speech grammars from the questionnaire: the phrases a closed question can be answered with.

Choices, yes/no, ethnicity, dates, phone and ID numbers get a grammar; numbers and open answers are
decoded freely. The recogniser (``voice.recognizer``) splits every phrase into words of the model's
vocabulary, adds ``[unk]``, scores a result by its least certain word ([unk] counts 0) and caps a
result that is not a sequence of whole phrases at FRAGMENT_CONFIDENCE, below the read-back threshold.
So a phrase that is a single short word (one digit, 十, 月) is a risk: unrelated speech comes back as
that word with high confidence. In the date grammar every phrase that carries a value holds a
four-digit year or a month with its day. The digit grammars of phone and ID numbers do have single
digits: a short stray digit string has the wrong length (or, for an ID number, checksum) and is
refused by nlu; a misheard digit in a whole phone number is not caught, and did not happen below.

Measured with the real model on the spoken answers of ../shared/data/audio/answers (both voices;
"right" = parsed to the value of the typed reference, "flagged" = read back or asked again):

============  ===================  ==========================
kind          free decoding        grammar
============  ===================  ==========================
birth (4)     4 right              4 right
date (4)      2 right, 2 flagged   4 right
phone (6)     6 flagged            5 right, 1 flagged
idcard (2)    2 flagged            1 right, 1 flagged
============  ===================  ==========================

No confidently wrong value in either mode. Numbers (kinds age, family, income: 8 right when decoding
freely) keep free decoding: see the comment on NUMBER below.
"""

from __future__ import annotations

from datetime import date

from bot.questionnaire import QType, Question
from nlu.ethnicity import ETHNICITIES

YES_NO_PHRASES = ("是", "是的", "对", "对的", "不是", "不对", "有", "有的", "没有", "没有的", "不清楚", "不知道")
CONTROL_PHRASES = ("跳过", "返回", "上一题", "重新开始", "转人工", "暂停", "继续", "确认提交")

DIGITS = "零一二三四五六七八九"
FIRST_YEAR = 1900  # the first year of the date grammar, unless the question's not_before is later
YEARS_AHEAD = 10  # years after this one offered for dates that may lie in the future
# Words said around a date: fillers of two syllables or more, and the events the date questions ask
# about (an answer names its event: “一九八三年十月入伍”), besides the question's own cues.
DATE_FILLERS = ("我是", "是在", "大概", "差不多", "左右")
DATE_EVENTS = ("出生", "出生的", "入伍", "入伍的", "当兵", "参军", "参加工作", "退役", "退伍", "复员", "转业",
               "离休", "退休")
DIGIT_WORDS = (*DIGITS, "幺")  # digit by digit, 幺 for 一 as in phone numbers
ID_CHECK_WORDS = ("叉",)  # the check character X, as nlu reads it
NUMBER_LEADS = ("号码", "号码是")

# NUMBER is decoded freely, measured. Free decoding gets all 8 age/family/income answers right, and of
# the 38 clips that hold no number (answers to other questions, read speech) one becomes a confident
# number at household_size (有 -> 一, 0.65). A grammar of single words (digits, 十 百 千 万, units
# 人 口 元 岁 平方米, carriers 今年 每月 收入 家里 有 服役) got 7 right (“三千五百元” heard “三千五百人”,
# 0.59) and made 7 of the 38 confident numbers (是 -> 十 0.97, 有 -> 一 0.96, 自主择业 -> 四九左右
# 0.99). A grammar of number words bound to units (“五十” + “九岁”, “三千” + “五百元”) got all 8 right
# but still made 7 of the 38 confident numbers (已婚 -> 一岁 1.00, 士官 -> 十块 0.98, 不是 -> 五十
# 0.87): a spoken number is two or three syllables with nothing to tell it from other short speech.
#
# Two-digit years (“八三年十月”) are left out of the date grammar, measured. With them, answers cut
# from the date clips to begin at the two-digit year were all right (6 of 6; 3 when decoding freely),
# but 义务兵 came back as a confident 一五年 (0.86) and 自主择业 as 四九年二月 (0.64). Without them such
# answers are read back or asked again (1 right, 5 flagged, none wrong), and none of the 59 other
# clips (answers to other questions, read speech) becomes a confident date at any date question.
#
# A day needs its 日 or 号: with “十二月一” (no 日) as a phrase, “二零零五年十二月退役” came back as
# “二零零五年十二月一”, a confident 1 December 2005 (0.86 and 0.84), whenever the grammar lacked 退役.
# For the same reason the events of every date question are in each date grammar (DATE_EVENTS).
# More carrier phrases weaken the digits of a digit grammar: with “我的手机号码是” and the like, two
# of the six phone answers lost digits (3 right instead of 5).


def phrases_for(q: Question | None, today: date | None = None) -> list[str] | None:
    """The allowed phrases for recognising an answer to ``q`` (on ``today``); None means free decoding."""
    if q is None:
        return None
    phrases: list[str] = []
    if q.type in (QType.SINGLE, QType.MULTI):
        for o in q.options:
            phrases.append(o.label)
            phrases.extend(o.synonyms)
    elif q.type == QType.YES_NO:
        phrases.extend(YES_NO_PHRASES)
    elif q.type == QType.ETHNICITY:
        for e in ETHNICITIES:
            phrases.append(e.name)
    elif q.type == QType.DATE:
        phrases.extend(date_phrases(q, today or date.today()))
    elif q.type in (QType.PHONE, QType.ID_NUMBER):
        phrases.extend(digit_string_phrases(q))
    else:
        return None
    phrases.extend(CONTROL_PHRASES)
    return list(dict.fromkeys(p for p in phrases if p))


def date_phrases(q: Question, today: date) -> list[str]:
    """A date as said: a four-digit year, alone or with its month, then a month with its day."""
    # Months and days are never phrases on their own, so a lone “九月” or “一号” (what short unrelated
    # speech becomes) is a fragment, read back; “一九七二年 八月十五日” is two whole phrases. Only the
    # years the answer can have are offered: each year is one more target for unrelated speech.
    first = FIRST_YEAR
    if q.constraints.not_before:
        first = max(first, int(q.constraints.not_before[:4]))
    last = today.year if q.constraints.not_future else today.year + YEARS_AHEAD
    years = [f"{spell_digits(y)}年" for y in range(first, last + 1)]
    months = [f"{chinese_numeral(m)}月" for m in range(1, 13)]
    phrases = [*years, *(f"{y}{m}" for y in years for m in months)]
    for m, month in enumerate(months, 1):
        for d in range(1, _DAYS_IN_MONTH[m - 1] + 1):
            day = chinese_numeral(d)
            phrases.extend((f"{month}{day}日", f"{month}{day}号"))
    return [*phrases, *DATE_FILLERS, *DATE_EVENTS, *q.cues]


def digit_string_phrases(q: Question) -> list[str]:
    """A phone or ID number said digit by digit, with the names of the number (“手机号码是…”)."""
    names = [q.title, *q.aliases]
    words = [*DIGIT_WORDS, *(ID_CHECK_WORDS if q.type == QType.ID_NUMBER else ())]
    return [*words, *names, *(f"{n}是" for n in names), *NUMBER_LEADS]


def spell_digits(n: int) -> str:
    """A number read digit by digit, as years are said: 1983 -> 一九八三."""
    return "".join(DIGITS[int(c)] for c in str(n))


def chinese_numeral(n: int) -> str:
    """1..99 in Chinese numerals: 10 -> 十, 15 -> 十五, 31 -> 三十一."""
    tens, ones = divmod(n, 10)
    if not 0 < n < 100:
        raise ValueError(f"{n} is outside 1..99")
    head = "" if tens == 0 else "十" if tens == 1 else f"{DIGITS[tens]}十"
    return head + (DIGITS[ones] if ones else "")


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# Live answers taken at the first pause after a whole phrase: one short phrase by nature. Several
# choices (“医保…和养老保险”), dates (“一九七二年…八月十五日”) and digit strings have pauses inside,
# where a year or a first choice is already a whole phrase; they wait for the recogniser's endpoint.
QUICK_END_TYPES = frozenset({QType.SINGLE, QType.YES_NO, QType.ETHNICITY})


def ends_at_first_pause(q: Question | None, *, yes_no: bool = False) -> bool:
    """Whether a live spoken answer is one short phrase (a single choice, yes/no, an ethnicity, a confirmation)."""
    return yes_no or (q is not None and q.type in QUICK_END_TYPES)
