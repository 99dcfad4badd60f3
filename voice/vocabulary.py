"""Grammars for Vosk: questionnaire phrases (Chinese, no spaces) -> words of the model's vocabulary.

Vosk takes a grammar as a JSON list of phrases written as vocabulary words separated by spaces, and
silently drops any word it does not know. So every phrase is segmented here against the model's own
word list (fewest words, by dynamic programming) and checked:

- ASCII and full-width digits are read out (``1级`` -> ``一级``), punctuation and spaces are dropped;
- a character the model has no word for is replaced by a vocabulary character with the same pinyin
  and tone (``畲族`` -> ``奢 族``); the recogniser turns the heard text back into the phrase;
- a phrase that still cannot be written in vocabulary words is left out and *reported*
  (:attr:`GrammarPlan.oov`, and a warning naming it), never silently ignored.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

UNK = "[unk]"
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class GrammarPlan:
    """A grammar ready for Vosk, with what could not be put into it."""

    phrases: tuple[str, ...]  # vocabulary words separated by spaces, "[unk]" last
    oov: tuple[str, ...] = ()  # input phrases that cannot be written in the model's words (left out)
    respelled: Mapping[str, str] = field(default_factory=dict)  # heard spelling -> the phrase (homophones)

    def whole_phrases(self, words: Sequence[str]) -> bool:
        """Whether recognised ``words`` are whole grammar phrases one after another ([unk] between them).

        Vosk turns a grammar into a bigram model that backs off to single words, so it can also
        return fragments of phrases ("军官" out of "军官 自主 择业") that mean something else.
        """
        phrases = self._phrase_words()
        longest = max((len(p) for p in phrases), default=0)
        runs: list[list[str]] = [[]]
        for w in words:
            if w == UNK:
                runs.append([])
            else:
                runs[-1].append(w)
        for run in runs:
            ok = [True] + [False] * len(run)
            for i in range(len(run)):
                if ok[i]:
                    for j in range(i + 1, min(len(run), i + longest) + 1):
                        if tuple(run[i:j]) in phrases:
                            ok[j] = True
            if not ok[len(run)]:
                return False
        return True

    def _phrase_words(self) -> frozenset[tuple[str, ...]]:
        return frozenset(tuple(p.split()) for p in self.phrases if p != UNK)

    @property
    def json_ready(self) -> list[str]:
        """The list to pass to ``KaldiRecognizer`` as JSON."""
        return list(self.phrases)

    def restore(self, text: str) -> str:
        """Turn homophone spellings in recognised text back into the questionnaire's phrase."""
        for heard in sorted(self.respelled, key=len, reverse=True):
            if heard in text:
                text = text.replace(heard, self.respelled[heard])
        return text


class Vocabulary:
    """The model's word list, with segmentation of phrases into its words."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if w)
        self.max_len = max((len(w) for w in self.words), default=1)
        self._by_sound: dict[str, str] | None = None
        self._lock = threading.Lock()

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def __len__(self) -> int:
        return len(self.words)

    def segment(self, text: str) -> list[str] | None:
        """``text`` as the fewest vocabulary words, or None when some part is not in the vocabulary."""
        n = len(text)
        if n == 0:
            return None
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            here = best[i]
            if here is None:
                continue
            for j in range(min(n, i + self.max_len), i, -1):
                piece = text[i:j]
                if piece in self.words:
                    there = best[j]
                    if there is None or len(there) > len(here) + 1:
                        best[j] = [*here, piece]
        return best[n]

    def spoken(self, phrase: str) -> tuple[str, str] | None:
        """How ``phrase`` is said, in vocabulary words: (words separated by spaces, the spelling heard).

        None when it cannot be written with the model's words.
        """
        text = normalise_phrase(phrase)
        if not text:
            return None
        words = self.segment(text)
        if words is None:
            text = self._respell(text)
            words = self.segment(text) if text else None
        if words is None:
            return None
        return " ".join(words), "".join(words)

    def _respell(self, text: str) -> str:
        """Replace characters the model lacks by single-character words with the same pinyin and tone."""
        sounds = self._sounds()
        if not sounds:
            return ""
        from pypinyin import Style, lazy_pinyin

        out = []
        for ch in text:
            if ch in self.words:
                out.append(ch)
                continue
            reading = lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True)
            twin = sounds.get(reading[0]) if reading else None
            if twin is None:
                return ""
            out.append(twin)
        return "".join(out)

    def _sounds(self) -> dict[str, str]:
        """pinyin-with-tone -> a single-character word that sounds so (built on first need)."""
        with self._lock:
            if self._by_sound is None:
                try:
                    from pypinyin import Style, lazy_pinyin
                except ImportError:  # pragma: no cover - pypinyin is a dependency of the project
                    self._by_sound = {}
                    return self._by_sound
                table: dict[str, str] = {}
                for w in sorted(w for w in self.words if len(w) == 1 and _is_han(w)):
                    table.setdefault(lazy_pinyin(w, style=Style.TONE3, neutral_tone_with_five=True)[0], w)
                self._by_sound = table
            return self._by_sound

    def plan(self, phrases: Sequence[str]) -> GrammarPlan:
        """The Vosk grammar for ``phrases`` (plus ``[unk]``), with the phrases left out."""
        spoken: list[str] = []
        oov: list[str] = []
        respelled: dict[str, str] = {}
        for phrase in phrases:
            if phrase == UNK:
                continue
            found = self.spoken(phrase)
            if found is None:
                oov.append(phrase)
                continue
            words, heard = found
            spoken.append(words)
            plain = normalise_phrase(phrase)
            if heard != plain:
                respelled[heard] = plain
        return GrammarPlan((*dict.fromkeys(spoken), UNK), tuple(dict.fromkeys(oov)), respelled)


def normalise_phrase(phrase: str) -> str:
    """A phrase as spoken: full-width folded, digits read out, punctuation and spaces dropped."""
    text = unicodedata.normalize("NFKC", phrase)
    text = _DIGITS.sub(lambda m: _read_number(m.group()), text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _read_number(digits: str) -> str:
    """A digit run as said aloud: 1 -> 一, 80 -> 八十; long runs (codes) digit by digit."""
    if len(digits) > 4 or (len(digits) > 1 and digits.startswith("0")):
        return "".join("零一二三四五六七八九"[int(d)] for d in digits)
    import cn2an

    return str(cn2an.an2cn(digits, "low"))


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
