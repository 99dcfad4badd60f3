"""The dialogue engine: an incoming message plus stored state in, a list of replies out.

The engine never sends anything: channels call :meth:`Engine.handle` inside a unit of work and deliver
the replies. The questionnaire files decide what is asked; the engine decides the order (the first
required, relevant, unanswered question), reads answers through :class:`~bot.understanding.Understanding`,
checks constraints and cross-field rules, stores every answer with its provenance and flags doubtful ones
for review. Each message is one :class:`~bot.dialogue.turn.Turn` over a typed
:class:`~bot.dialogue.state.DialogueState`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.answer_types import Mask
from bot.dialogue.state import DialogueState, Phase
from bot.dialogue.turn import Turn
from bot.dialogue.voice import grammar
from bot.forms import FormCatalog
from bot.messages import Incoming, Reply, StaffPass
from bot.questionnaire import Questionnaire
from bot.understanding import Understanding
from storage.models import Campaign, Conversation, Person, Record
from storage.repo import Store
from voice.api import Transcriber


@dataclass(frozen=True)
class EngineConfig:
    """The engine's knobs, taken from the settings at start-up."""

    campaign_year: int
    default_questionnaire: str = "veterans"
    low_confidence: float = 0.6


@dataclass(frozen=True)
class Pending:
    """What a conversation waits for next."""

    phase: str  # a Phase value, or "none" for no conversation
    question: str | None  # the key of the question asked, in the asking phase
    yes_no: bool  # a yes/no is expected (a known value to confirm, a read-back, a warning, the notice)


class Secrecy(StrEnum):
    """What a message answering the pending prompt may hold that must not be kept in clear."""

    NONE = "none"
    ID_NUMBER = "id_number"  # the ID number asked to identify the person, or an ID-like answer
    PHONE = "phone"
    CODE = "code"  # the one-time SMS code


@dataclass(frozen=True)
class TurnOutcome:
    """The replies of a turn, and what a transcript of it needs to know."""

    replies: list[Reply]
    conversation_id: int | None  # None: no conversation is kept (none begun, or the person refused)
    restarted: bool  # the conversation started again (重新开始 confirmed)
    secrecy: Secrecy  # what the message answered


def secrecy_of(q: Questionnaire, state: DialogueState) -> Secrecy:
    """What the answer to a state's pending prompt may hold."""
    if state.phase == Phase.IDENTIFY:
        return Secrecy.ID_NUMBER
    if state.phase == Phase.FACTOR:
        return Secrecy.CODE
    question = q.by_key.get(state.current or "") if state.phase == Phase.ASKING else None
    if question is not None and question.mask == Mask.ID_NUMBER:
        return Secrecy.ID_NUMBER
    if question is not None and question.mask == Mask.PHONE:
        return Secrecy.PHONE
    return Secrecy.NONE


def pending_of(state: DialogueState) -> Pending:
    """What a dialogue state waits for."""
    current = state.current if state.phase == Phase.ASKING else None
    yes_no = bool(state.confirming or state.readback or state.warning) or state.phase in (
        Phase.NOTICE, Phase.RESTART_CONFIRM)
    return Pending(state.phase.value, current, yes_no)


def campaign_of(store: Store, q: Questionnaire, year: int) -> Campaign:
    """The campaign of a questionnaire in a year, created on first need (with its reference date), pinned to
    the questionnaire's newest published form version when it has none (its new records start under it)."""
    campaign = store.campaigns.ensure(q.name, q.version, year, q.campaign.title, q.campaign.reference_for(year))
    if campaign.form_version_id is None:
        newest = store.forms.newest_published(q.name)
        if newest is not None:
            store.forms.pin(campaign, newest)
    return campaign


