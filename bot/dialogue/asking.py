"""Asking: which question comes next, how it is put (or a known value offered for 是/不是), and how the
reply to it is heard (spoken answers read back, photos, known values confirmed, answers read)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.dialogue.after_submit import AfterSubmission, under_review
from bot.dialogue.identify import VILLAGE_PROMPT, VILLAGE_STAFF_ONLY, Identification, village_allowed
from bot.dialogue.state import HeldAnswer, Phase, Readback
from bot.messages import Choice, Reply
from bot.questionnaire import CHOICE_TYPES, QType, Question
from bot.values import Stored, display, encode
from nlu.dates import find_dates
from nlu.intents import Intent
from nlu.nothave import parse_not_have
from nlu.result import NotUnderstood, Parsed

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

YES, NO = "yes", "no"
_YES_NO = (Choice("是", "是"), Choice("不是", "不是"))
_MAY_BE_MISSING = frozenset({QType.PHONE, QType.PHOTO, QType.TEXT, QType.ID_NUMBER})  # things a person may not have
_SURE_NONE = 0.8


class Asking:
    """The asking phase of one turn."""

    def __init__(self, turn: Turn) -> None:
        self.t = turn

    # -- what comes next ------------------------------------------------------------------

    def next_question(self) -> Question | None:
        t = self.t
        if t.state.revisit:
            return t.q.by_key[t.state.revisit]
        answered = t.answers()
        skipped = set(t.state.skipped)
        env = t.env()
        for q in t.q.questions:
            if q.key in answered or q.key in skipped:
                continue
            if t.relevant(q, env):
                return q
        return None

    def ask_next(self) -> list[Reply]:
        t = self.t
        q = self.next_question()
        if q is None:
            t.state.phase = Phase.REVIEW
            t.state.current = None
            return [t.summary()]
        t.state.current = q.key
        return [self.question_reply(q)]

    def open_questions(self, exclude: str, assuming: Mapping[str, Any] | None = None) -> list[Question]:
        """Questions still to be answered that apply now, or would with the ``assuming`` values (stored forms):
        answers to them said in the same message are kept."""
        t = self.t
        answered = t.answers()
        skipped = set(t.state.skipped)
        env = t.env(assuming)
        return [
            q for q in t.q.questions
            if q.key not in answered and q.key not in skipped and q.key != exclude and not q.identifies
            and t.relevant(q, env)
        ]

    # -- known values ---------------------------------------------------------------------

    def prefill(self, q: Question) -> Any:
        """The value known from the roster or last year, in stored form, unless declined or revisited."""
        if q.key in self.t.state.declined or self.t.state.revisit == q.key:
            return None
        return self._prefills().get(q.key)

    def _prefills(self) -> dict[str, Any]:
        """Known values of the subject: last year's submitted answers, overridden by this campaign's roster."""
        t = self.t
        if t._prefill_values is None and t.state.prefills is not None:
            t._prefill_values = t.state.prefills
        if t._prefill_values is None:
            values: dict[str, Any] = {}
            record = t.record
            if record.person_id is not None:
                campaign = t.campaign()
                values.update(t.store.records.previous_values(record.person_id, t.q.name, campaign.year))
                roster = t.store.campaigns.roster_entry(campaign.id or 0, record.person_id)
                raw_values = t.store.campaigns.roster_prefill(roster) if roster else {}
                for q in t.q.questions:
                    raw = raw_values.get(q.prefill or q.key)
                    if raw and not q.identifies:
                        parsed = t.u.parse(q, str(raw), t.now)
                        if isinstance(parsed, Parsed):
                            values[q.key] = encode(q, parsed.value)
            t._prefill_values = t.state.prefills = values
        return t._prefill_values

    # -- putting the question -------------------------------------------------------------

    def progress(self, q: Question) -> str:
        """Where the question stands among those that apply now: 第5题/共26题 (the ID number is not counted)."""
        t = self.t
        env = t.env()
        applying = [x.key for x in t.q.questions if not x.identifies and t.relevant(x, env)]
        if q.key not in applying:
            return ""
        return f"第{applying.index(q.key) + 1}题/共{len(applying)}题\n"

    def question_reply(self, q: Question, lead: str = "") -> Reply:
        t = self.t
        prefill = self.prefill(q) if q.type != QType.PHOTO else None
        where = self.progress(q)
        if prefill is not None:
            t.state.confirming = q.key
            text = f"{lead}{where}上次登记的{q.title}是：{display(q, prefill, mask=True)}，现在还是这样吗？"
            return Reply(text, _YES_NO, kind="confirm", question=q.key)
        t.state.confirming = None
        choices: list[Choice] = []
        hint = ""
        if q.type in CHOICE_TYPES:
            choices = [Choice(o.label, o.label) for o in q.options]
            if q.type == QType.MULTI:
                hint = "（可多选，用逗号隔开）"
        elif q.type == QType.YES_NO:
            choices = [Choice("是", "是"), Choice("否", "否")]
        if not q.required:
            choices.append(Choice("跳过", "跳过"))
        return Reply(
            f"{lead}{where}{q.prompt}{hint}", tuple(choices), kind="question", question=q.key,
            expects="photo" if q.type == QType.PHOTO else "text", multiple=q.type == QType.MULTI,
        )

    def reprompt(self) -> list[Reply]:
        t = self.t
        if t.state.phase == Phase.ASKING and t.state.current:
            if t.state.warning is not None:
                from bot.dialogue.filling import warning_reply

                return [warning_reply(t, t.state.warning)]
            return [self.question_reply(t.q.by_key[t.state.current])]
        if t.state.phase == Phase.NOTICE:
            from bot.dialogue.opening import Opening

            return Opening(t).notice()
        return []

    def where_we_are(self) -> list[Reply]:
        """Repeat the pending prompt of the conversation without consuming any input."""
        t = self.t
        phase = t.state.phase
        if t.q.subject.kind == "village" and phase != Phase.NOTICE and not village_allowed(t, t.record_region()):
            return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
        if phase == Phase.PAUSED:
            return [Reply("您已暂停填写。发送“继续”接着填写。", (Choice("继续", "继续"),))]
        if phase == Phase.IDENTIFY and t.q.identifier is not None:
            return [Reply(t.q.identifier.prompt, kind="question", question=t.q.identifier.key)]
        if phase == Phase.FACTOR:
            return [Identification(t).prompt()]
        if phase == Phase.VILLAGE:
            return [Reply(VILLAGE_PROMPT, kind="question")]
        if phase == Phase.RESTART_CONFIRM:
            from bot.dialogue.control import RESTART_QUESTION

            return [RESTART_QUESTION]
        if phase in (Phase.REVIEW, Phase.DONE):
            return [t.summary()]
        if phase == Phase.ASKING:
            return self.reprompt() or self.ask_next()
        from bot.dialogue.opening import Opening

        return Opening(t).notice()

    # -- hearing the reply ----------------------------------------------------------------

    def on_asking(self, intent: Intent | None) -> list[Reply]:
        t = self.t
        current = t.state.current
        if not current:
            return self.ask_next()
        q = t.q.by_key[current]
        if intent is not None:
            from bot.dialogue.control import Control

            handled = Control(t).control(intent, q)
            if handled is not None:
                return handled
        if t.msg.image is not None:
            return self.on_photo(q)
        if t.state.warning is not None:
            from bot.dialogue.filling import Filling

            return Filling(t).on_warning(t.state.warning)
        readback, t.state.readback = t.state.readback, None
        if readback is not None and readback.key == q.key:
            return self.on_readback(q, readback)
        if t.state.confirming == q.key:
            return self.on_confirm_prefill(q)
        if t.msg.audio is not None and not t.msg.verified and self.needs_readback(q):
            t.state.readback = Readback(key=q.key, text=t.text, confidence=t.heard_confidence, blob_id=t.clip_id())
            return [Reply(f"您说的是“{t.text}”，对吗？", (Choice("对", "对"), Choice("不对", "不对")),
                          kind="confirm", question=q.key)]
        return self.on_answer(q, status="changed" if q.key in t.state.declined else None)

    def needs_readback(self, q: Question) -> bool:
        """Spoken answers heard with low confidence, and every spoken yes/no, are read back first.

        A yes/no grammar matches unrelated speech with high confidence, so a spoken 是/没有 is
        never taken without the person confirming it.
        """
        return self.t.heard_confidence < self.t.low_confidence or q.type == QType.YES_NO

    def on_readback(self, q: Question, readback: Readback) -> list[Reply]:
        t = self.t
        yn = t.u.yes_no(t.text)
        if isinstance(yn, Parsed) and yn.value == YES:
            # confirmed by the person: take what was heard, as heard, with the clip as evidence
            t.text = readback.text
            t.heard_confidence = max(readback.confidence, t.low_confidence)
            t.audio_blob_id = readback.blob_id
            return self.on_answer(q)
        if isinstance(yn, Parsed) and yn.value == NO:
            return [Reply("好的，请再说一遍，或者直接打字回答。"), self.question_reply(q)]
        return self.on_answer(q)  # a new answer instead of 对/不对

    def on_photo(self, q: Question) -> list[Reply]:
        t = self.t
        if q.type != QType.PHOTO:
            return [Reply("这一项不需要照片，请用文字回答。", kind="error"), self.question_reply(q)]
        blob = t.store.blobs.put("photo", t.msg.image_type or "image/jpeg", t.msg.image or b"")
        if under_review(t.record):
            return AfterSubmission(t).request({q.key: {"blob_id": blob.id}}, {q.key: 1.0})
        t.save(q, {"blob_id": blob.id}, raw=None, confidence=1.0, status=self.status_for(q), blob_id=blob.id)
        t.answered(q.key)
        return [Reply("照片已收到。"), *self.ask_next()]

    def on_confirm_prefill(self, q: Question) -> list[Reply]:
        """A reply to “上次登记的…是：X，现在还是这样吗？”: still so (没变 included), changed (with the new value
        or without), or a new value; a reply that is none of these (男 to the name) is never stored as it."""
        t = self.t
        verdict = t.u.unchanged(t.text)
        prefill = self.prefill(q)
        if isinstance(verdict, Parsed) and verdict.value == YES and prefill is not None:
            confirmed = Parsed(Stored(prefill), verdict.confidence, verdict.span)
            return t.fill({q.key: confirmed}, status_of={q.key: "confirmed"})
        if isinstance(verdict, Parsed) and verdict.value == NO:
            t.state.declined.append(q.key)
            t.state.confirming = None
            rest = str(verdict.extra.get("rest") or "")
            if rest and t.u.looks_like_answer(q, rest, t.now):
                t.text = rest  # 换了，现在是139…: the new value said with the no
                return self.on_answer(q, status="changed")
            return [self.question_reply(q, lead=f"好的，请告诉我现在的{q.title}。")]
        unsure = isinstance(verdict, Parsed) and verdict.value in ("unsure", "refuse")
        if not unsure and not t.u.looks_like_answer(q, t.text, t.now):
            shown = display(q, prefill, mask=True) if prefill is not None else ""
            return [Reply(f"没听明白。{q.title}还是“{shown}”吗？请回答“对”或“不对”，或者直接说现在的{q.title}。",
                          (Choice("对", "对"), Choice("不对", "不对")), kind="confirm", question=q.key)]
        return self.on_answer(q, status="changed", prefill=prefill)

    def status_for(self, q: Question) -> str:
        state = self.t.state
        return "changed" if q.key in state.declined or q.key == state.revisit else "new"

    def on_answer(self, q: Question, status: str | None = None, prefill: Any = None) -> list[Reply]:
        t = self.t
        text = t.text
        if (q.none_ok or not q.required) and q.type in _MAY_BE_MISSING:
            missing = parse_not_have(text, things=(q.title, *q.aliases))
            if isinstance(missing, Parsed) and missing.confidence >= _SURE_NONE:
                from bot.dialogue.filling import Filling

                return Filling(t).has_none(q)
        # "不清楚" / "不想说" to a question that is not yes/no
        if q.type != QType.YES_NO and len(text) <= 10:
            yn = t.u.yes_no(text)
            if isinstance(yn, Parsed) and yn.value in ("unsure", "refuse"):
                from bot.dialogue.filling import Filling

                return Filling(t).unknown_answer(q, yn.value)
        parsed = t.u.parse(q, text, t.now)
        if q.type == QType.YES_NO:
            parsed, extra = self._gate(q, parsed)
        else:
            assuming = {q.key: encode(q, parsed.value)} if isinstance(parsed, Parsed) else None
            open_questions = self.open_questions(exclude=q.key, assuming=assuming)
            # the words that answer the question asked answer nothing else (1420人 is the population, not also
            # another count; 转业军官 is the category); a multiple choice's span is wide, and a date is checked
            # against the other questions' cue words instead
            tight = q.type not in (QType.DATE, QType.MULTI)
            taken = [parsed.span] if isinstance(parsed, Parsed) and tight else []
            extra = t.u.extract(open_questions, text, t.now, current=None, taken=taken) if open_questions else {}
        self._hold(q, parsed, extra)
        if isinstance(parsed, Parsed) and q.type == QType.DATE and self.meant_for_other(q, parsed, extra):
            # "我是八三年当的兵" asked for the birth date: the date belongs to the enlistment question
            return t.fill(dict(extra), status_of={})
        if isinstance(parsed, Parsed) and q.type == QType.DATE and parsed.extra.get("others"):
            parsed = self._own_date(q, parsed, extra)
        if isinstance(parsed, NotUnderstood):
            if extra:
                return t.fill(dict(extra), status_of={})
            from bot.dialogue.filling import Filling

            return Filling(t).not_understood(q, parsed)
        values: dict[str, Parsed[Any]] = {q.key: parsed, **{k: v for k, v in extra.items() if k != q.key}}
        st = status or self.status_for(q)
        if prefill is not None and encode(q, parsed.value) == prefill:
            st = "confirmed"
        return t.fill(values, status_of={q.key: st})

    def _hold(self, q: Question, parsed: Parsed[Any] | NotUnderstood, extra: Mapping[str, Parsed[Any]]) -> None:
        """Answers in the message for questions that do not apply yet are kept until they do."""
        t = self.t
        answered = t.answers()
        open_now = {x.key for x in self.open_questions(exclude=q.key)} | set(extra)
        later = [x for x in t.q.questions
                 if x.key not in answered and x.key not in open_now and x.key != q.key and not x.identifies
                 and x.key not in t.state.skipped]
        if not later:
            return
        taken = [p.span for p in extra.values()]
        if isinstance(parsed, Parsed) and q.type != QType.DATE:
            taken.append(parsed.span)
        for key, found in t.u.extract(later, t.text, t.now, current=None, taken=taken).items():
            held_q = t.q.by_key[key]
            t.state.held[key] = HeldAnswer(value=encode(held_q, found.value),
                                           confidence=min(found.confidence, t.heard_confidence), raw=t.text)

    def _gate(self, q: Question, parsed: Parsed[Any] | NotUnderstood) -> tuple[Parsed[Any] | NotUnderstood,
                                                                             dict[str, Parsed[Any]]]:
        """A yes/no question that opens others (有固定住房吗 → type, area): answers to those said with the yes
        are kept (有，农村自己盖的房子，一百二十平), and without a yes/no they are the yes (住的是自己的房子，七十来平).
        Answers to the opened questions never stand beside a no."""
        t = self.t
        now_open = {o.key for o in self.open_questions(exclude=q.key)}
        extra = t.u.extract(self.open_questions(exclude=q.key, assuming={q.key: YES}), t.text, t.now, current=None,
                            taken=[parsed.span] if isinstance(parsed, Parsed) and parsed.value == YES else [])
        opened = {k: v for k, v in extra.items() if k not in now_open}
        if isinstance(parsed, Parsed) and parsed.value == NO:
            return parsed, {k: v for k, v in extra.items() if k in now_open}
        if isinstance(parsed, Parsed) and parsed.value != YES:
            return parsed, {}
        if isinstance(parsed, Parsed) and not opened:
            # 有，在家种地: what follows the yes answers the first question it opens
            rest = (t.text[: parsed.span[0]] + t.text[parsed.span[1]:]).strip(" ，,。.！!、；;")
            first = next((o for o in self.open_questions(exclude=q.key, assuming={q.key: YES})
                          if o.key not in now_open), None)
            if first is not None and len(rest) >= 2:
                reading = t.u.parse(first, rest, t.now)
                if isinstance(reading, Parsed) and reading.confidence >= t.low_confidence:
                    extra[first.key] = reading
        if not isinstance(parsed, Parsed) and opened:
            confidence = min(0.85, *(v.confidence for v in opened.values()))
            parsed = Parsed(YES, confidence, (0, 0), {"implied_by": sorted(opened)})
        return parsed, extra

    def _own_date(self, q: Question, parsed: Parsed[Any], extra: Mapping[str, Parsed[Any]]) -> Parsed[Any]:
        """Of several dates in one answer (八五年当的兵，八九年退的), the one left when the others are taken by
        other questions' cue words is this question's, as sure as it was said; else the first, as a guess."""
        taken = [p.span for k, p in extra.items() if self.t.q.by_key[k].type == QType.DATE]
        left = [d for d in find_dates(self.t.text, self.t.now, future=q.dates_ahead)
                if not any(d.span[0] < e and s < d.span[1] for s, e in taken)]
        return left[0] if len(left) == 1 else parsed

    def meant_for_other(self, q: Question, parsed: Parsed[Any], extra: Mapping[str, Parsed[Any]]) -> bool:
        """Whether a date read for ``q`` is tied by its cue words to another open question instead."""
        t = self.t
        window = t.text[max(0, parsed.span[0] - 6):parsed.span[1] + 6]
        if any(c in window for c in q.cues):
            return False
        return any(
            t.q.by_key[k].type == QType.DATE and p.span[0] < parsed.span[1] and parsed.span[0] < p.span[1]
            for k, p in extra.items()
        )
