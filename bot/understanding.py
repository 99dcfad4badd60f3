"""The bridge from questions to nlu: which parser reads which question type, and multi-answer extraction."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.questionnaire import QType, Question, Questionnaire
from nlu.choice import find_options, match_multi, match_single
from nlu.dates import find_dates, parse_date
from nlu.ethnicity import parse_ethnicity
from nlu.idcard import parse_id_number
from nlu.intents import Intent, detect_intent
from nlu.looks import LOOKS, looks_like
from nlu.numbers import parse_number, read_digits
from nlu.person import find_gender, find_name, parse_gender, parse_name
from nlu.phone import parse_phone
from nlu.regions import RegionIndex
from nlu.result import NotUnderstood, Parsed
from nlu.tokenizer import Tokenizer
from nlu.unchanged import parse_unchanged
from nlu.yesno import parse_yes_no

Result = Parsed[Any] | NotUnderstood

_ID_LIKE = re.compile(r"[0-9０-９]{17}[0-9xX０-９ｘＸ叉]")
_MOBILE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_CLAUSES = re.compile(r"[，,。；;！!？?\s]+")
_SEPARATED = re.compile(r"^[\s，,。.；;、!！?？]*$")


def make_tokenizer(questionnaires: Iterable[Questionnaire]) -> Tokenizer:
    """A tokenizer whose user dictionary holds the words of the questionnaires."""
    words: list[str] = []
    for q in questionnaires:
        words.extend(q.vocabulary())
    return Tokenizer(words)


class Understanding:
    """Reads answers for questions; built once at start-up and shared by all conversations."""

    def __init__(
        self,
        questionnaires: Iterable[Questionnaire],
        regions: RegionIndex | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.tokenizer = tokenizer or make_tokenizer(questionnaires)
        self.regions = regions

    def parse(self, q: Question, text: str, now: datetime) -> Result:
        """Read ``text`` as the answer to question ``q``."""
        text = text.strip()
        if not text:
            return NotUnderstood("empty", "没有收到内容，请再说一遍。")
        t = q.type
        if t == QType.SINGLE:
            if _is_gender(q):
                return _gender(text, q)
            return match_single(text, q.nlu_options, self.tokenizer)
        if t == QType.MULTI:
            return match_multi(text, q.nlu_options, self.tokenizer, topic=(q.title, *q.aliases))
        if t == QType.YES_NO:
            return parse_yes_no(text)
        if t == QType.DATE:
            return parse_date(text, now, future=q.dates_ahead)
        if t == QType.NUMBER:
            return parse_number(text, expected_unit=q.unit, tokenizer=self.tokenizer)
        if t == QType.ID_NUMBER:
            return parse_id_number(text, now.date())
        if t == QType.PHONE:
            return parse_phone(text)
        if t == QType.ETHNICITY:
            return parse_ethnicity(text)
        if t == QType.REGION:
            return self._region(text)
        if q.asks_a_name:
            return parse_name(text)
        if t == QType.TEXT and q.constraints.pattern:
            return _patterned(text, q.constraints.pattern)
        if t == QType.PHOTO:
            return NotUnderstood("photo_expected", "这一项需要一张照片，请直接发送照片。")
        return Parsed(text, 1.0, (0, len(text)))

    def _region(self, text: str) -> Result:
        if self.regions is None:
            return Parsed(text, 0.8, (0, len(text)), {"unresolved": True})
        return self.regions.resolve(text)

    def resolve_village(self, text: str) -> Result:
        """Find a village or community in the region tree."""
        if self.regions is None:
            return NotUnderstood("no_regions", "系统还没有导入行政区划，请联系管理员。")
        return self.regions.resolve(text)

    def village_candidates(self, text: str) -> list[str]:
        """Possible villages for an ambiguous name."""
        return self.regions.candidates(text) if self.regions is not None else []

    def intent(self, text: str, questionnaire: Questionnaire) -> Parsed[Intent] | None:
        """A control phrase (back, skip, change…, why, help, human, pause…), if the text is one."""
        targets: dict[str, Sequence[str]] = {
            q.key: (q.title, *q.aliases) for q in questionnaire.questions
        }
        return detect_intent(text, targets)

    def yes_no(self, text: str) -> Result:
        """Read a yes/no/unsure/refuse answer (confirmations, the notice)."""
        return parse_yes_no(text)

    def unchanged(self, text: str) -> Result:
        """Read a reply to “上次登记的…，现在还是这样吗？”: ``yes`` still so, ``no`` changed."""
        return parse_unchanged(text)

    def looks_like_answer(self, q: Question, text: str, now: datetime) -> bool:
        """Whether ``text`` may be a value of ``q``'s type (男 is no name, 嗯嗯 no address)."""
        kind = "name" if q.asks_a_name else "gender" if q.type == QType.SINGLE and _is_gender(q) else str(q.type)
        return looks_like(kind, text, now=now, options=q.nlu_options, unit=q.unit) >= LOOKS

    def extract(
        self, questions: Sequence[Question], text: str, now: datetime, current: str | None,
        taken: Sequence[tuple[int, int]] = (),
    ) -> dict[str, Parsed[Any]]:
        """Values for several open questions found in one message ("我叫张三，男，汉族，1965年3月出生").

        Only clear mentions count: a name after 我叫/姓名, a gender or an option standing
        on its own, an ethnicity ending in 族, a date next to one of a question's cues, an
        18-character ID number or an 11-digit mobile number. Each piece of text is used once.
        """
        found: dict[str, Parsed[Any]] = {}
        used: list[tuple[int, int]] = list(taken)  # the answer to the question asked is not used again

        def take(key: str, parsed: Parsed[Any]) -> None:
            if key in found or any(_overlap(parsed.span, u) for u in used):
                return
            found[key] = parsed
            used.append(parsed.span)

        date_questions = [q for q in questions if q.type == QType.DATE]
        dates = find_dates(text, now) if any(not q.dates_ahead for q in date_questions) else []
        dates_ahead = find_dates(text, now, future=True) if any(q.dates_ahead for q in date_questions) else []
        ordered = sorted(questions, key=lambda q: q.key != current)
        for q in ordered:
            t = q.type
            if q.asks_a_name:
                hit = find_name(text)
                if hit is not None:
                    take(q.key, hit)
            elif t == QType.SINGLE and _is_gender(q):
                g = find_gender(text)
                if g is not None:
                    code = _gender_code(q, g.value)
                    if code:
                        take(q.key, Parsed(code, g.confidence, g.span))
            elif t == QType.SINGLE:
                hits = [
                    h for h in find_options(text, q.nlu_options, self.tokenizer)
                    if _standalone(text, h) and not h.extra.get("fuzzy") and not h.extra.get("negated")
                ]
                codes = {h.value for h in hits}
                if len(codes) == 1:
                    take(q.key, hits[0])
            elif t == QType.ETHNICITY:
                e = parse_ethnicity(text)
                if isinstance(e, Parsed) and text[e.span[0]:e.span[1]].endswith(("族", "民", "族人")):
                    take(q.key, e)
            elif t == QType.DATE:
                for d in dates_ahead if q.dates_ahead else dates:
                    if _near_cue(text, d.span, q.cues):
                        take(q.key, d)
                        break
            elif t == QType.ID_NUMBER:
                m = _ID_LIKE.search(text)
                if m:
                    r = parse_id_number(m.group(0), now.date())
                    if isinstance(r, Parsed):
                        take(q.key, Parsed(r.value, r.confidence, m.span()))
            elif t == QType.NUMBER and q.unit:
                n = parse_number(text, expected_unit=q.unit, tokenizer=self.tokenizer)
                if isinstance(n, Parsed) and n.value.unit == q.unit:
                    # 1420人 when two open questions count persons: only a cue word tells which one it is
                    shared = any(o.key != q.key and o.type == QType.NUMBER and o.unit == q.unit for o in questions)
                    if not shared or _near_cue(text, n.span, q.cues):
                        take(q.key, n)
            elif t == QType.YES_NO:
                hit = _named_yes_no(text, (q.title, *q.aliases))
                if hit is not None:
                    take(q.key, hit)
            elif t == QType.PHONE:
                m = _MOBILE_LIKE.search(text)
                if m:
                    take(q.key, Parsed(m.group(0), 0.95, m.span()))
                else:
                    p = parse_phone(text)  # spoken digits: 幺三九…
                    if isinstance(p, Parsed) and p.extra.get("kind") == "mobile" and p.confidence >= 0.9:
                        take(q.key, p)
        return found


