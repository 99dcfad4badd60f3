"""The collector's console: phone and door-to-door interviews, with speech recognition filling the form.

A collector (or a reviewer or admin) picks a person from the campaign's roster in their region, or
types an ID number, says that the notice was read out and agreed to, and chooses how the interview
is held: by phone or at the door. The interview is an ordinary conversation of the engine on the
channel ``phone`` or ``visit`` whose user id names the collector and the person
(:func:`storage.fieldwork.interview_user`), so every answer is stored with that channel and the
actor ``collector:<staff id>``, and the same questionnaire decides what is asked.

HTTP (JSON, under ``/api/interviews``, in the OpenAPI document):

* ``GET /api/interviews/roster?questionnaire=…`` the roster in the caller's region, masked;
* ``POST /api/interviews`` open (or continue) an interview: 201 with its state;
* ``GET /api/interviews/{id}`` its state; ``POST /api/interviews/{id}/answer`` a typed answer.

WebSocket ``/api/interviews/{id}/listen`` (same-origin, the console's session cookie), the live
microphone. The client sends JSON commands as text frames and audio as binary frames of 16 kHz mono
16-bit little-endian PCM:

* ``{"type": "listen"}`` starts an utterance, recognised with the grammar of the question asked
  (answered ``{"type": "listening", "grammar": bool}``); then binary frames; the server answers
  ``{"type": "partial", "text"}`` as words come, and ``{"type": "heard", "text", "confidence",
  "doubtful", "unknown", "value", "problem"}`` when the person stops speaking (Vosk's endpoint),
  after ``{"type": "stop"}``, or after 30 seconds;
* ``{"type": "accept"}`` takes what was heard (the clip is kept, sealed, with the answer; no
  read-back, the collector checked it); ``{"type": "text", "text"}`` a typed answer or correction
  (with the clip of a pending hearing as evidence); ``{"type": "repeat"}`` drops the hearing.
  Each of these is answered ``{"type": "turn", "replies", "question", "phase", "answered"}``.
* Problems are ``{"type": "error", "message"}`` in Chinese; the socket stays open.

Recognition and database work run in worker threads, never on the event loop; the transcriber's
bounded pool caps how many run at once.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from pydantic import BaseModel, Field

from admin.access import Scope, not_found, require, scope_of
from admin.console import ConsoleDep
from admin.deps import STAFF_COOKIE, CurrentStaff, RuntimeDep, UnitOfWork, UowDep
from admin.params import DbId, Offset
from admin.runtime import Runtime
from admin.security import staff_for_token
from bot.engine import Pending, campaign_of
from bot.grammar import ends_at_first_pause, phrases_for
from bot.messages import Incoming, Reply
from bot.questionnaire import CHOICE_TYPES, QType, Question, Questionnaire
from bot.values import display, encode
from nlu.idcard import parse_id_number
from nlu.result import NotUnderstood, Parsed
from storage.crypto import mask_id_number, mask_name, mask_phone
from storage.fieldwork import get_conversation, interview_user, parse_interview_user, roster_page
from storage.models import Person
from storage.repo import NotFound, Store
from storage.staff import Staff
from storage.staff_repo import StaffStore
from voice.api import Stream, StreamingTranscriber, Transcript, VoiceError
from voice.audio import BYTES_PER_SECOND, SAMPLE_RATE

log = logging.getLogger(__name__)

T = TypeVar("T")
MODES = {"phone": "电话采集", "visit": "入户采集"}
MAX_UTTERANCE_SECONDS = 30.0
MAX_FRAME_BYTES = 64 * 1024  # a client sends about 3.2 KB (100 ms) per frame
MAX_TEXT = 2000

NO_VOICE = "语音识别没有开启（未配置 INTAKE_VOSK_MODEL），请直接输入文字。"
VOICE_BUSY = "语音识别正忙，请稍等几秒再试，或者直接输入文字。"
NOTHING_HEARD = "还没有识别结果，请先点“开始说话”。"
EMPTY_TEXT = "请输入回答的内容。"


class InterviewIn(BaseModel):
    """Open an interview: who (a roster person or an ID number), which questionnaire, how, with consent."""

    questionnaire: str = Field(min_length=1, max_length=64)
    mode: Literal["phone", "visit"]
    person_id: DbId | None = None
    id_number: str | None = Field(default=None, max_length=40)
    consent: bool = Field(description="the notice was read out to the person and they agreed")


class AnswerIn(BaseModel):
    """A typed answer (or a control phrase such as 返回, 跳过, 确认提交)."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    message_id: str | None = Field(default=None, max_length=80)


