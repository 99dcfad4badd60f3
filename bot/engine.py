"""The dialogue engine: an incoming message plus stored state in, a list of replies out.

The engine never sends anything: channels call :meth:`Engine.handle` inside a unit of work
and deliver the replies. The questionnaire files decide what is asked; the engine decides
the order (the first required, relevant, unanswered question), reads answers through
:class:`~bot.understanding.Understanding`, checks constraints and cross-field rules,
stores every answer with its provenance and flags doubtful ones for review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.after_submit import NO_RESTART, AfterSubmission, UnderReview, under_review
from bot.expressions import compile_expression
from bot.grammar import CONTROL_PHRASES, YES_NO_PHRASES, phrases_for
from bot.identify import VILLAGE_PROMPT, VILLAGE_STAFF_ONLY, Identification, village_allowed
from bot.messages import GENERAL_HELP, NEW_RECORD, WELCOME_BACK, Choice, Incoming, Reply, StaffPass
from bot.questionnaire import CHOICE_TYPES, QType, Question, Questionnaire
from bot.understanding import Understanding
from bot.values import Stored, display, encode, expression_value
from nlu.appeals import classify_appeal
from nlu.dates import DateSpan
from nlu.intents import Intent
from nlu.numbers import Precision, Quantity, read_digits
from nlu.result import NotUnderstood, Parsed
from storage.models import Campaign, Conversation, Person, Record
from storage.repo import Store
from voice.api import AudioError, Transcriber, VoiceUnavailable

YES, NO = "yes", "no"
_VOICE_PROBLEMS = {
    "unavailable": "暂时还不能识别语音消息，请用文字回复。",
    "audio": "这段语音没能打开，请再说一遍，或者用文字回复。",
    "unheard": "没听清您说的话，请再说一遍，或者用文字回复。",
}
_CONFIRM_WORDS = ("确认提交", "确认", "提交", "没问题", "无误")


@dataclass(frozen=True)
class EngineConfig:
    """The engine's knobs, taken from the settings at start-up."""

    campaign_year: int
    default_questionnaire: str = "veterans"
    low_confidence: float = 0.6


@dataclass(frozen=True)
class Pending:
    """What a conversation waits for next."""

    phase: str  # none | notice | identify | factor | village | asking | paused | review | done | restart_confirm
    question: str | None  # the key of the question asked, in the asking phase
    yes_no: bool  # a yes/no is expected (a known value to confirm, a read-back, the notice)


