"""Filling the record: values validated, rule-checked and stored with their provenance and flags; a rule
warning kept pending until the person confirms the value, corrects it or says it is wrong; answers that
could not be understood or that the person does not know."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.dialogue.after_submit import AfterSubmission, under_review
from bot.dialogue.effects import after_saving
from bot.dialogue.state import Phase, RuleWarning
from bot.dialogue.validation import check_rules, constraint_problem
from bot.messages import Choice, Reply
from bot.questionnaire import Question
from bot.values import Stored, display, encode
from nlu.result import NotUnderstood, Parsed

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

YES, NO = "yes", "no"
_RIGHT_OR_NOT = (Choice("对，没错", "对"), Choice("不对", "不对"))


def warning_reply(t: Turn, warning: RuleWarning) -> Reply:
    """The question a rule warning puts: is the value right after all?"""
    q = t.q.by_key[warning.key]
    shown = display(q, warning.value, mask=True)
    return Reply(f"您说的{q.title}是：{shown}，对吗？如果不对，请直接说正确的{q.title}。",
                 _RIGHT_OR_NOT, kind="confirm", question=q.key)


def warning_replies(t: Turn, warning: RuleWarning) -> list[Reply]:
    """The rule's message, then its question."""
    return [Reply(warning.message, kind="error", question=warning.key), warning_reply(t, warning)]