class PersonOut(BaseModel):
    """The person interviewed, as the collector needs them to make the call (ID number masked)."""

    id: int
    name: str | None
    id_number: str
    phone: str | None
    region: str | None


class QuestionOut(BaseModel):
    """The question asked, for the console's form."""

    key: str
    title: str
    type: str
    options: list[str]
    multiple: bool
    required: bool
    unit: str | None
    help: str | None
    section: str
    voice: Literal["grammar", "free", "none"]  # how a spoken answer to it is recognised


class InterviewOut(BaseModel):
    """The state of an interview."""

    id: int
    questionnaire: str
    title: str
    mode: str
    person: PersonOut
    record_id: int | None
    phase: str
    question: QuestionOut | None
    answered: int
    replies: list[dict[str, Any]]
    voice: bool  # speech recognition is available


class RosterItem(BaseModel):
    """One person of the roster, masked."""

    person_id: int
    name: str | None
    id_number: str
    phone: str | None
    region: str | None
    status: str  # not_started | in_progress | submitted


class RosterOut(BaseModel):
    """A page of the roster."""

    total: int
    items: list[RosterItem]


class _OutOfScope(Exception):
    """The person lies outside the staff member's region (answered 404, like a person that does not exist)."""


@dataclass(frozen=True)
class Interview:
    """A collector's interview: its conversation and the person."""

    conversation_id: int
    channel: str
    user_id: str
    questionnaire: str
    staff_id: int
    person_id: int
    record_id: int | None


# -- helpers shared by the routes and the socket ----------------------------------------------


def _questionnaire(rt: Runtime, name: str) -> Questionnaire:
    q = rt.questionnaires.get(name)
    if q is None:
        raise HTTPException(status_code=422, detail=f"no questionnaire named {name!r}")
    if q.subject.kind != "person":
        raise HTTPException(status_code=422, detail=f"questionnaire {name!r} is about villages, not persons; "
                                                    "it is filled in the chat")
    return q


def voice_mode(rt: Runtime, q: Question | None) -> Literal["grammar", "free", "none"]:
    """How a spoken answer to ``q`` is recognised here."""
    if rt.transcriber is None or q is None:
        return "none"
    return "grammar" if phrases_for(q) else "free"


def question_out(rt: Runtime, q: Questionnaire, key: str | None) -> QuestionOut | None:
    """The form description of a question."""
    if key is None or key not in q.by_key:
        return None
    question = q.by_key[key]
    if question.type in CHOICE_TYPES:
        options = [o.label for o in question.options]
    elif question.type == QType.YES_NO:
        options = ["是", "否"]
    else:
        options = []
    return QuestionOut(
        key=key, title=question.title, type=question.type.value, options=options,
        multiple=question.type == QType.MULTI, required=question.required, unit=question.unit,
        help=question.help or None, section=q.section_of[key].title, voice=voice_mode(rt, question),
    )


def _person_out(store: Store, person: Person, region_path: str | None) -> PersonOut:
    return PersonOut(id=person.id or 0, name=store.person_name(person),
                     id_number=mask_id_number(store.person_id_number(person)),
                     phone=store.person_phone(person), region=region_path)


def _state(rt: Runtime, store: Store, interview: Interview, replies: list[Reply]) -> InterviewOut:
    """The interview's state after a turn."""
    q = rt.questionnaires[interview.questionnaire]
    pending = rt.engine.pending(store, interview.channel, interview.user_id)
    conv = get_conversation(store, interview.conversation_id)
    record_id = conv.record_id if conv is not None else interview.record_id
    person = store.get_person(interview.person_id)
    region_path = None
    answered = 0
    if record_id is not None:
        record = store.get_record(record_id)
        answered = len(store.current_answers(record_id))
        region = StaffStore(store.session).region(record.region_id) if record.region_id else None
        region_path = region.path if region else None
    return InterviewOut(
        id=interview.conversation_id, questionnaire=q.name, title=q.campaign.title or q.title,
        mode=interview.channel, person=_person_out(store, person, region_path), record_id=record_id,
        phase=pending.phase, question=question_out(rt, q, pending.question), answered=answered,
        replies=[r.to_dict() for r in replies], voice=rt.transcriber is not None,
    )


