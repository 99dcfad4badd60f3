"""The grammar of one clause of a yes/no answer: refusal, unsure, question-back, or a polarity.

A clause is what stands between punctuation, or after a marker that opens a new one (以前, 现在, 但是,
要是). Inside a clause a negator negates the next predicate (不是, 没领, 不需要); intensifiers and
adverbs between them change nothing (绝对不是, 根本没有, 还没领); 是 carries the clause after it, so
不是没有 is not(not have) = yes and 是没有 is no; 没有 with nothing after it is itself the predicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from nlu.yesno.lexer import Atom
from nlu.yesno.lexicon import (
    AFFIRMING,
    FRAMES,
    HAVE,
    LEANING_HEDGES,
    REFUSE_MODALS,
    REFUSE_NEGATORS,
    UNIVERSAL,
    Kind,
)


class Answer(Enum):
    """What one clause says."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    REFUSE = "refuse"
    QUESTION = "question"


@dataclass(frozen=True)
class Clause:
    """The units of one clause, with the marker that opened it (PAST, NOW, CONTRAST, COND or None)."""

    atoms: tuple[Atom, ...]
    marker: Kind | None
    question_mark: bool


@dataclass(frozen=True)
class Reading:
    """How one clause reads: its answer, confidence, span and what shaped it."""

    answer: Answer
    confidence: float
    span: tuple[int, int]
    marker: Kind | None = None
    hedged: bool = False
    backchannel: bool = False


@dataclass(frozen=True)
class _Event:
    positive: bool
    start: int
    end: int
    strength: float
    acquiesce: bool = False


_NOISE = frozenset({Kind.PARTICLE, Kind.FILLER, Kind.PRON, Kind.PUNCT, Kind.QMARK, Kind.BA})
_SKIPPED = frozenset({Kind.ADV, Kind.INTENS, Kind.DEGREE, Kind.ASPECT, Kind.PARTICLE, Kind.PRON, Kind.FILLER,
                      Kind.HEDGE, Kind.PARTIAL, Kind.BA, Kind.BACKCHANNEL})
_PREDICATES = frozenset({Kind.POS, Kind.ACQUIESCE, Kind.ECHO, Kind.NEG, Kind.NEG_HAVE, Kind.KNOW, Kind.YES,
                         Kind.NO, Kind.UNSURE})
_OPENERS = frozenset({Kind.PAST, Kind.NOW, Kind.CONTRAST, Kind.COND, Kind.CONJ})
_WHY = frozenset({"为啥", "为什么", "凭啥", "凭什么", "干嘛", "干啥", "干什么", "做什么", "做啥", "啥用", "有啥用",
                  "什么", "啥"})
_LEADING = frozenset({Kind.HEDGE, Kind.PRON, Kind.FILLER, Kind.ADV, Kind.INTENS})
_DEFER = frozenset({"要", "得", "需要", "去", "你去", "得去", "要去"})
_COMPLEMENTS = frozenset({"好", "成", "完", "对"})
_TO = frozenset({"给", "跟", "和", "对", "同", "向", "与"})  # 不想跟你说, 不能给你讲
_HOW = frozenset({"咋", "怎么", "咋样", "怎样"})
_ECHO_QUESTION = frozenset({Kind.POS, Kind.ACQUIESCE, Kind.KNOW, Kind.ECHO})


def clauses(atoms: list[Atom]) -> list[Clause]:
    """Split the units at punctuation and before the words that open a clause."""
    out: list[Clause] = []
    current: list[Atom] = []
    marker: Kind | None = None

    def close(question_mark: bool) -> None:
        nonlocal current, marker
        if current:
            out.append(Clause(tuple(current), marker, question_mark))
        current, marker = [], None

    for atom in atoms:
        if atom.kind == Kind.PUNCT:
            close(False)
        elif atom.kind == Kind.QMARK:
            close(True)
        elif atom.kind in _OPENERS:
            if not all(a.kind in _LEADING for a in current):
                close(False)  # a hedge alone goes with the clause after it: 好像以前领过
            marker = None if atom.kind == Kind.CONJ else atom.kind
            current.append(atom)
        else:
            current.append(atom)
    close(False)
    return out


