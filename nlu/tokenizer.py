"""A jieba tokenizer owned by nlu, with a user dictionary of questionnaire and domain words."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from functools import cache

import jieba

DOMAIN_WORDS: tuple[str, ...] = (
    "自主择业", "自主就业", "自谋职业", "安排工作", "退休安置", "供养", "公益性岗位", "城乡居民最低生活保障",
    "最低生活保障", "低保", "特困供养", "残疾人两项补贴", "两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴",
    "基本医疗保险", "新型农村合作医疗", "新农合", "职工养老保险", "城镇居民养老保险", "新型农村养老保险",
    "城乡居民养老保险", "退役军官", "退役士兵", "退伍红军老战士", "西路军红军老战士", "红军失散人员",
    "老复员军人", "无军籍离休干部", "无军籍退休退职职工", "烈士遗属", "因公牺牲军人遗属", "病故军人遗属",
    "现役军人家属", "伤残民兵民工", "残疾人证", "视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾",
    "精神残疾", "多重残疾", "公租房", "廉租房", "危房改造", "优抚对象", "抚恤金", "义务兵", "士官", "军官",
    "个体户", "务农", "无业", "下岗", "离退休", "行政事业单位", "共青团员", "中共党员", "群众", "民主党派",
)


class Tokenizer:
    """Word segmentation with its own jieba.Tokenizer instance, loaded lazily once."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        """Remember the user words; the dictionary is loaded on first use."""
        self._words: tuple[str, ...] = tuple(dict.fromkeys((*DOMAIN_WORDS, *(w for w in user_words if w))))
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _load(self) -> jieba.Tokenizer:
        """Build the jieba tokenizer and its user dictionary (once)."""
        with self._lock:
            if self._jieba is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in self._words:
                    tok.add_word(word, freq=max(2000, 500 * len(word)))
                self._jieba = tok
            return self._jieba

    def load(self) -> None:
        """Load the dictionary now (at start-up) instead of on first use."""
        self._load()

    @property
    def words(self) -> tuple[str, ...]:
        """The user dictionary words."""
        return self._words

    def cut(self, text: str) -> list[str]:
        """Segment a text into words."""
        if not text:
            return []
        tok = self._jieba or self._load()
        return [w for w in tok.cut(text, HMM=True) if w]

    def known(self, word: str) -> bool:
        """Whether a word is in the dictionary (not one the HMM made up for text it does not know)."""
        tok = self._jieba or self._load()
        return bool(tok.FREQ.get(word))

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """Segment a text into (word, start, end) triples."""
        out: list[tuple[str, int, int]] = []
        pos = 0
        for word in self.cut(text):
            out.append((word, pos, pos + len(word)))
            pos += len(word)
        return out

    def fine_spans(self, text: str) -> list[tuple[str, int, int]]:
        """The words and, inside long dictionary words, the dictionary words they are made of (jieba's search
        mode: 在家种地 gives 在家种地, 在家 and 种地), as (word, start, end)."""
        if not text:
            return []
        tok = self._jieba or self._load()
        return [(w, s, e) for w, s, e in tok.tokenize(text, mode="search", HMM=True) if w]


@cache
def default_tokenizer() -> Tokenizer:
    """A tokenizer with the domain words only, for parsers called without one (tests, ``intake parse``).

    The running service passes its own (``bot.understanding.make_tokenizer``, with the questionnaires'
    words); this one is built once, on first use, and never changes after that.
    """
    return Tokenizer()