class Engine:
    """Runs conversations over the questionnaires; shared by every channel."""

    def __init__(
        self,
        questionnaires: Mapping[str, Questionnaire],
        understanding: Understanding,
        config: EngineConfig,
        transcriber: Transcriber | None = None,
        forms: FormCatalog | None = None,
    ) -> None:
        self.questionnaires = questionnaires
        self.forms = forms or FormCatalog(questionnaires)
        self.understanding = understanding
        self.config = config
        self.transcriber = transcriber

    def questionnaire_of(self, store: Store, name: str, record: Record | None) -> Questionnaire:
        """What a conversation asks from: its record's form version, or before a record the current one."""
        return self.forms.of(store.forms, name, record.form_version_id if record is not None else None)

    def _state(self, store: Store, conv: Conversation) -> DialogueState:
        return DialogueState.load(store.conversations.state(conv))

    def handle(self, store: Store, msg: Incoming) -> list[Reply]:
        """Process one message and return the replies to send."""
        return self.handle_turn(store, msg).replies

    def handle_turn(self, store: Store, msg: Incoming) -> TurnOutcome:
        """Process one message: the replies, and the conversation they belong to."""
        secrecy = Secrecy.NONE
        conv = store.conversations.find(msg.channel, msg.user_id)
        if conv is None:
            name = msg.questionnaire or self.config.default_questionnaire
            if name not in self.questionnaires:
                return TurnOutcome([Reply("抱歉，没有找到这份问卷，请联系工作人员。", kind="error")], None, False, secrecy)
            conv = Conversation(channel=msg.channel, channel_user_id=msg.user_id, questionnaire=name)
            store.conversations.add(conv)
            turn = Turn(self, store, msg, conv, DialogueState())
            from bot.dialogue.control import Control
            from bot.dialogue.opening import Opening

            intent = turn.intent() if turn.text else None
            if intent is not None and intent.name == "human":
                replies = [*Control(turn).human(), *Opening(turn).notice()]  # a first message asking for a person
            else:
                replies = Opening(turn).notice()
        else:
            turn = Turn(self, store, msg, conv, self._state(store, conv))
            secrecy = secrecy_of(turn.q, turn.state)
            replies = turn.run()
        if turn.dropped:
            return TurnOutcome(replies, None, False, secrecy)
        store.conversations.save(conv, turn.state.dump())
        return TurnOutcome(replies, conv.id, turn.restarted, secrecy)

    def grammar_for(self, store: Store, channel: str, user_id: str) -> list[str] | None:
        """The speech grammar for a person's next answer: the pending question's phrases, or yes/no."""
        conv = store.conversations.find(channel, user_id)
        if conv is None or conv.questionnaire not in self.questionnaires:
            return None
        record = store.records.get(conv.record_id) if conv.record_id is not None else None
        return grammar(self.questionnaire_of(store, conv.questionnaire, record), pending_of(self._state(store, conv)))

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
        conv = store.conversations.find(channel, user_id)
        if conv is not None:
            return self.resume(store, channel, user_id)
        q = self.questionnaires[questionnaire]
        if q.subject.kind != "person":
            raise ValueError(f"questionnaire {questionnaire} is not about persons")
        conv = Conversation(channel=channel, channel_user_id=user_id, questionnaire=questionnaire)
        store.conversations.add(conv)
        state = DialogueState(phase=Phase.IDENTIFY, notice_accepted_at=consent_at)
        turn = Turn(self, store, Incoming(channel=channel, user_id=user_id, at=consent_at), conv, state)
        if isinstance(subject, Record):
            turn.bind(subject)
            state.phase = Phase.ASKING
            replies = turn.ask_next()
        else:
            replies = turn.open_person_record(subject, raw=None)
        store.conversations.save(conv, state.dump())
        return replies

    def pending(self, store: Store, channel: str, user_id: str) -> Pending:
        """What a conversation waits for: its phase, the question asked, and whether a yes/no is expected."""
        conv = store.conversations.find(channel, user_id)
        return Pending("none", None, False) if conv is None else pending_of(self._state(store, conv))

    def resume(
        self, store: Store, channel: str, user_id: str, questionnaire: str | None = None,
        staff: StaffPass | None = None,
    ) -> list[Reply]:
        """The replies for a person opening the chat: the notice for a new one, else where they left off."""
        conv = store.conversations.find(channel, user_id)
        if conv is None:
            return self.handle(store, Incoming(channel=channel, user_id=user_id, questionnaire=questionnaire,
                                               staff=staff))
        turn = Turn(self, store, Incoming(channel=channel, user_id=user_id, staff=staff), conv,
                    self._state(store, conv))
        replies = turn.where_we_are()
        store.conversations.save(conv, turn.state.dump())
        return replies
