"""One demo conversation driven through the real chat service, as a channel or the collector's console would.

A person on a self-service channel agrees to the notice, gives their ID number and the code the SMS
gateway was asked to send to their registered phone; a collector opens an interview of a roster
person (the console's path); a village form is filled in the web chat by a logged-in collector. Then
every question the engine asks is answered with the words the person would type, until the read-back
(and "确认提交") or until the person stops. Relevance, rules, parsing, sealing and flags are the engine's.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from admin.demo.signature import scribble
from admin.demo.speech import utterance
from admin.demo.timeline import Timeline
from admin.demo.values import GARBLED
from admin.demo.world import DemoError
from bot.messages import Incoming, Reply, StaffPass
from bot.questionnaire import Question, Questionnaire
from bot.service import ChatService
from storage.fieldwork import interview_user
from storage.modes import CONSOLE_CHANNELS
from storage.repo import Store
from storage.signatures import NoSignatureReason

CONSENT = "同意"
SUBMIT = "确认提交"
YES = "是"
MAX_TURNS = 200  # a questionnaire the engine cannot get through in this many turns is a bug to show
HUMAN_TAKEN = "转人工服务"  # what the engine says when it has queued the request
MAX_TRIES = 3  # the same question asked this often: the engine refuses what the person says


class DemoSms:
    """The demo's SMS gateway: keeps the codes it is asked to send (a demo sends nothing to any phone)."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def send_code(self, phone: str, code: str, ttl_minutes: int) -> None:
        """Keep the code for the demo person to type."""
        del phone, ttl_minutes
        self.codes.append(code)


@dataclass
class Script:
    """How one conversation goes: the values said, what goes wrong on the way, where it stops."""

    value_of: Callable[[Question], Any]  # the value the person means (admin.demo.values), kept as said
    stop_after: int | None = None  # answers given before the person stops (a record in progress)
    spoken: bool = False  # heard by speech recognition (a collector's interview): confidences below 1
    garble: str | None = None  # a question answered in words nobody can read (said twice)
    low_key: str | None = None  # a question heard with low confidence
    misstated: dict[str, Any] = field(default_factory=dict)  # key -> a value said instead (and insisted on)
    human: str | None = None  # "转人工" said after the first answers


@dataclass
class Outcome:
    """What a conversation left: the record it filled and whether it was submitted."""

    record_id: int | None
    answered: int
    submitted: bool