def _interview(store: Store, staff: Staff, scope: Scope, conversation_id: int) -> Interview | None:
    """The caller's own interview with this id, if its record lies in their region."""
    conv = get_conversation(store, conversation_id)
    if conv is None or conv.channel not in MODES:
        return None
    owner = parse_interview_user(conv.channel_user_id)
    if owner is None or owner[0] != staff.id:
        return None
    if conv.record_id is not None and not scope.covers(store.get_record(conv.record_id).region_id):
        return None
    return Interview(conv.id or 0, conv.channel, conv.channel_user_id, conv.questionnaire, owner[0], owner[1],
                     conv.record_id)


def _visible(uow: UnitOfWork, staff: Staff, interview_id: int) -> Interview:
    require(uow.staff, staff, "collect")
    found = _interview(uow.store, staff, scope_of(uow.staff, staff), interview_id)
    if found is None:
        raise not_found(uow.staff, staff, "interview", interview_id)
    return found


def _incoming(interview: Interview, staff: Staff, text: str, **extra: Any) -> Incoming:
    return Incoming(channel=interview.channel, user_id=interview.user_id, text=text,
                    actor=f"collector:{staff.id}", message_id=extra.pop("message_id", None) or uuid.uuid4().hex,
                    **extra)


def wav_bytes(pcm: bytes) -> bytes:
    """16 kHz mono 16-bit PCM as a WAV file (the clip kept as evidence)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return out.getvalue()


# -- the HTTP routes ---------------------------------------------------------------------------


def _open(rt: Runtime, staff: Staff, scope: Scope, body: InterviewIn, q: Questionnaire,
          number: str | None) -> InterviewOut:
    """Find or create the person and open the interview, in one unit of work."""

    def work(store: Store) -> InterviewOut:
        campaign = campaign_of(store, q, rt.settings.campaign_year)
        if body.person_id is not None:
            try:
                person = store.get_person(body.person_id)
            except NotFound:
                raise _OutOfScope from None
        else:
            assert number is not None
            found = store.find_person(number)
            person = found or store.create_person(number, source="collector", region_id=staff.region_id)
        roster = store.roster_entry(campaign.id or 0, person.id or 0)
        region_id = roster.region_id if roster and roster.region_id else person.region_id
        if region_id is None and body.id_number:
            # a person nobody has placed yet, met by this collector: they are in the collector's region
            store.update_person(person, region_id=staff.region_id)
            region_id = staff.region_id
        if not scope.covers(region_id):
            raise _OutOfScope
        user = interview_user(staff.id or 0, person.id or 0)
        replies = rt.engine.begin_interview(store, body.mode, user, q.name, person, datetime.now(UTC))
        conv = store.conversation(body.mode, user)
        assert conv is not None and conv.id is not None
        if conv.record_id is not None:
            record = store.get_record(conv.record_id)
            if record.region_id is None:
                record.region_id = region_id
                store.session.add(record)
        interview = Interview(conv.id, body.mode, user, q.name, staff.id or 0, person.id or 0, conv.record_id)
        StaffStore(store.session).audit("interview_open", staff=staff, target_type="record",
                                        target_id=conv.record_id, detail=f"{body.mode} {q.name}")
        return _state(rt, store, interview, replies)

    return rt.chat.within(work)


router = APIRouter(prefix="/api/interviews", tags=["interviews"])


@router.get("/roster", response_model=RosterOut)
def roster(staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
           questionnaire: Annotated[str, Query(max_length=64)],
           limit: Annotated[int, Query(ge=1, le=200)] = 50,
           offset: Offset = 0) -> RosterOut:
    """The people of a campaign's roster in the caller's region (masked), the ones not yet done first."""
    require(uow.staff, staff, "collect")
    q = _questionnaire(rt, questionnaire)
    campaign = uow.store.campaign_by_key(f"{q.name}-{rt.settings.campaign_year}")
    if campaign is None:  # nothing imported and nobody collected yet
        return RosterOut(total=0, items=[])
    scope = scope_of(uow.staff, staff)
    total, rows = roster_page(uow.store, campaign.id or 0, scope.region_ids, limit=limit, offset=offset)
    uow.staff.audit("roster_read", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=f"{len(rows)} rows")
    return RosterOut(total=total, items=[RosterItem(
        person_id=r.person_id, name=mask_name(r.name) if r.name else None, id_number=mask_id_number(r.id_number),
        phone=mask_phone(r.phone) if r.phone else None, region=r.region_path,
        status=r.record_status or "not_started") for r in rows])


@router.post("", response_model=InterviewOut, status_code=201)
def open_interview(body: InterviewIn, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> InterviewOut:
    """Open (or continue) an interview of a roster person or of the person with an ID number."""
    require(uow.staff, staff, "collect")
    q = _questionnaire(rt, body.questionnaire)
    if not body.consent:
        raise HTTPException(status_code=422, detail="consent is required: read the notice out to the person "
                                                    "and record their agreement first")
    if (body.person_id is None) == (body.id_number is None):
        raise HTTPException(status_code=422, detail="give exactly one of person_id and id_number")
    number = None
    if body.id_number is not None:
        parsed = parse_id_number(body.id_number, datetime.now(UTC).date())
        if isinstance(parsed, NotUnderstood):
            raise HTTPException(status_code=422, detail=f"id_number is not a valid ID number ({parsed.reason})")
        number = str(parsed.value.number)
    scope = scope_of(uow.staff, staff)
    try:
        return _open(rt, staff, scope, body, q, number)
    except _OutOfScope:
        raise not_found(uow.staff, staff, "person", body.person_id or "by-id-number") from None


@router.get("/{interview_id}", response_model=InterviewOut)
def read_interview(interview_id: DbId, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> InterviewOut:
    """The state of one of the caller's interviews, with the pending prompt."""
    interview = _visible(uow, staff, interview_id)
    return rt.chat.within(lambda store: _state(
        rt, store, interview, rt.engine.resume(store, interview.channel, interview.user_id)))