def _next_kind(atoms: tuple[Atom, ...], i: int) -> Kind | None:
    """The role of the next unit after i that is not an adverb, particle or filler."""
    for atom in atoms[i + 1:]:
        if atom.kind not in _SKIPPED:
            return atom.kind
    return None


_DISPOSAL = frozenset({"把", "将"})  # the 把-construction puts the information before the verb
_INFO_TOO = frozenset({"情况", "这情况"})  # information, though the lexicon files them as "this matter" words


def _refuses(atoms: tuple[Atom, ...]) -> bool:
    """A refusal to answer: 不想说, 不方便透露, 不想给您我的信息, 拒绝回答, 别问了, 问这个干啥, 保密."""
    kinds = [a.kind for a in atoms]
    if Kind.REFUSE in kinds:
        return True
    for i, atom in enumerate(atoms):
        negated = atom.kind == Kind.REFUSE_VERB or (atom.kind == Kind.NEG and atom.text in REFUSE_NEGATORS)
        if negated:
            j = i + 1
            while j < len(atoms) and (atoms[j].kind in (Kind.ADV, Kind.DEGREE, Kind.INTENS, Kind.PRON)
                                      or atoms[j].text in REFUSE_MODALS
                                      or (atoms[j].text in _TO and j + 1 < len(atoms)
                                          and atoms[j + 1].kind == Kind.PRON)):
                j += 1
            if j < len(atoms) and atoms[j].kind in (Kind.TELL, Kind.ASK):
                return True
            if j < len(atoms) and atoms[j].text in _DISPOSAL:  # 不想把我的信息给你 / 不愿将情况告诉别人
                ends = [k for k in range(j + 1, min(j + 8, len(atoms)))
                        if atoms[k].text == "给" or atoms[k].kind == Kind.TELL]
                if ends and any(a.kind == Kind.INFO or a.text in _INFO_TOO for a in atoms[j + 1:ends[0]]):
                    return True
            gives = [k for k in range(i + 2, min(j + 1, len(atoms))) if atoms[k].text == "给"]
            if gives:  # 不想给您我的信息, 不能给你们: giving information to the asker
                rest = [a for a in atoms[gives[0] + 1:] if a.kind not in (Kind.PARTICLE, Kind.ASPECT)]
                if rest and (any(a.kind == Kind.INFO for a in rest) or all(a.kind == Kind.PRON for a in rest)):
                    return True
        if atom.kind == Kind.ASK:
            after = atoms[i + 1:i + 4]
            before = atoms[max(0, i - 2):i]
            if any(a.kind == Kind.WH and a.text in _WHY for a in (*after, *before)):
                return True
    return False


def _unsure(atoms: tuple[Atom, ...]) -> bool:
    """不知道, 记不清, 不太清楚, 不是很清楚: an unsure word, or a negated verb of knowing."""
    negated = False
    for i, atom in enumerate(atoms):
        if atom.kind == Kind.UNSURE:
            return True
        if atom.kind == Kind.ASK and i and atoms[i - 1].text in _DEFER:
            return True  # 这个要问村上, 得问我儿子: someone else knows
        if atom.kind == Kind.NEG:
            negated = True
        elif atom.kind == Kind.KNOW and negated:
            return True
        elif atom.kind not in _SKIPPED and not (atom.kind == Kind.POS and atom.text in FRAMES):
            negated = False
    return False


def _asks_back(atoms: tuple[Atom, ...], question_mark: bool) -> bool:
    """是不是, 有没有啊, 有吗, 啥意思, 你说呢, a clause ending in ?: a question, not an answer."""
    meaningful = [a for a in atoms if a.kind not in _NOISE]
    for i, atom in enumerate(atoms):
        if atom.kind == Kind.QWORD:
            return True
        if atom.text in _HOW and not (i and atoms[i - 1].kind == Kind.NEG):
            return True  # 咋? 怎么 (but 不怎么领 is a degree)
        if atom.kind == Kind.WH:
            after = [a.text for a in atoms[i + 1:i + 3]]
            if not any(w in UNIVERSAL for w in after):
                return True
        if (atom.kind in _ECHO_QUESTION and i + 2 < len(atoms) and atoms[i + 1].text in ("不", "没")
                and atoms[i + 2].text == atom.text and not (i and atoms[i - 1].kind == Kind.NEG)):
            return True
    if meaningful and meaningful[-1].kind == Kind.QPART:
        return True
    return question_mark and not (atoms and atoms[-1].kind == Kind.BA)


