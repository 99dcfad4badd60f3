"""One turn of a conversation: the per-turn context (record, campaign, answers, expression values, read once)
and the dispatch of the message to the handler of the conversation's phase.

The jobs live in their own modules and take the turn: opening (notice, village), identification,
asking and filling, validation, control phrases, read-back and review, answers' side effects. The
turn's short methods below are the vocabulary they share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.dialogue.after_submit import under_review
from bot.dialogue.asking import Asking
from bot.dialogue.control import Control
from bot.dialogue.filling import Filling
from bot.dialogue.identify import VILLAGE_STAFF_ONLY, Identification, village_allowed
from bot.dialogue.opening import Opening
from bot.dialogue.review import Review
from bot.dialogue.state import DialogueState, Phase
from bot.dialogue.voice import VOICE_PROBLEMS, listen
from bot.expressions import compile_expression
from bot.messages import Incoming, Reply
from bot.questionnaire import Question, Questionnaire
from bot.values import expression_value
from nlu.dates import DateSpan
from nlu.intents import Intent
from nlu.numbers import read_digits
from nlu.result import Parsed
from storage.models import Campaign, Conversation, Person, Record
from storage.repo import Store, StoredAnswer

if TYPE_CHECKING:
    from bot.dialogue.engine import Engine


class Turn:
    """The handling of one incoming message, with what it reads built once."""

    def __init__(self, engine: Engine, store: Store, msg: Incoming, conv: Conversation, state: DialogueState) -> None:
        self.engine = engine
        self.store = store
        self.msg = msg
        self.conv = conv
        self.state = state
        self._q: Questionnaire | None = None  # the record's form version (see the q property)
        self.u = engine.understanding
        self.text = (msg.text or "").strip()
        self.now: datetime = msg.at
        self.dropped = False
        self.restarted = False  # the person confirmed 重新开始 (a transcript of the conversation starts again)
        self._record: Record | None = None
        self._campaign_row: Campaign | None = None
        self._answers: dict[str, StoredAnswer] | None = None
        self._env: dict[str, Any] | None = None
        self._prefill_values: dict[str, Any] | None = None
        # speech: the recogniser's confidence and the stored clip, kept as evidence with the answers
        self.heard_confidence: float = 1.0 if msg.confidence is None else msg.confidence
        if msg.verified:  # a collector heard the person and accepted the transcript: as good as a read-back
            self.heard_confidence = max(self.heard_confidence, engine.config.low_confidence)
        self.audio_blob_id: int | None = None
        if state.record_id is not None:
            _fit_to_form(state, self.q)

    @property
    def q(self) -> Questionnaire:
        """The questionnaire asked: the bound record's form version, before a record the current one."""
        if self._q is None:
            self._q = self.engine.questionnaire_of(self.store, self.conv.questionnaire, self.record_or_none())
        return self._q

    @property
    def low_confidence(self) -> float:
        return self.engine.config.low_confidence

    # -- dispatch -------------------------------------------------------------------------

    def run(self) -> list[Reply]:
        """Hear the message (speech recognised, intent detected), then the handler of the phase."""
        if self.msg.audio is not None:
            if self.msg.voice_problem is not None:
                return [Reply(VOICE_PROBLEMS[self.msg.voice_problem], kind="error"), *self.reprompt()]
            if not self.text:
                problem = listen(self)
                if problem is not None:
                    return problem
        if not self.text and self.msg.image is None:
            return [Reply("没有收到内容，请再发一次。", kind="error"), *self.reprompt()]
        intent = self.intent() if self.text else None
        if intent is not None and intent.name == "human":
            return Control(self).human()
        phase = self.state.phase
        if phase == Phase.NOTICE:
            return Opening(self).on_notice()
        if self.q.subject.kind == "village" and not village_allowed(self, self.record_region()):
            return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
        if intent is not None and intent.name == "pause" and phase in (Phase.ASKING, Phase.REVIEW, Phase.DONE):
            return Control(self).pause()
        return _HANDLERS[phase](self, intent)

    # -- the per-turn context -------------------------------------------------------------

    def intent(self) -> Intent | None:
        parsed = self.u.intent(self.text, self.q)
        return parsed.value if parsed is not None else None

    def campaign(self) -> Campaign:
        """The campaign of the conversation: the record's, else the questionnaire's this year (read once)."""
        if self._campaign_row is None:
            if self.state.record_id is not None:
                self._campaign_row = self.store.campaigns.get(self.record.campaign_id)
            else:
                from bot.dialogue.engine import campaign_of

                self._campaign_row = campaign_of(self.store, self.q, self.engine.config.campaign_year)
        return self._campaign_row

    def bind(self, record: Record) -> None:
        """Tie the conversation to a record."""
        self._record = record
        self._q = None
        self._answers = self._env = self._prefill_values = None
        if self.state.record_id != record.id:
            self.state.prefills = None
        self.state.record_id = record.id
        self.conv.record_id = record.id
        if record.notice_accepted_at is None and self.state.notice_accepted_at is not None:
            record.notice_accepted_at = self.state.notice_accepted_at
            self.store.records.add(record)

    @property
    def record(self) -> Record:
        if self._record is None:
            assert self.state.record_id is not None, "no record bound to the conversation"
            self._record = self.store.records.get(self.state.record_id)
        return self._record

    def bound(self) -> bool:
        return self.state.record_id is not None

    def record_region(self) -> int | None:
        """The region of the record the conversation is bound to (None before one is)."""
        return self.record.region_id if self.bound() else None

    def record_or_none(self) -> Record | None:
        return self.record if self.bound() else None

    def answers(self) -> dict[str, StoredAnswer]:
        """Current stored answers by key, read once per turn and kept current as answers are saved."""
        if self._answers is None:
            self._answers = dict(self.store.records.current_answers(self.record.id or 0))
        return self._answers

    def env(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Values for conditions and rules: stored answers, overridden by ``extra`` (stored forms)."""
        if self._env is None:
            values: dict[str, Any] = {}
            by_key = self.q.by_key
            for key, a in self.answers().items():
                if key in by_key:
                    values[key] = expression_value(by_key[key], a.value)
            today = self.now.date()
            values["today"] = DateSpan(today, today, "day")
            reference = self.campaign().reference_date
            if reference:
                values["reference_date"] = DateSpan(reference, reference, "day")
            self._env = values
        if not extra:
            return self._env
        values = dict(self._env)
        for key, v in extra.items():
            values[key] = expression_value(self.q.by_key[key], v)
        return values

    def relevant(self, q: Question, env: Mapping[str, Any]) -> bool:
        """Whether a question applies given the answers so far."""
        section = self.q.section_of[q.key]
        if section.relevant and not compile_expression(section.relevant).holds(env):
            return False
        return q.relevance is None or q.relevance.holds(env)

    def save(
        self, q: Question, stored: Any, *, raw: str | None, confidence: float, status: str, blob_id: int | None = None
    ) -> int:
        """Store a new version of an answer (never on a record under review) and keep the context current."""
        from bot.dialogue.after_submit import UnderReview

        if under_review(self.record):
            raise UnderReview(f"record {self.record.id} is under review; {q.key} changes by request only")
        answer = self.store.records.save_answer(
            self.record, q.key, stored, raw=raw, confidence=confidence, status=status,
            channel=self.msg.channel, actor=self.msg.actor or f"self:{self.msg.channel}",
            sensitive=q.sensitive, message_id=self.msg.message_id, blob_id=blob_id,
        )
        answers = self.answers()
        if status == "cleared":
            answers.pop(q.key, None)
        else:
            answers[q.key] = StoredAnswer(
                answer_id=answer.id or 0, key=q.key, value=stored, raw=raw, confidence=confidence, status=status,
                channel=answer.channel, actor=answer.actor, version=answer.version, created_at=answer.created_at,
                blob_id=blob_id,
            )
        self._env = None
        person_id = self.record.person_id
        if person_id is not None and q.prefill in ("name", "phone") and isinstance(stored, str) and stored:
            self._keep_contact(self.store.people.get(person_id), q.prefill, stored)
        return answer.id or 0

    def _keep_contact(self, person: Person, field: str, value: str) -> None:
        """Keep the person's name or phone current; the phone is where identification codes go.

        A collector's answer always updates it; the person's own answer only where nothing official
        is registered (a person they registered themselves, or a field still empty), so that an answer
        in the chat never moves the second factor of a person on the roster.
        """
        current = self.store.people.name(person) if field == "name" else self.store.people.phone(person)
        by_staff = (self.msg.actor or "").startswith("collector:")
        if not (by_staff or person.source == "self" or current is None):
            return
        if field == "name":
            self.store.people.update(person, name=value)
        else:
            self.store.people.update(person, phone=value)

    def clip_id(self) -> int | None:
        """The voice message, stored sealed on first need, as evidence for the answer it gives.

        Stored only when an answer (or a read-back of one) uses it: a spoken "返回" keeps no audio.
        """
        if self.audio_blob_id is None and self.msg.audio and self.bound():
            kind = self.msg.audio_format or "wav"
            self.audio_blob_id = self.store.blobs.put("audio", f"audio/{kind}", self.msg.audio).id
        return self.audio_blob_id

    def digits(self, text: str) -> str:
        r = read_digits(text)
        return r.value if isinstance(r, Parsed) else text

    # -- the vocabulary the jobs share ----------------------------------------------------

    def ask_next(self) -> list[Reply]:
        return Asking(self).ask_next()

    def question_reply(self, q: Question, lead: str = "") -> Reply:
        return Asking(self).question_reply(q, lead)

    def reprompt(self) -> list[Reply]:
        return Asking(self).reprompt()

    def summary(self) -> Reply:
        return Review(self).summary()

    def resume_prompt(self) -> list[Reply]:
        """What to show after a side step: the pending question, or the read-back."""
        if self.state.phase in (Phase.REVIEW, Phase.DONE):
            return [self.summary()]
        return self.reprompt()

    def fill(self, values: Mapping[str, Parsed[Any]], status_of: Mapping[str, str], lead: str = "",
             focus: str | None = None) -> list[Reply]:
        return Filling(self).fill(dict(values), status_of, lead, focus)

    def answered(self, key: str) -> None:
        Filling(self).answered(key)

    def open_person_record(self, person: Person, raw: str | None) -> list[Reply]:
        return Opening(self).open_person_record(person, raw)

    def start_identification(self) -> list[Reply]:
        return Opening(self).start_identification()

    def where_we_are(self) -> list[Reply]:
        return Asking(self).where_we_are()


def _fit_to_form(state: DialogueState, q: Questionnaire) -> None:
    """Forget what the state holds of questions its record's form version has not (a record migrated to
    another version): the question asked, gone back to or confirmed, a warning, answers held for later."""
    keys = q.by_key
    if state.current not in keys:
        state.current = None
    if state.revisit not in keys:
        state.revisit = None
    if state.confirming not in keys:
        state.confirming = None
    if state.warning is not None and state.warning.key not in keys:
        state.warning = None
    if state.readback is not None and state.readback.key not in keys:
        state.readback = None
    state.history = [k for k in state.history if k in keys]
    state.skipped = [k for k in state.skipped if k in keys]
    state.held = {k: v for k, v in state.held.items() if k in keys}


def _asking(t: Turn, intent: Intent | None) -> list[Reply]:
    return Asking(t).on_asking(intent)


def _review(t: Turn, intent: Intent | None) -> list[Reply]:
    return Review(t).on_review(intent)


_HANDLERS: dict[Phase, Callable[[Turn, Intent | None], list[Reply]]] = {
    Phase.NOTICE: lambda t, _: Opening(t).on_notice(),
    Phase.PAUSED: lambda t, intent: Control(t).on_paused(intent),
    Phase.IDENTIFY: lambda t, _: Identification(t).on_id(),
    Phase.FACTOR: lambda t, _: Identification(t).on_factor(),
    Phase.VILLAGE: lambda t, _: Opening(t).on_village(),
    Phase.RESTART_CONFIRM: lambda t, _: Control(t).on_restart_confirm(),
    Phase.ASKING: _asking,
    Phase.REVIEW: _review,
    Phase.DONE: _review,
}