class Filling:
    """Storing answers of one turn."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn

    def fill(
        self, values: dict[str, Parsed[Any]], status_of: Mapping[str, str], lead: str = "", focus: str | None = None
    ) -> list[Reply]:
        """Validate, rule-check and store several answers; then acknowledge and go on.

        ``focus`` is the question the person meant to answer (the current one, or the one named in a
        change); if its value is refused by a constraint, nothing is stored and it is asked again. A value
        a cross-field rule refuses waits in a warning for the person's 对 / 不对 / a new value (one per
        turn); values of other questions found in the same message are stored if they pass.
        """
        t = self.t
        current = focus or t.state.current
        problems: dict[str, str] = {}
        stored: dict[str, Any] = {}
        for key, parsed in values.items():
            q = t.q.by_key[key]
            problem = constraint_problem(q, parsed.value, t.now.date())
            if problem:
                problems[key] = problem
            else:
                stored[key] = encode(q, parsed.value)
        raws = self._release_held(values, stored)
        rule_notes, warnings = check_rules(t, stored)
        if current in problems:
            # The question at hand was answered but its value is refused: re-ask it, keep nothing.
            q = t.q.by_key[current]
            self.bump_attempt(current)
            if focus is not None and focus != t.state.current:
                return [Reply(problems[current], kind="error", question=current), *t.resume_prompt()]
            return [Reply(problems[current], kind="error", question=current), t.question_reply(q)]
        if under_review(t.record):
            heard = {k: min(values[k].confidence, t.heard_confidence) for k in stored}
            return AfterSubmission(t).request(stored, heard)
        saved = [key for key in stored if self._store(key, stored[key], values[key], status_of, rule_notes,
                                                      raws.get(key, t.text))]
        replies: list[Reply] = []
        if saved:
            parts = [f"{t.q.by_key[k].title}：{display(t.q.by_key[k], stored[k], mask=True)}" for k in saved]
            low = any(min(values[k].confidence, t.heard_confidence) < t.low_confidence for k in saved)
            ack = "好的，已记录：" + "；".join(parts) + "。"
            if low:
                ack += "如有不对，可以说“返回”修改。"
            replies.append(Reply(lead + ack))
        for key, problem in problems.items():
            if key != current:
                replies.append(Reply(f"{t.q.by_key[key].title}没有记录：{problem}", kind="error"))
        if warnings:
            warning = warnings[0]
            warning.raw = t.text
            t.state.warning = warning
            if t.state.phase in (Phase.REVIEW, Phase.DONE):
                t.state.phase = Phase.ASKING
                t.state.current = warning.key
            return [*replies, *warning_replies(t, warning)]
        if t.state.phase in (Phase.REVIEW, Phase.DONE):
            from bot.dialogue.control import Control

            return [*replies, *Control(t).after_change()]
        return [*replies, *t.ask_next()]

    def _release_held(self, values: dict[str, Parsed[Any]], stored: dict[str, Any]) -> dict[str, str]:
        """Answers held for questions that did not apply, for those the new values make apply: added to the
        values to store (checked like them); what each was said in."""
        t = self.t
        raws: dict[str, str] = {}
        for key, held in list(t.state.held.items()):
            q = t.q.by_key.get(key)
            if q is None or key in t.answers() or key in stored:
                t.state.held.pop(key)
                continue
            if t.relevant(q, t.env(stored)):
                values[key] = Parsed(Stored(held.value), held.confidence, (0, 0))
                stored[key] = held.value
                raws[key] = held.raw
                t.state.held.pop(key)
        return raws

    def _store(self, key: str, value: Any, parsed: Parsed[Any], status_of: Mapping[str, str],
               notes: dict[str, list[str]], raw: str) -> bool:
        t = self.t
        q = t.q.by_key[key]
        confidence = min(parsed.confidence, t.heard_confidence)
        answer_id = t.save(q, value, raw=raw, confidence=confidence,
                           status=status_of.get(key) or _status_for(t, q), blob_id=t.clip_id())
        if confidence < t.low_confidence:
            t.store.records.add_flag(t.record, key, "low_confidence", f"confidence {confidence:.2f}", answer_id)
        for note in notes.get(key, []):
            t.store.records.add_flag(t.record, key, "rule", note, answer_id)
        after_saving(t, q, value)
        self.answered(key)
        return True

    def on_warning(self, warning: RuleWarning) -> list[Reply]:
        """The reply to a rule warning: 对 keeps the value (flagged), 不对 asks again, a new value is checked."""
        t = self.t
        q = t.q.by_key[warning.key]
        t.state.warning = None
        heard = t.u.yes_no(t.text)
        # 今天天气不错: a guess is no answer to a warning
        yn = heard if isinstance(heard, Parsed) and heard.confidence >= t.low_confidence else None
        if isinstance(yn, Parsed) and yn.value == YES and not self._carries_value(q, yn):
            t.state.rule_retries[f"{warning.rule}:{warning.key}"] = warning.value
            kept = Parsed(Stored(warning.value), 1.0, (0, len(t.text)))
            t.text = warning.raw or t.text
            return self.fill({q.key: kept}, {q.key: _status_for(t, q)}, focus=q.key if q.key == t.state.current else None)
        if isinstance(yn, Parsed) and yn.value == NO and not self._carries_value(q, yn):
            t.state.revisit = t.state.current = q.key
            return [t.question_reply(q, lead=f"好的，请告诉我正确的{q.title}。")]
        parsed = t.u.parse(q, t.text, t.now)
        if isinstance(parsed, Parsed):
            return self.fill({q.key: parsed}, {q.key: _status_for(t, q)}, focus=q.key if q.key == t.state.current else None)
        t.state.warning = warning
        return [Reply(f"{warning.message}请回答“对”或“不对”，或者直接说正确的{q.title}。", kind="error",
                      question=q.key), warning_reply(t, warning)]

    def _carries_value(self, q: Question, yn: Parsed[str]) -> bool:
        """Whether 没错，就是1966年3月 says a value of the question beside its 对 (then the value counts)."""
        rest = (self.t.text[: yn.span[0]] + self.t.text[yn.span[1]:]).strip(" ，,。.！!")
        if len(rest) < 2:
            return False
        return isinstance(self.t.u.parse(q, rest, self.t.now), Parsed)

    def answered(self, key: str) -> None:
        state = self.t.state
        if key in state.history:
            state.history.remove(key)
        state.history.append(key)
        state.attempts.pop(key, None)
        if state.revisit == key:
            state.revisit = None
        if state.confirming == key:
            state.confirming = None

    def bump_attempt(self, key: str) -> int:
        attempts = self.t.state.attempts
        attempts[key] = attempts.get(key, 0) + 1
        return attempts[key]

    def not_understood(self, q: Question, why: NotUnderstood) -> list[Reply]:
        t = self.t
        tries = self.bump_attempt(q.key)
        if tries >= 2 and under_review(t.record):
            return AfterSubmission(t).unchanged()
        if tries >= 2:
            answer_id = t.save(q, None, raw=t.text, confidence=0.0, status=_status_for(t, q), blob_id=t.clip_id())
            t.store.records.add_flag(t.record, q.key, "not_understood", f"{why.reason}: {why.message}", answer_id)
            self.answered(q.key)
            return [Reply("这一项先记下您的原话，工作人员会再核实。"), *t.ask_next()]
        example = f"\n{q.help}" if q.help else ""
        return [Reply(f"{why.message}{example}", kind="error", question=q.key), t.question_reply(q)]

    def has_none(self, q: Question) -> list[Reply]:
        """没有电话: an optional question is skipped; one that may have none stores that it has none."""
        t = self.t
        if under_review(t.record):
            return AfterSubmission(t).unchanged()
        if not q.required:
            return self._skip(q, f"好的，没有{q.title}也没关系，这一项跳过。")
        t.save(q, None, raw=t.text, confidence=1.0, status="none", blob_id=t.clip_id())
        self.answered(q.key)
        return [Reply(f"好的，记下：没有{q.title}。"), *t.ask_next()]

    def _skip(self, q: Question, said: str) -> list[Reply]:
        """Leave an optional question unanswered and go on."""
        self.t.state.skipped.append(q.key)
        self.answered(q.key)
        return [Reply(said), *self.t.ask_next()]

    def unknown_answer(self, q: Question, kind: str) -> list[Reply]:
        t = self.t
        if under_review(t.record):
            return AfterSubmission(t).unchanged()
        if not q.required:
            return self._skip(q, "好的，这一项先跳过。")
        answer_id = t.save(q, None, raw=t.text, confidence=0.0, status=_status_for(t, q), blob_id=t.clip_id())
        reason = "unsure" if kind == "unsure" else "refused"
        t.store.records.add_flag(t.record, q.key, reason, "", answer_id)  # the words said stay sealed in the answer
        self.answered(q.key)
        note = "先记下“不清楚”" if kind == "unsure" else "尊重您的意愿，这一项先不填"
        return [Reply(f"好的，{note}，工作人员会再和您核实。"), *t.ask_next()]


def _status_for(t: Turn, q: Question) -> str:
    return "changed" if q.key in t.state.declined or q.key == t.state.revisit else "new"