class Talk:
    """A conversation of one channel user with the chat service, with a clock that moves on each message."""

    def __init__(self, chat: ChatService, sms: DemoSms, q: Questionnaire, channel: str, user: str, at: datetime,
                 rng: random.Random, timeline: Timeline, *, staff: StaffPass | None = None,
                 actor: str | None = None) -> None:
        self.chat = chat
        self.timeline = timeline
        self.sms = sms
        self.q = q
        self.channel = channel
        self.user = user
        self.at = at
        self.rng = rng
        self.staff = staff
        self.actor = actor
        self.replies: list[Reply] = []

    # -- opening -------------------------------------------------------------------------------

    def open_self(self, id_number: str) -> None:
        """A person on a self-service channel: the notice, the ID number, the SMS code."""
        self.timeline.mark(self.at)
        self.replies = self.chat.resume(self.channel, self.user, self.q.name, self.staff)
        self._expect("notice")
        self.say(CONSENT)
        before = len(self.sms.codes)
        self.say(id_number)
        if len(self.sms.codes) == before:
            raise DemoError(f"{self.q.name}: no identification code was sent for a roster person with a phone")
        self.say(self.sms.codes[-1])

    def open_interview(self, person_id: int, staff_id: int) -> None:
        """A collector's interview of a roster person, opened as the console opens it (the notice read out)."""
        self.user = interview_user(staff_id, person_id)
        self.actor = f"collector:{staff_id}"
        at, channel, user, name = self.at, self.channel, self.user, self.q.name
        engine = self.chat.engine

        def begin(store: Store) -> list[Reply]:
            return engine.begin_interview(store, channel, user, name, store.people.get(person_id), at)

        self.timeline.mark(self.at)
        self.replies = self.chat.within(begin)

    def open_village(self, village: str) -> None:
        """A village form in the web chat, by a logged-in collector: the notice, then the village's name."""
        self.timeline.mark(self.at)
        self.replies = self.chat.resume(self.channel, self.user, self.q.name, self.staff)
        self._expect("notice")
        self.say(CONSENT)
        self.say(village)

    # -- talking -------------------------------------------------------------------------------

    def say(self, text: str, confidence: float | None = None) -> list[Reply]:
        """Send one message a little after the last one; keep the replies."""
        self.at += timedelta(seconds=self.rng.uniform(10, 90))
        msg = Incoming(channel=self.channel, user_id=self.user, text=text, at=self.at, message_id=uuid.uuid4().hex,
                       questionnaire=self.q.name, actor=self.actor, confidence=confidence, staff=self.staff)
        self.timeline.mark(self.at)
        self.replies = self.chat.handle(msg)
        return self.replies

    def run(self, script: Script) -> Outcome:
        """Answer what the engine asks until the read-back (then submit) or until the script stops."""
        said: dict[str, str] = {}
        tries: dict[str, int] = {}
        answered = 0
        asked_for_human = False
        for _ in range(MAX_TURNS):
            last = self.replies[-1] if self.replies else None
            if last is None:
                raise DemoError(f"{self.q.name}: the chat gave no reply")
            if last.kind == "summary":
                if script.stop_after is not None:
                    break  # stopped before the read-back would have been confirmed
                self._finish()
                return Outcome(self._record_id(), answered, submitted=True)
            if last.kind == "receipt":
                return Outcome(self._record_id(), answered, submitted=True)
            key = last.question
            if key is None or key not in self.q.by_key:
                raise DemoError(f"{self.q.name}: expected a question, the chat replied {last.kind!r}")
            if script.stop_after is not None and answered >= script.stop_after:
                break
            if script.human and not asked_for_human and answered >= 2:
                self.say(script.human)  # "转人工" in the middle: the engine asks the same question again
                asked_for_human = True
                if not any(HUMAN_TAKEN in r.text for r in self.replies):
                    raise DemoError(f"{self.q.name}: the chat did not take a request for a person")
                continue
            tries[key] = tries.get(key, 0) + 1
            if tries[key] > MAX_TRIES:
                raise DemoError(f"{self.q.name}: the engine keeps asking {key!r}: {last.text}")
            if last.kind == "confirm":  # "上次登记的是…，现在还是这样吗？": the roster value still holds
                self.say(YES)
                answered += 1
                continue
            if key not in said:
                said[key] = self._words(script, key)
            self.say(said[key], self._confidence(script, key))
            if tries[key] == 1:
                answered += 1
        if script.human and not asked_for_human:
            self.say(script.human)
        return Outcome(self._record_id(), answered, submitted=False)

    def _words(self, script: Script, key: str) -> str:
        question = self.q.by_key[key]
        if key == script.garble:
            return GARBLED.get(key, "嗯……这个不好说")
        value = script.misstated[key] if key in script.misstated else script.value_of(question)
        return utterance(question, value)

    def _confidence(self, script: Script, key: str) -> float | None:
        if key == script.low_key:
            return round(self.rng.uniform(0.35, 0.58), 2)
        return round(self.rng.uniform(0.72, 0.99), 2) if script.spoken else None

    def _finish(self) -> None:
        if self.channel in CONSOLE_CHANNELS:  # 签字确认 before a collector submits
            self._sign()
        self.say(SUBMIT)
        self._expect("receipt", last_only=False)

    def _expect(self, kind: str, last_only: bool = True) -> None:
        kinds = [self.replies[-1].kind] if last_only and self.replies else [r.kind for r in self.replies]
        if kind not in kinds:
            raise DemoError(f"{self.q.name}: expected {kind!r} from the chat, got {kinds}")

    def _sign(self) -> None:
        """The person signs on the collector's screen at the door; on the phone, the reason there is none."""
        record_id = self._record_id()
        staff_id = int(self.actor.split(":")[1]) if self.actor and ":" in self.actor else 0
        png = scribble(self.rng) if self.channel != "phone" else None

        def sign(store: Store) -> None:
            signatures = store.signatures
            if png is None:
                signatures.not_signed(record_id or 0, NoSignatureReason.PHONE, None, staff_id)
            else:
                blob = store.blobs.put("signature", "image/png", png)
                signatures.signed(record_id or 0, blob.id or 0, staff_id)

        self.chat.within(sign)

    def _record_id(self) -> int | None:
        channel, user = self.channel, self.user

        def find(store: Store) -> int | None:
            conv = store.conversations.find(channel, user)
            return conv.record_id if conv is not None else None

        return self.chat.within(find)

