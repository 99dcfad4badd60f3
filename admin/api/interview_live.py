"""The live microphone of a collector's interview: a WebSocket streaming 16 kHz PCM to the recogniser.

WebSocket ``/api/interviews/{id}/listen`` (same-origin, the console's session cookie). The client
sends JSON commands as text frames and audio as binary frames of 16 kHz mono 16-bit little-endian PCM:

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
import wave
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from admin.runtime import Runtime
from admin.services.access import PERMISSIONS, Scope, scope_of
from admin.services.interviews import (
    MAX_TEXT,
    Interview,
    InterviewOut,
    find_interview,
    incoming,
    interview_state,
)
from admin.web.deps import STAFF_COOKIE
from admin.web.params import DbId
from admin.web.security import staff_for_token
from bot.dialogue import Pending
from bot.grammar import ends_at_first_pause
from bot.values import display, encode
from nlu.result import Parsed
from storage.staff import Staff
from storage.staff_repo import StaffStore
from voice.api import Stream, StreamingTranscriber, Transcript, VoiceError
from voice.audio import BYTES_PER_SECOND, SAMPLE_RATE

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_UTTERANCE_SECONDS = 30.0
MAX_FRAME_BYTES = 64 * 1024  # a client sends about 3.2 KB (100 ms) per frame

NO_VOICE = "语音识别没有开启（未配置 INTAKE_VOSK_MODEL），请直接输入文字。"
VOICE_BUSY = "语音识别正忙，请稍等几秒再试，或者直接输入文字。"
NOTHING_HEARD = "还没有识别结果，请先点“开始说话”。"
EMPTY_TEXT = "请输入回答的内容。"

router = APIRouter(prefix="/api/interviews", tags=["interviews"])


def wav_bytes(pcm: bytes) -> bytes:
    """16 kHz mono 16-bit PCM as a WAV file (the clip kept as evidence)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return out.getvalue()


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
    staff, scope, interview = opened
    await websocket.accept()
    live = LiveInterview(rt, staff, scope, interview)
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


def _authorise(rt: Runtime, token: str | None, interview_id: int) -> tuple[Staff, Scope, Interview] | None:
    """The staff member of a socket and their interview, or None (refused; audited when logged in)."""
    with rt.store_scope() as store:
        staff_store = StaffStore(store.session)
        staff = staff_for_token(staff_store, token, datetime.now(UTC)) if token else None
        if staff is None:
            return None
        if staff.role not in PERMISSIONS["collect"]:
            staff_store.audit("denied", staff=staff, target_type="collect", target_id=interview_id, result="denied")
            return None
        scope = scope_of(staff_store, staff)
        interview = find_interview(store, staff, scope, interview_id)
        if interview is None:
            staff_store.audit("read_interview", staff=staff, target_type="interview", target_id=interview_id,
                              result="not_found")
            return None
        return staff, scope, interview


class LiveInterview:
    """One socket's interview: the utterance being heard, and the hearing waiting to be accepted."""

    def __init__(self, rt: Runtime, staff: Staff, scope: Scope, interview: Interview) -> None:
        self.rt = rt
        self.staff = staff
        self.scope = scope
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
            return self.rt.chat.within(lambda store: interview_state(
                self.rt, store, self.scope, self.interview,
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
        msg = incoming(interview, self.staff, text, **extra)

        def work() -> InterviewOut:
            replies = self.rt.chat.handle(msg)
            return self.rt.chat.within(lambda store: interview_state(self.rt, store, self.scope, interview, replies))

        return {"type": "turn", **(await self._run(work)).model_dump(mode="json")}


def _error(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}