@router.post("/{interview_id}/answer", response_model=InterviewOut)
def answer(interview_id: DbId, body: AnswerIn, staff: CurrentStaff, uow: UowDep, rt: RuntimeDep) -> InterviewOut:
    """A typed answer, correction or control phrase; a repeated message_id stores nothing twice."""
    interview = _visible(uow, staff, interview_id)
    replies = rt.chat.handle(_incoming(interview, staff, body.text.strip(), message_id=body.message_id))
    return rt.chat.within(lambda store: _state(rt, store, interview, replies))


@router.websocket("/{interview_id}/listen")
async def listen(websocket: WebSocket, interview_id: DbId) -> None:
    """The live microphone of an interview (see the module's docstring for the protocol)."""
    rt: Runtime = websocket.app.state.runtime
    if not _same_origin(websocket):
        log.warning("interview socket refused: cross-origin request")
        await websocket.close(code=1008)
        return
    opened = await asyncio.to_thread(_authorise, rt, _socket_token(websocket), interview_id)
    if opened is None:
        await websocket.close(code=1008)
        return
    staff, interview = opened
    await websocket.accept()
    live = LiveInterview(rt, staff, interview)
    try:
        await websocket.send_json(await live.state())
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("bytes") is not None:
                outgoing = await live.audio(message["bytes"])
            else:
                outgoing = await live.command(message.get("text") or "")
            for out in outgoing:
                await websocket.send_json(out)
    except WebSocketDisconnect:
        pass


