"""The chat service: runs the engine inside a unit of work, de-duplicating channel messages."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.engine import Engine as DbEngine

from bot import transcript
from bot.dialogue import Engine
from bot.dialogue.engine import TurnOutcome
from bot.messages import Incoming, Reply, StaffPass
from bot.sms import LogSmsGateway, SmsError, SmsGateway
from storage.crypto import Vault
from storage.db import session_scope
from storage.errors import IntakeError
from storage.identity import IdentityStore, queued_sms
from storage.models import utcnow
from storage.repo import DuplicateMessage, Store
from storage.transcript import Line, Transcripts
from voice.api import AudioError, VoiceUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Channels whose message ids the platform assigns, unique for the account: WeChat's MsgId (or
#: sender, time and event) and Telegram's update id. Everywhere else (the web chat, the collector's
#: console, the terminal) the client chooses the id, so it only means something per sender.
PLATFORM_MESSAGE_IDS = frozenset({"wechat", "telegram"})
#: Channels whose client keeps no history of its own: their conversations are kept as a transcript
#: (WeChat's and Telegram's apps keep theirs), shown again when the chat is opened again.
TRANSCRIPT_CHANNELS = frozenset({"web"})


def message_key(msg: Incoming) -> str:
    """What a message is de-duplicated by: the platform's id, or the sender and the id the client chose.

    Without the sender, a second browser sending an id the first one used would get the first
    one's replies (their answers, names, receipt) and have its own message dropped.
    """
    message_id = msg.message_id or ""
    if msg.channel in PLATFORM_MESSAGE_IDS:
        return message_id
    return "sender:" + hashlib.sha256(f"{msg.user_id}\0{message_id}".encode()).hexdigest()


class ChatService:
    """What every channel adapter calls: one message in, the replies out, committed."""

    def __init__(
        self, engine: Engine, db: DbEngine, vault: Vault, sms: SmsGateway | None = None,
        transcript_channels: frozenset[str] = TRANSCRIPT_CHANNELS,
    ) -> None:
        self.engine = engine
        self.transcript_channels = transcript_channels
        self.db = db
        self.vault = vault
        self.sms: SmsGateway = sms or LogSmsGateway()
        # SQLite allows one writer; serialising turns in-process avoids lock-upgrade failures.
        self._lock: AbstractContextManager[object] = (
            threading.Lock() if db.dialect.name == "sqlite" else nullcontext()
        )

    def handle(self, msg: Incoming) -> list[Reply]:
        """Process a message exactly once; a repeated message id gets the replies it got the first time.

        A voice message is recognised first, outside the unit of work and the SQLite lock, so
        that a long recording never holds up other people's conversations.
        """
        if msg.audio is not None and not msg.text and self.engine.transcriber is not None:
            msg = self._hear(msg)
        outgoing: list[int] = []
        try:
            return self._turn(msg, outgoing)
        finally:
            self._send_codes(outgoing)

    def _turn(self, msg: Incoming, outgoing: list[int]) -> list[Reply]:
        """One committed turn; the ids of the verification SMS it queued are added to ``outgoing``."""
        key = message_key(msg)
        try:
            with self._lock, session_scope(self.db) as session:
                store = Store(session, self.vault)
                if msg.message_id and (msg.audio is not None or msg.image is not None):
                    # a retry of a voice message or photo is answered from the stored replies without doing the
                    # work again; a text message is cheap, and its copy fails on the unique key below
                    seen = store.messages.seen(msg.channel, key)
                    if seen is not None:
                        return [Reply.from_dict(d) for d in seen]
                outcome = self.engine.handle_turn(store, msg)
                replies = _with_outbox(store, msg.channel, msg.user_id, outcome.replies)
                if msg.message_id:
                    # the message and its replies, in the turn's transaction: a copy seen before (a retry) or
                    # handled at the same time fails on the unique key, the whole turn is undone, and the copy
                    # gets the replies stored the first time
                    store.messages.remember(msg.channel, key, [r.to_dict() for r in replies])
                if msg.channel in self.transcript_channels:
                    self._keep(Transcripts(session, self.vault), msg, outcome, replies)
                sms = queued_sms(session)
            outgoing.extend(sms)  # committed: the codes exist, they may be sent
            return replies
        except DuplicateMessage:
            # A copy of the same message was handled first; give the replies it stored.
            return self._stored_replies(msg, key) or []
        except Exception as exc:
            # a retry handled again against the state the first copy left may go wrong where the first did not
            stored = self._stored_replies(msg, key) if msg.message_id else None
            if stored is not None:
                return stored
            if isinstance(exc, IntakeError):  # the domain refused: the person is told in plain words, nothing kept
                log.warning("chat turn refused on %s: %s", msg.channel, type(exc).__name__)
                return [Reply(exc.user_message, kind="error")]
            raise

    @staticmethod
    def _keep(log: Transcripts, msg: Incoming, outcome: TurnOutcome, replies: list[Reply]) -> None:
        """The turn's lines in the transcript, in the turn's transaction (one INSERT; a restart clears it first)."""
        if outcome.conversation_id is None:
            return
        if outcome.restarted:
            log.clear(outcome.conversation_id)
        said = transcript.said(msg, outcome.secrecy)
        log.add(outcome.conversation_id, [*([said] if said else []), *transcript.answered(replies)])

    def _stored_replies(self, msg: Incoming, key: str) -> list[Reply] | None:
        with session_scope(self.db) as session:
            seen = Store(session, self.vault).messages.seen(msg.channel, key)
        return None if seen is None else [Reply.from_dict(d) for d in seen]

    def _send_codes(self, sms_ids: list[int]) -> None:
        """Send the verification SMS a committed turn queued; a refused one is kept for “重新发送”."""
        for sms_id in sms_ids:
            with session_scope(self.db) as session:
                ids = IdentityStore(Store(session, self.vault))
                pending = ids.claim_sms(sms_id, utcnow())
            if pending is None:
                continue
            try:
                self.sms.send_code(pending.phone, pending.code, pending.ttl_minutes)
            except SmsError as exc:
                log.warning("verification SMS %s not sent: %s", sms_id, exc)
                with session_scope(self.db) as session:
                    IdentityStore(Store(session, self.vault)).sms_failed(sms_id)
                continue
            with session_scope(self.db) as session:
                IdentityStore(Store(session, self.vault)).sms_sent(sms_id)

    def _hear(self, msg: Incoming) -> Incoming:
        """Recognise a voice message with the grammar of the person's pending question."""
        transcriber = self.engine.transcriber
        assert transcriber is not None
        if msg.message_id:
            with session_scope(self.db) as session:
                if Store(session, self.vault).messages.seen(msg.channel, message_key(msg)) is not None:
                    return msg  # a retry: answered from the stored replies without hearing it again
        with session_scope(self.db) as session:
            grammar = self.engine.grammar_for(Store(session, self.vault), msg.channel, msg.user_id)
        try:
            heard = transcriber.transcribe(msg.audio or b"", msg.audio_format, grammar)
        except VoiceUnavailable:
            return replace(msg, voice_problem="unavailable")
        except AudioError:
            return replace(msg, voice_problem="audio")
        if not heard.text or heard.unknown:
            return replace(msg, voice_problem="unheard")
        return replace(msg, text=heard.text, confidence=heard.confidence)

    def within(self, work: Callable[[Store], T]) -> T:
        """Run ``work`` in one committed unit of work, taking turns with the conversations (one SQLite writer)."""
        with self._lock, session_scope(self.db) as session:
            return work(Store(session, self.vault))

    def resume(
        self, channel: str, user_id: str, questionnaire: str | None = None, staff: StaffPass | None = None
    ) -> list[Reply]:
        """What to show a person who opens the chat: the notice, or where they left off."""
        with self._lock, session_scope(self.db) as session:
            store = Store(session, self.vault)
            replies = self.engine.resume(store, channel, user_id, questionnaire, staff)
            return _with_outbox(store, channel, user_id, replies)

    def reopen(
        self, channel: str, user_id: str, questionnaire: str | None = None, staff: StaffPass | None = None
    ) -> tuple[list[Line], list[Reply]]:
        """What to show a person who opens the chat again: the history before, and where they left off.

        Only for a channel that keeps transcripts. The messages waiting for the person join the
        transcript; the prompt shown again does only when nothing is kept yet (the notice of a new
        conversation), and the history leaves out its copy at the end.
        """
        with self._lock, session_scope(self.db) as session:
            store = Store(session, self.vault)
            prompt = self.engine.resume(store, channel, user_id, questionnaire, staff)
            replies = _with_outbox(store, channel, user_id, prompt)
            conv = store.conversations.find(channel, user_id)
            if conv is None or conv.id is None or channel not in self.transcript_channels:
                return [], replies
            log = Transcripts(session, self.vault)
            waiting = replies[:len(replies) - len(prompt)]
            log.add(conv.id, transcript.answered(replies if log.is_empty(conv.id) else waiting))
            return transcript.earlier(log.lines(conv.id), replies), replies


def _with_outbox(store: Store, channel: str, user_id: str, replies: list[Reply]) -> list[Reply]:
    """Messages waiting for this person (an appeal's answer) come before the replies to what they said."""
    waiting = [Reply(f"工作人员回复您：{text}", kind="message") for text in store.outbox.take(channel, user_id)]
    return [*waiting, *replies]