def _patterned(text: str, pattern: str) -> Result:
    """A code-like text answer (certificate number…): tidied, or read as spoken digits, to fit its pattern."""
    tidy = unicodedata.normalize("NFKC", text).replace(" ", "").replace("-", "").upper()
    if re.fullmatch(pattern, tidy):
        return Parsed(tidy, 1.0, (0, len(text)))
    spoken = read_digits(text)
    if isinstance(spoken, Parsed) and re.fullmatch(pattern, spoken.value.upper()):
        return Parsed(spoken.value.upper(), spoken.confidence, spoken.span)
    return Parsed(text, 1.0, (0, len(text)))  # the constraint check explains what is wrong


def _named_yes_no(text: str, names: Sequence[str]) -> Parsed[Any] | None:
    """A yes/no said about a question named in the message: “低保没有” answers the 低保 question."""
    start = 0
    for clause in _CLAUSES.split(text):
        here = text.index(clause, start) if clause else start
        start = here + len(clause)
        name = next((n for n in sorted(names, key=len, reverse=True) if len(n) >= 2 and n in clause), None)
        if name is None:
            continue
        rest = clause.replace(name, "", 1).strip()  # what is said about it: 有 / 没有 / 享受了 / 没吃
        if 0 < len(rest) <= 4:
            yn = parse_yes_no(rest)
            if isinstance(yn, Parsed) and yn.value in ("yes", "no") and yn.confidence >= 0.85:
                return Parsed(yn.value, yn.confidence, (here, here + len(clause)))
    return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _standalone(text: str, hit: Parsed[Any]) -> bool:
    """A one-character match counts only between separators ("男" in "男，汉族", not in "男孩")."""
    start, end = hit.span
    if end - start >= 2:
        return True
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(_SEPARATED.match(before)) and bool(_SEPARATED.match(after))


def _near_cue(text: str, span: tuple[int, int], cues: Sequence[str], reach: int = 6) -> bool:
    """True when one of the cues stands within ``reach`` characters of the span."""
    if not cues:
        return False
    window = text[max(0, span[0] - reach):span[0]] + "|" + text[span[1]:span[1] + reach]
    return any(c in window for c in cues)


def _is_gender(q: Question) -> bool:
    labels = {o.label for o in q.options}
    return labels == {"男", "女"}


def _gender_code(q: Question, gender: str) -> str | None:
    return next((o.code for o in q.options if o.label == gender), None)


def _gender(text: str, q: Question) -> Result:
    g = parse_gender(text)
    if isinstance(g, NotUnderstood):
        return g
    code = _gender_code(q, g.value)
    if code is None:
        return NotUnderstood("no_match", "请回答“男”或“女”。")
    return Parsed(code, g.confidence, g.span)


def option_lookup(q: Question) -> Mapping[str, str]:
    """Option label -> code, for tapped choices."""
    return {o.label: o.code for o in q.options}