def _socket_token(websocket: WebSocket) -> str | None:
    auth = websocket.headers.get("authorization")
    if auth and auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return websocket.cookies.get(STAFF_COOKIE)


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin with every WebSocket: it must be this host (no cross-site hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser (a script with a bearer token)
    return urlsplit(origin).netloc == websocket.headers.get("host")


def _authorise(rt: Runtime, token: str | None, interview_id: int) -> tuple[Staff, Interview] | None:
    """The staff member of a socket and their interview, or None (refused; audited when logged in)."""
    with rt.store_scope() as store:
        staff_store = StaffStore(store.session)
        staff = staff_for_token(staff_store, token, datetime.now(UTC)) if token else None
        if staff is None:
            return None
        if staff.role not in ("collector", "reviewer", "region_admin", "system_admin"):
            staff_store.audit("denied", staff=staff, target_type="collect", target_id=interview_id, result="denied")
            return None
        interview = _interview(store, staff, scope_of(staff_store, staff), interview_id)
        if interview is None:
            staff_store.audit("read_interview", staff=staff, target_type="interview", target_id=interview_id,
                              result="not_found")
            return None
        return staff, interview


class LiveInterview:
    """One socket's interview: the utterance being heard, and the hearing waiting to be accepted."""

    def __init__(self, rt: Runtime, staff: Staff, interview: Interview) -> None:
        self.rt = rt
        self.staff = staff
        self.interview = interview
        self.q = rt.questionnaires[interview.questionnaire]
        self.stream: Stream | None = None
        self.pcm = bytearray()
        self.pending: Pending | None = None
        self.partial = ""
        self.heard: Transcript | None = None
        self.heard_pcm: bytes | None = None

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work)

    async def state(self) -> dict[str, Any]:
        """The opening message: where the interview stands."""
        def work() -> InterviewOut:
            return self.rt.chat.within(lambda store: _state(
                self.rt, store, self.interview,
                self.rt.engine.resume(store, self.interview.channel, self.interview.user_id)))

        return {"type": "turn", **(await self._run(work)).model_dump(mode="json")}

    async def command(self, raw: str) -> list[dict[str, Any]]:
        """A JSON command from the client."""
        try:
            message = json.loads(raw)
        except ValueError:
            return [_error("消息格式不对，请刷新页面后再试。")]
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "listen":
            return await self._listen()
        if kind == "stop":
            return await self._finish() if self.stream is not None else []
        if kind == "repeat":
            self._drop()
            return [{"type": "ready"}]
        if kind == "accept":
            if self.heard is None or self.heard_pcm is None:
                return [_error(NOTHING_HEARD)]
            heard, clip = self.heard, self.heard_pcm
            self._drop()
            return [await self._turn(heard.text, audio=wav_bytes(clip), audio_format="wav",
                                     confidence=heard.confidence, verified=True)]
        if kind == "text":
            text = str(message.get("text") or "").strip()[:MAX_TEXT]
            if not text:
                return [_error(EMPTY_TEXT)]
            pending_clip = self.heard_pcm
            self._drop()
            if pending_clip is not None:  # a correction of what was heard: the clip stays as evidence
                return [await self._turn(text, audio=wav_bytes(pending_clip), audio_format="wav", verified=True)]
            return [await self._turn(text)]
        return [_error("不认识的操作，请刷新页面后再试。")]

    async def audio(self, data: bytes) -> list[dict[str, Any]]:
        """A chunk of microphone audio."""
        stream = self.stream
        if stream is None:
            return []  # the tail of an utterance already heard
        if len(data) > MAX_FRAME_BYTES or len(data) % 2:
            self._drop()
            return [_error("收到的声音数据不对，请刷新页面后再试。")]
        self.pcm += data
        try:
            ended = await self._run(lambda: stream.feed(data))
            partial = await self._run(stream.partial)
        except VoiceError:
            self._drop()
            return [_error(VOICE_BUSY)]
        out: list[dict[str, Any]] = []
        if partial != self.partial:
            self.partial = partial
            out.append({"type": "partial", "text": partial})
        if ended or stream.seconds >= MAX_UTTERANCE_SECONDS:
            out.extend(await self._finish())
        return out

    async def _listen(self) -> list[dict[str, Any]]:
        transcriber = self.rt.transcriber
        if transcriber is None or not hasattr(transcriber, "stream"):
            return [_error(NO_VOICE)]
        streaming: StreamingTranscriber = transcriber  # type: ignore[assignment]
        self._drop()

        def start() -> tuple[Pending, list[str] | None]:
            with self.rt.store_scope() as store:
                pending = self.rt.engine.pending(store, self.interview.channel, self.interview.user_id)
                grammar = self.rt.engine.grammar_for(store, self.interview.channel, self.interview.user_id)
            return pending, grammar

        pending, grammar = await self._run(start)
        self.pending = pending
        quick = ends_at_first_pause(self.q.by_key.get(pending.question or ""), yes_no=pending.yes_no)
        try:
            self.stream = await self._run(lambda: streaming.stream(grammar, quick_end=quick))
        except VoiceError:
            return [_error(VOICE_BUSY)]
        return [{"type": "listening", "grammar": bool(grammar)}]

    async def _finish(self) -> list[dict[str, Any]]:
        stream, self.stream = self.stream, None
        if stream is None:
            return []
        try:
            heard = await self._run(stream.finish)
        except VoiceError:
            return [_error(VOICE_BUSY)]
        pcm, self.pcm, self.partial = bytes(self.pcm), bytearray(), ""
        unknown = heard.unknown or not heard.text
        self.heard, self.heard_pcm = (None, None) if unknown else (heard, pcm)
        value, problem = (None, None) if unknown else self._preview(heard.text)
        return [{
            "type": "heard", "text": heard.text, "confidence": round(heard.confidence, 2),
            "doubtful": heard.confidence < self.rt.engine.config.low_confidence, "unknown": unknown,
            "value": value, "problem": problem, "seconds": round(len(pcm) / BYTES_PER_SECOND, 2),
        }]

    def _preview(self, text: str) -> tuple[str | None, str | None]:
        """What the heard text would fill in: the value shown, or why it is not understood."""
        pending = self.pending
        u = self.rt.understanding
        if pending is None:
            return None, None
        if pending.yes_no:
            parsed = u.yes_no(text)
            labels = {"yes": "是", "no": "否", "unsure": "不清楚", "refuse": "不愿回答"}
            if isinstance(parsed, Parsed):
                return labels.get(str(parsed.value), str(parsed.value)), None
            return None, parsed.message
        if pending.question is None or pending.question not in self.q.by_key:
            return None, None
        question = self.q.by_key[pending.question]
        result = u.parse(question, text, datetime.now(UTC))
        if isinstance(result, Parsed):
            return display(question, encode(question, result.value)), None
        return None, result.message

    def _drop(self) -> None:
        self.stream = None
        self.pcm = bytearray()
        self.partial = ""
        self.heard = None
        self.heard_pcm = None

    async def _turn(self, text: str, **extra: Any) -> dict[str, Any]:
        """Hand an answer to the chat service as the collector, and describe the new state."""
        interview = self.interview
        msg = _incoming(interview, self.staff, text, **extra)

        def work() -> InterviewOut:
            replies = self.rt.chat.handle(msg)
            return self.rt.chat.within(lambda store: _state(self.rt, store, interview, replies))

        return {"type": "turn", **(await self._run(work)).model_dump(mode="json")}