def _events(atoms: tuple[Atom, ...]) -> tuple[list[_Event], dict[str, bool], int]:
    """The predicates of a clause with their polarity, the flags that shape the confidence, and the
    number of characters of words the grammar does not know (content)."""
    events: list[_Event] = []
    flags = {"double": False, "partial": False, "degree": False, "concession": False, "hedged": False,
             "object": False, "echo": False}
    content = 0
    neg = 0
    flip = False
    partial_next = False
    last_neg_text = ""
    skip_until = -1

    def emit(positive: bool, atom: Atom, strength: float = 1.0, acquiesce: bool = False) -> None:
        nonlocal neg, flip, partial_next
        count = neg + int(flip) + int(not positive)
        value = positive ^ bool(neg % 2) ^ flip
        if count >= 2 and value:
            flags["double"] = True  # 不是没有, 没有不同意
        if partial_next:
            flags["partial"] = True
        events.append(_Event(value, atom.start, atom.end, strength, acquiesce))
        neg, flip, partial_next = 0, False, False

    for i, atom in enumerate(atoms):
        if i <= skip_until:
            continue
        kind = atom.kind
        if kind == Kind.NEG:
            if atom.text != last_neg_text or (i and atoms[i - 1].kind != Kind.NEG):
                neg += 1
            last_neg_text = atom.text
            continue
        last_neg_text = ""
        if kind == Kind.NEG_HAVE:
            if _next_kind(atoms, i) in _PREDICATES:
                neg += 1
            else:
                emit(False, atom)
        elif kind in (Kind.POS, Kind.ACQUIESCE):
            nxt = atoms[i + 1] if i + 1 < len(atoms) else None
            if atom.text in _COMPLEMENTS and i and atoms[i - 1].kind in (Kind.ECHO, Kind.OTHER, Kind.POS):
                continue  # 修好了, 办成了: a result of the verb, not an answer
            if atom.text in FRAMES and _next_kind(atoms, i) in _PREDICATES:
                flip ^= bool(neg % 2)
                neg = 0
                continue
            if (nxt is not None and nxt.text == "是" and i + 2 < len(atoms) and atoms[i + 2].text == atom.text
                    and atom.text not in FRAMES):
                flags["concession"] = True  # 有是有, 好是好
                skip_until = i + 2
            if atom.text in HAVE and nxt is not None and nxt.kind == Kind.PARTIAL:
                if _next_kind(atoms, i + 1) in _PREDICATES:
                    partial_next = True  # 有点不清楚, 有些需要: a degree, not an answer
                    skip_until = i + 1
                    continue
                flags["partial"] = True
            emit(True, atom, acquiesce=kind == Kind.ACQUIESCE)
        elif kind == Kind.ECHO:
            nxt_kind = atoms[i + 1].kind if i + 1 < len(atoms) else None
            if neg or nxt_kind == Kind.ASPECT or len(atom.text) > 1:
                flags["echo"] = True
                emit(True, atom, 0.9)
            else:
                content += len(atom.text)
        elif kind == Kind.YES:
            emit(True, atom, acquiesce=True)
        elif kind in (Kind.NO, Kind.REFUSE_VERB):
            emit(False, atom, acquiesce=True)
        elif kind == Kind.KNOW:
            if _next_kind(atoms, i) in _PREDICATES:
                flags["hedged"] |= atom.text == "记得"
            else:
                emit(True, atom, 0.85)
        elif kind == Kind.DEGREE:
            if neg:
                flags["degree"] = True
        elif kind == Kind.HEDGE:
            flags["hedged"] = True
        elif kind == Kind.OBJECT:
            flags["object"] = True
            if neg:  # 没房子, 没低保: the negator is the predicate
                neg -= 1
                emit(False, atom, 0.95)
        elif kind in (Kind.OTHER, Kind.INFO, Kind.TELL, Kind.ASK, Kind.WH):
            if neg:  # 没听说过, 还没成立: a verb of the question the grammar does not know
                neg -= 1
                emit(False, atom, 0.85)
            if kind != Kind.TELL:
                content += len(atom.text)
    if neg:
        last = next(a for a in reversed(atoms) if a.kind in (Kind.NEG, Kind.NEG_HAVE))
        neg -= 1
        emit(False, last)  # the negator is the predicate: 不, 没, 压根没; 不是不, 没有不 = yes
    return events, flags, content


