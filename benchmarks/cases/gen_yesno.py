"""Generated yes/no answers: known values composed from parts and rendered in many surface forms.

``rows(seed, n)`` yields rows with the columns of ``yesno.tsv`` (input, expected, source, note). Each
answer is built from parts — a filler (嗯, 那个, 我说), an optional hedge, an optional intensifier, a
polarity core (with dialect forms), an optional object of the question (低保, 补贴, 房子, 工作, 医保),
a tail particle — and the expected value is computed by rule from the parts (an intensifier never flips,
a hedge keeps the polarity, the present wins over the past). The surface is then varied: traditional
characters, spaces from speech recognition, repeats, full-width latin. Standard library only.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

OBJECTS = ("低保", "补贴", "护理补贴", "房子", "工作", "医保", "残疾证", "养老保险", "辅具", "康复服务")
FILLERS = ("", "", "", "嗯，", "那个，", "我说，", "哎，", "这个嘛，", "嗯 ", "呃，", "老师，", "同志，")
TAILS = ("", "", "", "呢", "啊", "嘛", "呀", "哩", "嘞", "。", "！")
# polarity cores said alone (with the value they carry)
YES_CORES = ("有", "是", "对", "是的", "有的", "对的", "是滴", "有着呢", "对着呢", "要得", "可以", "行", "中",
             "同意", "需要", "要", "没错", "没问题", "对头", "得行", "好的", "嗯嗯", "好嘞", "行嘞", "可以的",
             "就是的", "享受着", "领着呢", "在领", "领过", "办了", "参加了", "得到过", "吃着呢", "是有的")
NO_CORES = ("没有", "没", "不是", "不对", "不是的", "没有的", "莫得", "冇得", "没得", "木有", "么得", "不要",
            "不需要", "不用", "不同意", "没领", "没领过", "不享受", "没办", "没参加", "没得到过", "没吃", "不行",
            "不得行", "要不得", "算了", "免了", "不用了", "是没有的", "还没领", "还没办")
# cores that take an intensifier (当然有, 绝对没有) or a hedge (应该有, 好像没领过) in front
HEDGEABLE_YES = ("有", "是", "有的", "是有的", "领过", "需要", "享受着", "在领", "办了", "参加了")
HEDGEABLE_NO = ("没有", "不是", "没领过", "不需要", "没办", "没参加", "没得到过", "没得", "莫得")
INTENS_NEG = ("绝对", "肯定", "根本", "从来", "压根", "确实", "真的", "当然", "根本就", "压根就", "实在")
INTENS_POS = ("当然", "肯定", "确实", "真的", "的确")
HEDGES = ("应该", "可能", "好像", "估计", "大概", "我记得", "也许", "应该是", "好像是", "估计是")
UNSURE = ("不知道", "不清楚", "说不准", "记不得了", "不晓得", "搞不清", "不好说", "记不清楚", "不太清楚",
          "说不上来", "想不起来了", "忘了", "不记得了", "没印象", "不大清楚")
REFUSE_MODALS = ("想", "愿意", "方便", "能")
REFUSE_TELL = ("说", "讲", "告诉你", "透露", "回答", "告诉您")
QUESTIONS = ("有没有", "是不是", "对不对", "要不要", "有吗", "是吗", "啥意思", "什么意思", "需不需要")
LATIN = {"yes": ("ok", "OK", "Ok", "okay", "yes", "Yes", "YES", "y", "Y", "👍", "👌", "√", "✅"),
         "no": ("no", "No", "NO", "n", "N", "×", "❌")}
# simplified → traditional, one character each (the forms people type on traditional keyboards)
TRAD = dict(zip("没对领过说应该吗晓准这个实确现们补贴医养记认参办还从来绝错问题样么后时经证护险辅务听觉", "沒對領過說應該嗎曉準這個實確現們補貼醫養記認參辦還從來絕錯問題樣麼後時經證護險輔務聽覺",
                strict=True))
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _core(rng: random.Random) -> tuple[str, str, str]:
    """A polarity core with optional intensifier, hedge or object: (text, value, note)."""
    roll = rng.random()
    if roll < 0.22:
        value = rng.choice(("yes", "no"))
        return rng.choice(YES_CORES if value == "yes" else NO_CORES), value, "core"
    if roll < 0.34:
        if rng.random() < 0.6:
            return rng.choice(INTENS_NEG) + rng.choice(HEDGEABLE_NO), "no", "intensifier-neg"
        return rng.choice(INTENS_POS) + rng.choice(("有", "是", "需要", "是有的", "同意", "在领")), "yes", "intensifier-pos"
    if roll < 0.46:
        value = rng.choice(("yes", "no"))
        core = rng.choice(HEDGEABLE_YES if value == "yes" else HEDGEABLE_NO)
        hedge = rng.choice(HEDGES)
        if hedge.endswith("是") and core.startswith(("是", "不是")):
            hedge = hedge[:-1]  # 应该是不是 would be a question
        return hedge + core + rng.choice(("", "吧", "", "的吧")), value, "hedge"
    if roll < 0.6:
        obj = rng.choice(OBJECTS)
        value = rng.choice(("yes", "no"))
        if value == "yes":
            form = rng.choice(("有{o}", "{o}有", "{o}有的", "{o}是有的", "有{o}的", "{o}有着呢"))
        else:
            form = rng.choice(("没有{o}", "{o}没有", "{o}莫得", "没得{o}", "{o}没得", "没{o}", "{o}是没有的",
                               "{o}也没有", "{o}从来没有"))
        return form.format(o=obj), value, "object"
    if roll < 0.66:
        value = rng.choice(("yes", "no"))
        past, now = (("有", "没有了"), ("领过", "不领了"), ("是", "不是了"), ("享受过", "不享受了"))[rng.randrange(4)]
        if value == "yes":
            past, now = rng.choice((("没有", "有了"), ("没领", "在领了"), ("不是", "是了")))
        sep = rng.choice(("，", " ", "，但是", ""))
        return f"{rng.choice(('以前', '原来', '过去', '前几年'))}{past}{sep}{rng.choice(('现在', '目前', '后来'))}{now}", value, "time-contrast"
    if roll < 0.72:
        return rng.choice(("不是没有", "也不是没有", "不是不需要", "没有不同意", "不是不愿意")), "yes", "double-neg"
    if roll < 0.78:
        return rng.choice(UNSURE), "unsure", "unsure"
    if roll < 0.84:
        subject = rng.choice(("", "我", "这个", "这个我"))
        return f"{subject}不{rng.choice(REFUSE_MODALS)}{rng.choice(REFUSE_TELL)}", "refuse", "refuse"
    if roll < 0.89:
        return rng.choice(QUESTIONS) + rng.choice(("", "？", "啊", "啊？", "呀")), "question", "question-back"
    if roll < 0.95:
        value = rng.choice(("yes", "no"))
        word = rng.choice(("有", "没有", "对", "是", "不是", "不", "不要", "不对"))
        value = "no" if word.startswith(("不", "没")) else "yes"
        return word * rng.choice((2, 3)), value, "repeat"
    value = rng.choice(("yes", "no"))
    return rng.choice(LATIN[value]), value, "latin-emoji"


def _surface(rng: random.Random, text: str) -> tuple[str, str]:
    """Vary the surface: traditional characters, spaces of speech recognition, full-width latin."""
    roll = rng.random()
    if roll < 0.15:
        return "".join(TRAD.get(ch, ch) for ch in text), "traditional"
    if roll < 0.3 and not text.isascii():
        chars = list(text)
        out = [chars[0]] if chars else []
        for ch in chars[1:]:
            out.append((" " if rng.random() < 0.4 else "") + ch)
        return "".join(out), "asr-spaces"
    if roll < 0.35 and text.isascii():
        return "".join(FULL_WIDTH.get(ch, ch) for ch in text), "full-width"
    return text, ""


def rows(seed: int, n: int) -> Iterator[dict[str, str]]:
    """n generated answers with their expected value, deterministic for a seed."""
    rng = random.Random(seed)
    for _ in range(n):
        core, value, note = _core(rng)
        if note in ("latin-emoji", "question-back"):
            text = core
        else:
            tail = rng.choice(TAILS) if not core.endswith(("吧", "了", "呢")) else ""
            text = rng.choice(FILLERS) + core + tail
        text, form = _surface(rng, text)
        yield {"input": text, "expected": value, "source": "intake-generated",
               "note": note + (f" {form}" if form else "")}