def _error(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}



# -- the console's pages -------------------------------------------------------------------------

STATUS_LABELS = {"not_started": "未开始", "in_progress": "填写中", "submitted": "已提交"}


def collect_pages() -> APIRouter:
    """The collector's pages of the console: the roster to pick from, and the interview."""
    pages = APIRouter(prefix="/admin/collect", include_in_schema=False)

    @pages.get("")
    def picker(c: ConsoleDep, questionnaire: str = "", offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            require(c.uow.staff, staff, "collect")
            choices = [(name, q) for name, q in sorted(c.rt.questionnaires.items()) if q.subject.kind == "person"]
            names = [name for name, _ in choices]
            default = c.rt.settings.default_questionnaire
            chosen = questionnaire if questionnaire in names else default if default in names else names[0]
            start = max(offset, 0)
            page = roster(staff, c.uow, c.rt, questionnaire=chosen, limit=50, offset=start)
            return {"choices": choices, "chosen": chosen, "page": page, "offset": start, "size": 50,
                    "modes": MODES, "status_labels": STATUS_LABELS, "voice": c.rt.transcriber is not None}

        return c.page("collect", "collect.html", build)

    @pages.get("/{interview_id}")
    def interview_page(c: ConsoleDep, interview_id: DbId) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            state = read_interview(interview_id, staff, c.uow, c.rt)
            return {"s": state, "modes": MODES}

        return c.page("collect", "interview.html", build)

    return pages