def read(clause: Clause) -> Reading | None:
    """The reading of one clause, or None when it says nothing about yes or no."""
    atoms = clause.atoms
    meaningful = [a for a in atoms if a.kind not in _NOISE and a.kind not in _OPENERS]
    if not meaningful:  # 啊？ 嗯？: a sound asking back
        return Reading(Answer.QUESTION, 1.0, (atoms[0].start, atoms[-1].end)) if clause.question_mark else None
    span = (meaningful[0].start, meaningful[-1].end)
    if _refuses(atoms):
        return Reading(Answer.REFUSE, 0.95, span, clause.marker)
    if _unsure(atoms):
        return Reading(Answer.UNSURE, 0.9, span, clause.marker)
    if _asks_back(atoms, clause.question_mark):
        return Reading(Answer.QUESTION, 1.0, span, clause.marker)
    events, flags, content = _events(atoms)
    ends_in_ba = any(a.kind == Kind.BA for a in atoms[-2:])
    if not events:
        kinds = {a.kind for a in meaningful}
        if kinds <= {Kind.BACKCHANNEL}:
            weak = all(a.text in ("哦", "哦哦", "噢噢", "唔") for a in meaningful)
            return Reading(Answer.YES, 0.55 if weak else 1.0, span, clause.marker, backchannel=True)
        hedges = [a for a in meaningful if a.kind == Kind.HEDGE]
        if hedges and kinds <= {Kind.HEDGE, Kind.INTENS, Kind.ADV, Kind.BACKCHANNEL}:
            if any(h.text in LEANING_HEDGES for h in hedges):
                return Reading(Answer.YES, 0.7, span, clause.marker, hedged=True)
            return Reading(Answer.UNSURE, 0.85, span, clause.marker)
        if any(a.text in AFFIRMING for a in meaningful) and content == 0:
            return Reading(Answer.YES, 1.0, span, clause.marker)
        return None
    first = events[0]
    said = [a for a in meaningful if a.kind != Kind.BACKCHANNEL] or meaningful
    span = (min(said[0].start, first.start), max(e.end for e in events))
    confidence = min(e.strength for e in events)
    if flags["object"]:
        confidence = min(confidence, 0.95)
    if flags["degree"]:
        confidence = min(confidence, 0.85)
    if flags["partial"] or flags["double"]:
        confidence = min(confidence, 0.8)
    if flags["concession"]:
        confidence = min(confidence, 0.75)
    if content:
        if content > 10 and not any(e.start <= meaningful[min(2, len(meaningful) - 1)].start for e in events):
            return None
        lexical = all(e.acquiesce for e in events)  # 今天天气不错: a word that answers, about something else
        confidence = min(confidence, 0.85 if content <= 4 and not lexical else 0.55)
    if len({e.positive for e in events}) > 1:
        confidence = min(confidence, 0.55)
    hedged = flags["hedged"] or (ends_in_ba and not events[-1].acquiesce)
    if hedged:
        confidence = min(confidence, 0.7)
    if clause.marker == Kind.COND:
        confidence = min(confidence, 0.55)
    answer = Answer.YES if first.positive else Answer.NO
    return Reading(answer, confidence, span, clause.marker, hedged=hedged)