class Engine:
    """Runs conversations over the questionnaires; shared by every channel."""

    def __init__(
        self,
        questionnaires: Mapping[str, Questionnaire],
        understanding: Understanding,
        config: EngineConfig,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.questionnaires = questionnaires
        self.understanding = understanding
        self.config = config
        self.transcriber = transcriber

    def handle(self, store: Store, msg: Incoming) -> list[Reply]:
        """Process one message and return the replies to send."""
        conv = store.conversation(msg.channel, msg.user_id)
        if conv is None:
            name = msg.questionnaire or self.config.default_questionnaire
            if name not in self.questionnaires:
                return [Reply("抱歉，没有找到这份问卷，请联系工作人员。", kind="error")]
            conv = Conversation(channel=msg.channel, channel_user_id=msg.user_id, questionnaire=name)
            store.session.add(conv)
            state: dict[str, Any] = {"phase": "notice"}
            turn = _Turn(self, store, msg, conv, state)
            intent = turn._intent() if turn.text else None
            if intent is not None and intent.name == "human":
                replies = [*turn._human(), *turn.notice()]  # a first message asking for a person is heard
            else:
                replies = turn.notice()
        else:
            state = store.conversation_state(conv)
            turn = _Turn(self, store, msg, conv, state)
            replies = turn.run()
        if not turn.dropped:
            store.save_conversation(conv, state)
        return replies


    def grammar_for(self, store: Store, channel: str, user_id: str) -> list[str] | None:
        """The speech grammar for a person's next answer: the pending question's phrases, or yes/no."""
        conv = store.conversation(channel, user_id)
        if conv is None or conv.questionnaire not in self.questionnaires:
            return None
        return _grammar(self.questionnaires[conv.questionnaire], _pending(store.conversation_state(conv)))

    def begin_interview(
        self, store: Store, channel: str, user_id: str, questionnaire: str, subject: Person | Record,
        consent_at: datetime,
    ) -> list[Reply]:
        """Open a collector's interview of a person (already identified by the collector) and ask on.

        ``subject`` is the person, whose record of the campaign is opened (or created), or a record
        to fill as it is (a declaration: :meth:`storage.identity.IdentityStore.open_declaration`).
        The collector has read the notice out and the person agreed (``consent_at``), so the
        conversation starts at the record: the first unanswered question, or the read-back.
        An interview already open for this collector and subject continues where it was left.
        """
        conv = store.conversation(channel, user_id)
        if conv is not None:
            return self.resume(store, channel, user_id)
        q = self.questionnaires[questionnaire]
        if q.subject.kind != "person":
            raise ValueError(f"questionnaire {questionnaire} is not about persons")
        conv = Conversation(channel=channel, channel_user_id=user_id, questionnaire=questionnaire)
        store.session.add(conv)
        state: dict[str, Any] = {"phase": "identify", "notice_accepted_at": consent_at.isoformat()}
        turn = _Turn(self, store, Incoming(channel=channel, user_id=user_id, at=consent_at), conv, state)
        if isinstance(subject, Record):
            turn._bind(subject)
            state["phase"] = "asking"
            replies = turn._ask_next()
        else:
            replies = turn._open_person_record(subject, raw=None)
        store.save_conversation(conv, state)
        return replies

    def pending(self, store: Store, channel: str, user_id: str) -> Pending:
        """What a conversation waits for: its phase, the question asked, and whether a yes/no is expected."""
        conv = store.conversation(channel, user_id)
        return Pending("none", None, False) if conv is None else _pending(store.conversation_state(conv))

    def resume(
        self, store: Store, channel: str, user_id: str, questionnaire: str | None = None,
        staff: StaffPass | None = None,
    ) -> list[Reply]:
        """The replies for a person opening the chat: the notice for a new one, else where they left off."""
        conv = store.conversation(channel, user_id)
        if conv is None:
            return self.handle(store, Incoming(channel=channel, user_id=user_id, questionnaire=questionnaire,
                                               staff=staff))
        state = store.conversation_state(conv)
        turn = _Turn(self, store, Incoming(channel=channel, user_id=user_id, staff=staff), conv, state)
        replies = turn.where_we_are()
        store.save_conversation(conv, state)
        return replies


def campaign_of(store: Store, q: Questionnaire, year: int) -> Campaign:
    """The campaign of a questionnaire in a year, created on first need (with its reference date)."""
    return store.ensure_campaign(q.name, q.version, year, q.campaign.title, q.campaign.reference_for(year))


def _pending(state: Mapping[str, Any]) -> Pending:
    """What a dialogue state waits for."""
    phase = str(state.get("phase", "notice"))
    current = state.get("current") if phase == "asking" else None
    yes_no = bool(state.get("confirming") or state.get("readback")) or phase in ("notice", "restart_confirm")
    return Pending(phase, str(current) if current else None, yes_no)


def _grammar(q: Questionnaire, pending: Pending) -> list[str] | None:
    """The speech grammar of what a conversation waits for: yes/no, the question's phrases, or none (free)."""
    if pending.yes_no:
        return [*YES_NO_PHRASES, "同意", "不同意", *CONTROL_PHRASES]
    return phrases_for(q.by_key.get(pending.question)) if pending.question else None


class _Turn:
    """The handling of one incoming message; holds the context so helpers stay short."""

    def __init__(
        self, engine: Engine, store: Store, msg: Incoming, conv: Conversation, state: dict[str, Any]
    ) -> None:
        self.engine = engine
        self.store = store
        self.msg = msg
        self.conv = conv
        self.state = state
        self.q: Questionnaire = engine.questionnaires[conv.questionnaire]
        self.u = engine.understanding
        self.text = (msg.text or "").strip()
        self.now: datetime = msg.at
        self.dropped = False
        self._record: Record | None = None
        self._answers: dict[str, Any] | None = None
        self._prefill_values: dict[str, Any] | None = None
        # speech: the recogniser's confidence and the stored clip, kept as evidence with the answers
        self.heard_confidence: float = 1.0 if msg.confidence is None else msg.confidence
        if msg.verified:  # a collector heard the person and accepted the transcript: as good as a read-back
            self.heard_confidence = max(self.heard_confidence, engine.config.low_confidence)
        self.audio_blob_id: int | None = None

    # -- entry ------------------------------------------------------------------------

    def run(self) -> list[Reply]:
        """Dispatch on the conversation phase."""
        phase = self.state.get("phase", "notice")
        if self.msg.audio is not None:
            if self.msg.voice_problem is not None:
                return [Reply(_VOICE_PROBLEMS[self.msg.voice_problem], kind="error"), *self._reprompt()]
            if not self.text:
                problem = self._listen()
                if problem is not None:
                    return problem
        if not self.text and self.msg.image is None:
            return [Reply("没有收到内容，请再发一次。", kind="error"), *self._reprompt()]
        intent = self._intent() if self.text else None
        if intent is not None and intent.name == "human":
            return self._human()
        if phase == "notice":
            return self._on_notice()
        if self.q.subject.kind == "village" and not village_allowed(self, self._record_region()):
            return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
        if phase == "paused":
            return self._on_paused(intent)
        if phase == "identify":
            return Identification(self).on_id()
        if phase == "factor":
            return Identification(self).on_factor()
        if phase == "village":
            return self._on_village()
        if phase == "restart_confirm":
            return self._on_restart_confirm()
        if intent is not None and intent.name in ("pause",):
            return self._pause()
        if phase == "asking":
            return self._on_asking(intent)
        if phase in ("review", "done"):
            return self._on_review(intent)
        return self.notice()

    def _listen(self) -> list[Reply] | None:
        """Recognise a voice message with the current question's grammar; replies only when it fails."""
        transcriber = self.engine.transcriber
        if transcriber is None:
            return [Reply(_VOICE_PROBLEMS["unavailable"], kind="error"), *self._reprompt()]
        grammar = _grammar(self.q, _pending(self.state))
        try:
            heard = transcriber.transcribe(self.msg.audio or b"", self.msg.audio_format, grammar)
        except VoiceUnavailable:
            return [Reply(_VOICE_PROBLEMS["unavailable"], kind="error"), *self._reprompt()]
        except AudioError:
            return [Reply(_VOICE_PROBLEMS["audio"], kind="error"), *self._reprompt()]
        if not heard.text or heard.unknown:
            return [Reply(_VOICE_PROBLEMS["unheard"], kind="error"), *self._reprompt()]
        self.text = heard.text
        self.heard_confidence = heard.confidence
        return None

    def _clip_id(self) -> int | None:
        """The voice message, stored sealed on first need, as evidence for the answer it gives.

        Stored only when an answer (or a read-back of one) uses it: a spoken "返回" keeps no audio.
        """
        if self.audio_blob_id is None and self.msg.audio and "record_id" in self.state:
            kind = self.msg.audio_format or "wav"
            self.audio_blob_id = self.store.put_blob("audio", f"audio/{kind}", self.msg.audio).id
        return self.audio_blob_id

    def _intent(self) -> Intent | None:
        parsed = self.u.intent(self.text, self.q)
        return parsed.value if parsed is not None else None

    # -- notice -------------------------------------------------------------------------

    def notice(self) -> list[Reply]:
        """The campaign notice, asking for consent."""
        c = self.q.campaign
        text = (
            f"您好！这里是“{c.title}”。\n采集单位：{c.organiser}\n用途：{c.purpose}\n"
            f"保存内容：{c.stored}\n保存期限：{c.retention}\n您同意后我们才开始登记，是否同意？"
        )
        return [Reply(text, (Choice("同意", "同意"), Choice("不同意", "不同意")), kind="notice")]

    def _on_notice(self) -> list[Reply]:
        yn = self.u.yes_no(self.text)
        if isinstance(yn, Parsed) and yn.value == YES:
            self.state["notice_accepted_at"] = self.now.isoformat()
            return self._start_identification()
        if isinstance(yn, Parsed) and yn.value in (NO, "refuse"):
            self.store.session.delete(self.conv)
            self.dropped = True
            return [Reply("好的，我们不会保存您的任何信息。如果改变主意，随时发送“开始”。", kind="text")]
        return [Reply("请回复“同意”或“不同意”。", (Choice("同意", "同意"), Choice("不同意", "不同意")), kind="notice")]

    # -- identification -----------------------------------------------------------------

    def _start_identification(self) -> list[Reply]:
        if self.q.subject.kind == "village":
            if not village_allowed(self, None):
                return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
            self.state["phase"] = "village"
            return [Reply(VILLAGE_PROMPT, kind="question")]
        return Identification(self).start()

    def _digits(self, text: str) -> str:
        r = read_digits(text)
        return r.value if isinstance(r, Parsed) else text

    def _open_person_record(self, person: Person, raw: str | None) -> list[Reply]:
        """Open (or create) the record of a person who has been identified, and ask on."""
        campaign = self._campaign()
        roster = self.store.roster_entry(campaign.id or 0, person.id or 0)
        region_id = roster.region_id if roster and roster.region_id else person.region_id
        record, created = self.store.record_for(
            campaign, f"person:{person.id}", channel=self.msg.channel, person_id=person.id, region_id=region_id
        )
        self._bind(record)
        ident = self.q.identifier
        answers = self.answers()
        if ident is not None and ident.key not in answers:
            self._save(ident, self.store.person_id_number(person), raw=raw or "（身份核验）", confidence=1.0,
                       status="confirmed" if roster else "new")
        if record.status == "submitted":
            self.state["phase"] = "done"
            return [Reply(f"您已经提交过了，回执号是 {record.receipt}。", kind="receipt"), self._summary()]
        self.state["phase"] = "asking"
        return [Reply(NEW_RECORD if created else WELCOME_BACK), *self._ask_next()]

    def _on_village(self) -> list[Reply]:
        result = self.u.resolve_village(self.text)
        if isinstance(result, NotUnderstood):
            candidates = self.u.village_candidates(self.text)
            choices = tuple(Choice(c.split("/", 2)[-1], c) for c in candidates[:5])
            return [Reply(result.message, choices, kind="error")]
        region = self.store.region_by_path(result.value)
        if region is None or region.level != "village":
            candidates = [c for c in self.u.village_candidates(self.text) if c != result.value]
            choices = tuple(Choice(c.split("/", 2)[-1], c) for c in candidates[:5])
            return [Reply("请具体到村（社区），例如“东塬乡东塬村”。", choices, kind="error")]
        if not village_allowed(self, region.id):
            return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
        campaign = self._campaign()
        record, created = self.store.record_for(
            campaign, f"region:{region.id}", channel=self.msg.channel, region_id=region.id
        )
        self._bind(record)
        self.state["phase"] = "asking"
        place = region.path.split("/", 2)[-1]
        if record.status == "submitted":
            self.state["phase"] = "done"
            return [Reply(f"{place}已经提交过了，回执号是 {record.receipt}。", kind="receipt"), self._summary()]
        intro = f"好的，登记{place}。" if created else f"欢迎回来！{place}的登记接着上次继续。"
        return [Reply(intro + ("" if not created else GENERAL_HELP)), *self._ask_next()]

    def _campaign(self) -> Campaign:
        return campaign_of(self.store, self.q, self.engine.config.campaign_year)

    def _bind(self, record: Record) -> None:
        self._record = record
        self.state["record_id"] = record.id
        self.conv.record_id = record.id
        if record.notice_accepted_at is None and self.state.get("notice_accepted_at"):
            record.notice_accepted_at = datetime.fromisoformat(self.state["notice_accepted_at"])
            self.store.session.add(record)

    # -- record access --------------------------------------------------------------------

    @property
    def record(self) -> Record:
        if self._record is None:
            self._record = self.store.get_record(int(self.state["record_id"]))
        return self._record

    def answers(self) -> dict[str, Any]:
        """Current stored answers by key (StoredAnswer objects)."""
        if self._answers is None:
            self._answers = dict(self.store.current_answers(self.record.id or 0))
        return self._answers

    def env(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Values for conditions and rules: stored answers, overridden by ``extra`` (stored forms)."""
        values: dict[str, Any] = {}
        by_key = self.q.by_key
        for key, a in self.answers().items():
            if key in by_key:
                values[key] = expression_value(by_key[key], a.value)
        for key, v in (extra or {}).items():
            values[key] = expression_value(by_key[key], v)
        today = self.now.date()
        values["today"] = DateSpan(today, today, "day")
        campaign = self.store.get_campaign(self.record.campaign_id)
        if campaign.reference_date:
            values["reference_date"] = DateSpan(campaign.reference_date, campaign.reference_date, "day")
        return values

    def relevant(self, q: Question, env: Mapping[str, Any]) -> bool:
        """Whether a question applies given the answers so far."""
        section = self.q.section_of[q.key]
        if section.relevant and not _holds(section.relevant, env):
            return False
        return q.relevance is None or q.relevance.holds(env)

    def _save(
        self, q: Question, stored: Any, *, raw: str | None, confidence: float, status: str, blob_id: int | None = None
    ) -> int:
        if under_review(self.record):
            raise UnderReview(f"record {self.record.id} is under review; {q.key} changes by request only")
        answer = self.store.save_answer(
            self.record, q.key, stored, raw=raw, confidence=confidence, status=status,
            channel=self.msg.channel, actor=self.msg.actor or f"self:{self.msg.channel}",
            sensitive=q.sensitive, message_id=self.msg.message_id, blob_id=blob_id,
        )
        self._answers = None
        person_id = self.record.person_id
        if person_id is not None and q.prefill in ("name", "phone") and isinstance(stored, str) and stored:
            self._keep_contact(self.store.get_person(person_id), q.prefill, stored)
        return answer.id or 0

    def _keep_contact(self, person: Person, field: str, value: str) -> None:
        """Keep the person's name or phone current; the phone is where identification codes go.

        A collector's answer always updates it; the person's own answer only where nothing official
        is registered (a person they registered themselves, or a field still empty), so that an answer
        in the chat never moves the second factor of a person on the roster.
        """
        current = self.store.person_name(person) if field == "name" else self.store.person_phone(person)
        by_staff = (self.msg.actor or "").startswith("collector:")
        if not (by_staff or person.source == "self" or current is None):
            return
        if field == "name":
            self.store.update_person(person, name=value)
        else:
            self.store.update_person(person, phone=value)

    # -- asking ---------------------------------------------------------------------------

    def _next_question(self) -> Question | None:
        revisit = self.state.get("revisit")
        if revisit:
            return self.q.by_key[revisit]
        answered = self.answers()
        skipped = set(self.state.get("skipped", []))
        env = self.env()
        for q in self.q.questions:
            if q.key in answered or q.key in skipped:
                continue
            if self.relevant(q, env):
                return q
        return None

    def _ask_next(self) -> list[Reply]:
        q = self._next_question()
        if q is None:
            self.state["phase"] = "review"
            self.state.pop("current", None)
            return [self._summary()]
        self.state["current"] = q.key
        return [self._question_reply(q)]

    def _prefill(self, q: Question) -> Any:
        """The value known from the roster or last year, in stored form, unless declined or revisited."""
        if q.key in self.state.get("declined", []) or self.state.get("revisit") == q.key:
            return None
        return self._prefills().get(q.key)

    def _prefills(self) -> dict[str, Any]:
        """Known values of the subject: last year's submitted answers, overridden by this campaign's roster."""
        if self._prefill_values is None:
            values: dict[str, Any] = {}
            record = self.record
            if record.person_id is not None:
                campaign = self.store.get_campaign(record.campaign_id)
                values.update(self.store.previous_values(record.person_id, self.q.name, campaign.year))
                roster = self.store.roster_entry(campaign.id or 0, record.person_id)
                raw_values = self.store.roster_prefill(roster) if roster else {}
                for q in self.q.questions:
                    raw = raw_values.get(q.prefill or q.key)
                    if raw and not q.identifies:
                        parsed = self.u.parse(q, str(raw), self.now)
                        if isinstance(parsed, Parsed):
                            values[q.key] = encode(q, parsed.value)
            self._prefill_values = values
        return self._prefill_values

    def _question_reply(self, q: Question, lead: str = "") -> Reply:
        prefill = self._prefill(q) if q.type != QType.PHOTO else None
        if prefill is not None:
            self.state["confirming"] = q.key
            text = f"{lead}上次登记的{q.title}是：{display(q, prefill, mask=True)}，现在还是这样吗？"
            return Reply(text, (Choice("是", "是"), Choice("不是", "不是")), kind="confirm", question=q.key)
        self.state.pop("confirming", None)
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
            f"{lead}{q.prompt}{hint}", tuple(choices), kind="question", question=q.key,
            expects="photo" if q.type == QType.PHOTO else "text", multiple=q.type == QType.MULTI,
        )

    def _reprompt(self) -> list[Reply]:
        phase = self.state.get("phase")
        if phase == "asking" and self.state.get("current"):
            return [self._question_reply(self.q.by_key[self.state["current"]])]
        if phase == "notice":
            return self.notice()
        return []

    def where_we_are(self) -> list[Reply]:
        """Repeat the pending prompt of the conversation without consuming any input."""
        phase = self.state.get("phase")
        if self.q.subject.kind == "village" and phase != "notice" and not village_allowed(self, self._record_region()):
            return [Reply(VILLAGE_STAFF_ONLY, kind="error")]
        if phase == "paused":
            return [Reply("您已暂停填写。发送“继续”接着填写。", (Choice("继续", "继续"),))]
        if phase == "identify" and self.q.identifier is not None:
            return [Reply(self.q.identifier.prompt, kind="question", question=self.q.identifier.key)]
        if phase == "factor":
            return [Identification(self).prompt()]
        if phase == "village":
            return [Reply(VILLAGE_PROMPT, kind="question")]
        if phase == "restart_confirm":
            return [Reply("确定要从头开始吗？已填写的内容会被清空。",
                          (Choice("确定", "确定"), Choice("取消", "取消")), kind="confirm")]
        if phase in ("review", "done"):
            return [self._summary()]
        if phase == "asking":
            return self._reprompt() or self._ask_next()
        return self.notice()

    def _on_asking(self, intent: Intent | None) -> list[Reply]:
        current = self.state.get("current")
        if not current:
            return self._ask_next()
        q = self.q.by_key[current]
        if intent is not None:
            handled = self._control(intent, q)
            if handled is not None:
                return handled
        if self.msg.image is not None:
            return self._on_photo(q)
        readback = self.state.pop("readback", None)
        if readback is not None and readback.get("key") == q.key:
            return self._on_readback(q, readback)
        if self.state.get("confirming") == q.key:
            return self._on_confirm_prefill(q)
        if self.msg.audio is not None and not self.msg.verified and self._needs_readback(q):
            self.state["readback"] = {"key": q.key, "text": self.text, "confidence": self.heard_confidence,
                                      "blob_id": self._clip_id()}
            return [Reply(f"您说的是“{self.text}”，对吗？", (Choice("对", "对"), Choice("不对", "不对")),
                          kind="confirm", question=q.key)]
        return self._on_answer(q, status="changed" if q.key in self.state.get("declined", []) else None)

    def _needs_readback(self, q: Question) -> bool:
        """Spoken answers heard with low confidence, and every spoken yes/no, are read back first.

        A yes/no grammar matches unrelated speech with high confidence, so a spoken 是/没有 is
        never taken without the person confirming it.
        """
        return self.heard_confidence < self.engine.config.low_confidence or q.type == QType.YES_NO

    def _on_readback(self, q: Question, readback: dict[str, Any]) -> list[Reply]:
        yn = self.u.yes_no(self.text)
        if isinstance(yn, Parsed) and yn.value == YES:
            # confirmed by the person: take what was heard, as heard, with the clip as evidence
            self.text = str(readback["text"])
            self.heard_confidence = max(float(readback["confidence"]), self.engine.config.low_confidence)
            self.audio_blob_id = readback.get("blob_id")
            return self._on_answer(q)
        if isinstance(yn, Parsed) and yn.value == NO:
            return [Reply("好的，请再说一遍，或者直接打字回答。"), self._question_reply(q)]
        return self._on_answer(q)  # a new answer instead of 对/不对

    def _on_photo(self, q: Question) -> list[Reply]:
        if q.type != QType.PHOTO:
            return [Reply("这一项不需要照片，请用文字回答。", kind="error"), self._question_reply(q)]
        blob = self.store.put_blob("photo", self.msg.image_type or "image/jpeg", self.msg.image or b"")
        if under_review(self.record):
            return AfterSubmission(self).request({q.key: {"blob_id": blob.id}}, {q.key: 1.0})
        self._save(q, {"blob_id": blob.id}, raw=None, confidence=1.0, status=self._status_for(q), blob_id=blob.id)
        self._answered(q.key)
        return [Reply("照片已收到。"), *self._ask_next()]

    def _on_confirm_prefill(self, q: Question) -> list[Reply]:
        yn = self.u.yes_no(self.text)
        prefill = self._prefill(q)
        if isinstance(yn, Parsed) and yn.value == YES and prefill is not None:
            confirmed = Parsed(Stored(prefill), yn.confidence, yn.span)
            return self._fill({q.key: confirmed}, status_of={q.key: "confirmed"}, lead="")
        if isinstance(yn, Parsed) and yn.value == NO:
            self.state.setdefault("declined", []).append(q.key)
            self.state.pop("confirming", None)
            return [self._question_reply(q, lead=f"好的，请告诉我现在的{q.title}。")]
        return self._on_answer(q, status="changed", prefill=prefill)

    def _status_for(self, q: Question) -> str:
        return "changed" if q.key in self.state.get("declined", []) or q.key == self.state.get("revisit") else "new"

    def _on_answer(self, q: Question, status: str | None = None, prefill: Any = None) -> list[Reply]:
        text = self.text
        # "不清楚" / "不想说" to a question that is not yes/no
        if q.type != QType.YES_NO and len(text) <= 10:
            yn = self.u.yes_no(text)
            if isinstance(yn, Parsed) and yn.value in ("unsure", "refuse"):
                return self._unknown_answer(q, yn.value)
        parsed = self.u.parse(q, text, self.now)
        open_questions = self._open_questions(exclude=q.key)
        extra = self.u.extract(open_questions, text, self.now, current=None) if open_questions else {}
        if isinstance(parsed, Parsed) and q.type == QType.DATE and self._meant_for_other(q, parsed, extra):
            # "我是八三年当的兵" asked for the birth date: the date belongs to the enlistment question
            return self._fill(dict(extra), status_of={}, lead="")
        if isinstance(parsed, NotUnderstood):
            if extra:
                return self._fill(dict(extra), status_of={}, lead="")
            return self._not_understood(q, parsed)
        values: dict[str, Parsed[Any]] = {q.key: parsed, **{k: v for k, v in extra.items() if k != q.key}}
        st = status or self._status_for(q)
        if prefill is not None and encode(q, parsed.value) == prefill:
            st = "confirmed"
        return self._fill(values, status_of={q.key: st}, lead="")

    def _meant_for_other(self, q: Question, parsed: Parsed[Any], extra: Mapping[str, Parsed[Any]]) -> bool:
        """Whether a date read for ``q`` is tied by its cue words to another open question instead."""
        window = self.text[max(0, parsed.span[0] - 6):parsed.span[1] + 6]
        if any(c in window for c in q.cues):
            return False
        return any(
            self.q.by_key[k].type == QType.DATE and p.span[0] < parsed.span[1] and parsed.span[0] < p.span[1]
            for k, p in extra.items()
        )

    def _open_questions(self, exclude: str) -> list[Question]:
        answered = self.answers()
        skipped = set(self.state.get("skipped", []))
        env = self.env()
        return [
            q for q in self.q.questions
            if q.key not in answered and q.key not in skipped and q.key != exclude and not q.identifies
            and self.relevant(q, env)
        ]

    def _fill(
        self, values: dict[str, Parsed[Any]], status_of: Mapping[str, str], lead: str, focus: str | None = None
    ) -> list[Reply]:
        """Validate, rule-check and store several answers; then acknowledge and go on.

        ``focus`` is the question the person meant to answer (the current one, or the one
        named in a change); if its value is refused, nothing is stored and it is asked again.
        Refused values of other questions found in the same message are mentioned and left
        to be asked in their turn.
        """
        current = focus or self.state.get("current")
        problems: dict[str, str] = {}
        stored: dict[str, Any] = {}
        for key, parsed in values.items():
            q = self.q.by_key[key]
            value = encode(q, parsed.value)
            problem = self._constraint_problem(q, parsed.value)
            if problem:
                problems[key] = problem
            else:
                stored[key] = value
        rule_notes = self._check_rules(stored, problems)
        if current in problems:
            # The question at hand was answered but its value is refused: re-ask it, keep nothing.
            q = self.q.by_key[current]
            self._bump_attempt(current)
            if focus is not None and focus != self.state.get("current"):
                return [Reply(problems[current], kind="error", question=current), *self._resume_prompt()]
            return [Reply(problems[current], kind="error", question=current), self._question_reply(q)]
        if under_review(self.record):
            heard = {k: min(values[k].confidence, self.heard_confidence) for k in stored}
            return AfterSubmission(self).request(stored, heard)
        saved: list[str] = []
        for key, value in stored.items():
            q = self.q.by_key[key]
            parsed = values[key]
            confidence = min(parsed.confidence, self.heard_confidence)
            answer_id = self._save(q, value, raw=self.text, confidence=confidence,
                                   status=status_of.get(key, self._status_for(q)), blob_id=self._clip_id())
            if confidence < self.engine.config.low_confidence:
                self.store.add_flag(self.record, key, "low_confidence", f"confidence {confidence:.2f}", answer_id)
            for note in rule_notes.get(key, []):
                self.store.add_flag(self.record, key, "rule", note, answer_id)
            if q.creates_appeal and isinstance(value, str) and self._is_a_request(value):
                self._appeal_from_answer(value)
            if q.locates and isinstance(value, str):
                self._locate(value)
            self._answered(key)
            saved.append(key)
        replies: list[Reply] = []
        if saved:
            parts = [f"{self.q.by_key[k].title}：{display(self.q.by_key[k], stored[k], mask=True)}" for k in saved]
            low = any(min(values[k].confidence, self.heard_confidence) < self.engine.config.low_confidence
                      for k in saved)
            ack = "好的，已记录：" + "；".join(parts) + "。"
            if low:
                ack += "如有不对，可以说“返回”修改。"
            replies.append(Reply(lead + ack))
        for key, problem in problems.items():
            if key != current:
                replies.append(Reply(f"{self.q.by_key[key].title}没有记录：{problem}", kind="error"))
        if self.state.get("phase") in ("review", "done"):
            return [*replies, *self._after_change()]
        return [*replies, *self._ask_next()]

    def _constraint_problem(self, q: Question, value: Any) -> str | None:
        c = q.constraints
        msg = c.message
        if q.type == QType.NUMBER and isinstance(value, Quantity):
            ends = [value.value]
            if value.precision == Precision.RANGE and value.low is not None and value.high is not None:
                ends = [value.low, value.high]  # both ends of a range must be possible
            if any((c.min is not None and float(n) < c.min) or (c.max is not None and float(n) > c.max) for n in ends):
                return msg or f"{q.title}应在{_fmt(c.min)}到{_fmt(c.max)}{q.unit or ''}之间，请再核对一下。"
        if q.type == QType.DATE and isinstance(value, DateSpan):
            if c.not_future and value.start > self.now.date():
                return msg or f"{q.title}不能晚于今天，请再核对一下。"
            if c.not_before and value.end < date.fromisoformat(c.not_before):
                return msg or f"{q.title}不能早于{c.not_before}，请再核对一下。"
        if isinstance(value, str):
            if c.min_length is not None and len(value) < c.min_length:
                return msg or f"{q.title}太短了，请再核对一下。"
            if c.max_length is not None and len(value) > c.max_length:
                return msg or f"{q.title}太长了，请简短一些。"
            if c.pattern and not re.fullmatch(c.pattern, value):
                return msg or f"{q.title}的格式不对，请再核对一下。"
        if q.type == QType.MULTI and isinstance(value, list | tuple):
            if c.max_choices is not None and len(value) > c.max_choices:
                return msg or f"{q.title}最多选{c.max_choices}项。"
            exclusive = {o.code for o in q.options if o.exclusive}
            if len(value) > 1 and exclusive & set(value):
                return "“都没有”不能和其他选项同时选，请再说一遍。"
        return None

    def _check_rules(self, stored: dict[str, Any], problems: dict[str, str]) -> dict[str, list[str]]:
        """Check cross-field rules touched by the new values.

        A broken rule refuses the new value once, with the rule's message; given again,
        the value is kept and flagged for review, so nobody is blocked for ever.
        Returns flag notes by question key; refused values move from ``stored`` to ``problems``.
        """
        notes: dict[str, list[str]] = {}
        if not stored:
            return notes
        retries: dict[str, int] = self.state.setdefault("rule_retries", {})
        for rule in self.q.rules:
            touched = [k for k in rule.questions if k in stored]
            if not touched:
                continue
            env = self.env(stored)
            if any(env.get(k) is None for k in rule.questions):
                continue
            if rule.expression.holds(env):
                continue
            offender = touched[-1]
            tag = f"{rule.key}:{offender}"
            if retries.get(tag) == stored[offender]:
                # the same value given again after the warning: the person insists
                notes.setdefault(offender, []).append(f"{rule.key}: {rule.message}")
                continue
            retries[tag] = stored[offender]
            problems[offender] = f"{rule.message}如果确认无误，请再说一遍。"
            stored.pop(offender, None)
        return notes

    def _not_understood(self, q: Question, why: NotUnderstood) -> list[Reply]:
        tries = self._bump_attempt(q.key)
        if tries >= 2 and under_review(self.record):
            return AfterSubmission(self).unchanged()
        if tries >= 2:
            answer_id = self._save(q, None, raw=self.text, confidence=0.0, status=self._status_for(q),
                                   blob_id=self._clip_id())
            self.store.add_flag(self.record, q.key, "not_understood", f"{why.reason}: {why.message}", answer_id)
            self._answered(q.key)
            return [Reply("这一项先记下您的原话，工作人员会再核实。"), *self._ask_next()]
        example = f"\n{q.help}" if q.help else ""
        return [Reply(f"{why.message}{example}", kind="error", question=q.key), self._question_reply(q)]

    def _unknown_answer(self, q: Question, kind: str) -> list[Reply]:
        if under_review(self.record):
            return AfterSubmission(self).unchanged()
        if not q.required:
            self.state.setdefault("skipped", []).append(q.key)
            self._answered(q.key, record=False)
            return [Reply("好的，这一项先跳过。"), *self._ask_next()]
        answer_id = self._save(q, None, raw=self.text, confidence=0.0, status=self._status_for(q),
                               blob_id=self._clip_id())
        reason = "unsure" if kind == "unsure" else "refused"
        self.store.add_flag(self.record, q.key, reason, "", answer_id)  # the words said stay sealed in the answer
        self._answered(q.key)
        note = "先记下“不清楚”" if kind == "unsure" else "尊重您的意愿，这一项先不填"
        return [Reply(f"好的，{note}，工作人员会再和您核实。"), *self._ask_next()]

    def _answered(self, key: str, record: bool = True) -> None:
        history: list[str] = self.state.setdefault("history", [])
        if key in history:
            history.remove(key)
        history.append(key)
        self.state.get("attempts", {}).pop(key, None)
        if self.state.get("revisit") == key:
            self.state.pop("revisit", None)
        if self.state.get("confirming") == key:
            self.state.pop("confirming", None)

    def _bump_attempt(self, key: str) -> int:
        attempts: dict[str, int] = self.state.setdefault("attempts", {})
        attempts[key] = attempts.get(key, 0) + 1
        return attempts[key]

    def _bump(self, name: str) -> int:
        self.state[name] = int(self.state.get(name, 0)) + 1
        return int(self.state[name])

    # -- control phrases ------------------------------------------------------------------

    def _control(self, intent: Intent, q: Question | None) -> list[Reply] | None:
        name = intent.name
        if name == "back":
            return self._back()
        if name == "skip" and q is not None:
            if q.required:
                return [Reply("这个问题需要回答。如果不清楚，可以直接说“不清楚”。", kind="error"), self._question_reply(q)]
            self.state.setdefault("skipped", []).append(q.key)
            self._answered(q.key, record=False)
            return [Reply("好的，跳过这一题。"), *self._ask_next()]
        if name == "change":
            return self._change(intent)
        if name == "why":
            why = (q.why if q and q.why else "这是本次登记需要了解的内容，用于更好地为您服务。")
            return [Reply(why), *([self._question_reply(q)] if q else [])]
        if name == "help":
            tip = f"{q.help}\n" if q and q.help else ""
            return [Reply(tip + GENERAL_HELP), *([self._question_reply(q)] if q else [])]
        if name == "pause":
            return self._pause()
        if name == "restart":
            if "record_id" in self.state and under_review(self.record):
                return [Reply(NO_RESTART, kind="error"), *self._resume_prompt()]
            self.state["restart_from"] = self.state.get("phase")
            self.state["phase"] = "restart_confirm"
            return [Reply("确定要从头开始吗？已填写的内容会被清空。",
                          (Choice("确定", "确定"), Choice("取消", "取消")), kind="confirm")]
        if name == "resume":
            return self._reprompt() or None
        return None

    def _back(self) -> list[Reply]:
        history: list[str] = self.state.get("history", [])
        current = self.state.get("current")
        env = self.env()
        candidates = [k for k in history if k != current and self.relevant(self.q.by_key[k], env)]
        if not candidates:
            return [Reply("已经是第一个问题了。"), *self._reprompt()]
        target = candidates[-1]
        history.remove(target)
        if target in self.state.get("skipped", []):
            self.state["skipped"].remove(target)
        self.state["revisit"] = target
        self.state["current"] = target
        self.state.pop("confirming", None)
        q = self.q.by_key[target]
        a = self.answers().get(target)
        before = f"您之前的回答是：{display(q, a.value, mask=True)}。" if a is not None and a.value is not None else ""
        return [Reply("好的，回到上一题。" + before), self._question_reply(q)]

    def _change(self, intent: Intent) -> list[Reply]:
        target = intent.target
        if target is None or target not in self.q.by_key:
            return [Reply("请告诉我要修改哪一项，例如“把出生日期改成1966年3月”。"), *self._reprompt()]
        q = self.q.by_key[target]
        if q.identifies:
            return [Reply("身份证号码用于核对身份，不能在这里修改。如有错误，请回复“转人工”。"), *self._reprompt()]
        if self.state.get("phase") == "done" and not under_review(self.record):
            self.store.reopen(self.record)  # sent back for correction: edited directly
            self.state["phase"] = "review"
        rest = (intent.rest or "").strip()
        if rest:
            parsed = self.u.parse(q, rest, self.now)
            if isinstance(parsed, NotUnderstood):
                return [Reply(f"{parsed.message}请再说一遍，例如“把{q.title}改成…”。", kind="error")]
            self.text = rest
            return self._fill({q.key: parsed}, status_of={q.key: "changed"}, lead="已修改。", focus=q.key)
        if self.state.get("phase") in ("review", "done"):
            self.state["phase"] = "asking"
        self.state["revisit"] = target
        self.state["current"] = target
        return [self._question_reply(q, lead=f"好的，修改{q.title}。")]

    def _resume_prompt(self) -> list[Reply]:
        """What to show after a side step: the pending question, or the read-back."""
        if self.state.get("phase") in ("review", "done"):
            return [self._summary()]
        return self._reprompt()

    def _after_change(self) -> list[Reply]:
        """After a change made during the read-back: ask what became relevant, else show the summary again."""
        nxt = self._next_question()
        if nxt is not None:
            self.state["phase"] = "asking"
            self.state["current"] = nxt.key
            return [self._question_reply(nxt)]
        self.state["phase"] = "review"
        return [self._summary()]

    def _pause(self) -> list[Reply]:
        self.state["paused_from"] = self.state.get("phase")
        self.state["phase"] = "paused"
        return [Reply("好的，已为您保存进度。想继续时，发送“继续”即可。")]

    def _on_paused(self, intent: Intent | None) -> list[Reply]:
        if (intent is not None and intent.name == "resume") or self.text in ("继续", "开始", "/start"):
            self.state["phase"] = self.state.pop("paused_from", None) or "asking"
            phase = self.state["phase"]
            if phase == "asking":
                return [Reply("欢迎回来，我们继续。"), *self._ask_next()]
            if phase in ("review", "done"):
                return [self._summary()]
            if phase == "notice":
                return self.notice()
            return [Reply("欢迎回来，我们继续。"), *self._start_identification()]
        return [Reply("您已暂停填写。发送“继续”接着填写。", (Choice("继续", "继续"),))]

    def _on_restart_confirm(self) -> list[Reply]:
        yn = self.u.yes_no(self.text)
        back_to = self.state.pop("restart_from", None) or "asking"
        if (isinstance(yn, Parsed) and yn.value == YES) or self.text.startswith("确定"):
            if "record_id" in self.state:
                for key in list(self.answers()):
                    q = self.q.by_key.get(key)
                    if q is not None and not q.identifies:
                        self._save(q, None, raw=None, confidence=1.0, status="cleared")
                if self.record.status == "submitted":
                    self.store.reopen(self.record)
            for key in ("history", "attempts", "skipped", "declined", "revisit", "current", "confirming",
                        "rule_retries"):
                self.state.pop(key, None)
            if "record_id" not in self.state:
                self.state["phase"] = back_to
                return [Reply("好的，从头开始。"), *self._reprompt()]
            self.state["phase"] = "asking"
            return [Reply("已清空，我们从头开始。"), *self._ask_next()]
        self.state["phase"] = back_to
        return [Reply("好的，继续填写。"), *(self._reprompt() if back_to == "asking" else [self._summary()])]

    def _human(self) -> list[Reply]:
        record = self._record_or_none()
        if record is not None:
            person_id, region_id, text = record.person_id, record.region_id, self.text
        else:  # asked during identification: the hotline of the person named calls them back to check
            person_id, region_id = Identification(self).candidate_place()
            text = f"（身份核验时转人工）{self.text}" if person_id is not None else self.text
        appeal = self.store.create_appeal(
            source="chat", text=text, category=classify_appeal(self.text).value, channel=self.msg.channel,
            channel_user_id=self.msg.user_id, person_id=person_id, record_id=record.id if record else None,
            region_id=region_id,
        )
        lead = f"已为您转人工服务，工作人员会尽快与您联系（受理编号 {appeal.id}）。"
        if self.state.get("phase") == "asking":
            return [Reply(lead + "您也可以继续填写。"), *self._reprompt()]
        return [Reply(lead)]

    def _locate(self, path: str) -> None:
        """Place a record that the roster did not place, from the subject's own region answer."""
        record = self.record
        campaign = self.store.get_campaign(record.campaign_id)
        on_roster = record.person_id is not None and self.store.roster_entry(campaign.id or 0, record.person_id)
        region = self.store.region_by_path(path)
        if region is not None and not (on_roster and record.region_id is not None):
            record.region_id = region.id
            self.store.session.add(record)
            if record.person_id is not None:
                self.store.update_person(self.store.get_person(record.person_id), region_id=region.id)

    def _is_a_request(self, text: str) -> bool:
        """A free-text answer that says something, not “没有” or “不清楚”."""
        yn = self.u.yes_no(text)
        return bool(text.strip()) and not (isinstance(yn, Parsed) and yn.value in (NO, "unsure", "refuse"))

    def _appeal_from_answer(self, text: str) -> None:
        category = classify_appeal(text).value
        record = self.record
        self.store.create_appeal(
            source="questionnaire", text=text, category=category, channel=self.msg.channel,
            channel_user_id=self.msg.user_id, person_id=record.person_id, record_id=record.id,
            region_id=record.region_id,
        )

    def _record_region(self) -> int | None:
        """The region of the record the conversation is bound to (None before one is)."""
        return self.record.region_id if "record_id" in self.state else None

    def _record_or_none(self) -> Record | None:
        return self.record if "record_id" in self.state else None

    # -- read-back and submission ---------------------------------------------------------

    def _summary(self) -> Reply:
        answers = self.answers()
        env = self.env()
        pending = AfterSubmission(self).pending_lines() if self.record.status == "submitted" else {}
        lines = []
        for q in self.q.questions:
            a = answers.get(q.key)
            if a is None or not self.relevant(q, env):
                continue
            if a.value is None:
                shown = f"（待核实：{a.raw}）" if a.raw and q.type != QType.ID_NUMBER else "（待核实）"
            else:
                shown = display(q, a.value, mask=True)
            lines.append(f"{q.title}：{shown}{pending.get(q.key, '')}")
        text = "请核对您填写的信息：\n" + "\n".join(lines)
        if self.state.get("phase") == "done":
            text += f"\n\n已提交，回执号 {self.record.receipt}。如需修改，请说“把某项改成…”。"
            return Reply(text, kind="summary")
        text += "\n\n需要修改请说“把某项改成…”，例如“把出生日期改成1966年3月”。确认无误请回复“确认提交”。"
        return Reply(text, (Choice("确认提交", "确认提交"), Choice("修改", "修改")), kind="summary")

    def _on_review(self, intent: Intent | None) -> list[Reply]:
        if intent is not None and intent.name not in ("confirm_submit",):
            handled = self._control(intent, None)
            if handled is not None:
                return handled
        phase = self.state.get("phase")
        wants_submit = (intent is not None and intent.name == "confirm_submit") or self.text in _CONFIRM_WORDS
        if phase == "done":
            if wants_submit:
                return [Reply(f"已经提交过了，回执号 {self.record.receipt}。")]
            return [self._summary()]
        if wants_submit:
            campaign = self.store.get_campaign(self.record.campaign_id)
            if self.record.stage == "returned":  # corrected after being sent back: up the chain again
                self.store.move_record(self.record, "resubmit", "collected", None, "")
            receipt = self.store.submit(self.record, campaign.year)
            self.state["phase"] = "done"
            return [Reply(f"提交成功！您的回执号是 {receipt}，请妥善保存。感谢您的配合！", kind="receipt")]
        if self.text in ("修改", "要修改", "不对", "有错"):
            return [Reply("请告诉我要修改哪一项，例如“把联系电话改成13912345678”或“修改民族”。")]
        return [Reply("请回复“确认提交”，或说“把某项改成…”修改。",
                      (Choice("确认提交", "确认提交"), Choice("修改", "修改")))]


def _holds(source: str, env: Mapping[str, Any]) -> bool:
    return compile_expression(source).holds(env)


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)
