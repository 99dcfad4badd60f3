"""Appeals (诉求) for hotline staff: the queue, a thread of notes, assignment, the answer back to the person.

A hotline call can also be taken as a recording: ``POST /api/appeals/recordings`` transcribes it,
files the transcript as an appeal and keeps the recording, sealed, for ``GET /api/appeals/{id}/recording``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.types import Message

from admin.services import appeal_views as views
from admin.services import appeals as service
from admin.services.access import not_found, require, scope_of
from admin.services.appeal_views import AppealOut, AppealPage
from admin.web.deps import CurrentStaff, Permitted, RuntimeDep, UowDep
from admin.web.params import DbId, Offset
from nlu.appeals import classify_appeal
from nlu.idcard import parse_id_number
from nlu.result import NotUnderstood
from storage.errors import InvalidInput, TooLarge, Unavailable
from storage.models import Appeal, Person
from storage.staff import Staff
from voice.api import AudioError, VoiceUnavailable
from voice.audio import normalise_format

router = APIRouter(prefix="/api/appeals", tags=["appeals"])

STATUSES = ("new", "assigned", "in_progress", "answered", "closed")
CATEGORIES = ("employment", "housing", "medical", "pension", "placement", "rights", "other")

# 50 MB: 26 minutes of 16 kHz WAV, 55 of 8 kHz telephone WAV; the recogniser takes at most 30 minutes of any
MAX_RECORDING_BYTES = 50 * 1024 * 1024
_FORM_OVERHEAD = 64 * 1024  # room for the multipart framing and the text fields
RECORDING_TOO_LARGE = (f"the recording is larger than {MAX_RECORDING_BYTES // (1024 * 1024)} MB; "
                       "upload a compressed copy (e.g. MP3)")
NO_RECOGNISER = "speech recognition is not configured (INTAKE_VOSK_MODEL)"
_AUDIO_TYPE = re.compile(r"^audio/[a-z0-9.+-]{1,40}$")
_CONTENT_TYPES = {
    "wav": "audio/wav", "wave": "audio/wav", "mp3": "audio/mpeg", "mpeg": "audio/mpeg", "ogg": "audio/ogg",
    "oga": "audio/ogg", "opus": "audio/ogg", "amr": "audio/amr", "m4a": "audio/mp4", "mp4": "audio/mp4",
    "aac": "audio/aac", "3gp": "audio/3gpp", "webm": "audio/webm", "mka": "audio/x-matroska", "flac": "audio/flac",
}


class AppealIn(BaseModel):
    """An appeal taken on the phone."""

    text: str = Field(min_length=2, max_length=5000)
    id_number: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, pattern="^(" + "|".join(CATEGORIES) + ")$")


class NoteIn(BaseModel):
    """A note, or the answer to send back."""

    text: str = Field(min_length=1, max_length=2000)


class AssignIn(BaseModel):
    """Who takes the appeal."""

    username: str = Field(min_length=1, max_length=64)


def _visible(uow: UowDep, staff: Staff, appeal_id: int) -> Appeal:
    return service.visible(uow, staff, scope_of(uow.staff, staff), appeal_id)


Actor = Annotated[Staff, Depends(Permitted("appeals.act"))]
Reader = Annotated[Staff, Depends(Permitted("appeals.read"))]
_out = views.appeal_out


@router.get("", response_model=AppealPage)
def list_appeals(
    staff: Reader, uow: UowDep,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    category: Annotated[str | None, Query(pattern="^(" + "|".join(CATEGORIES) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> AppealPage:
    """The appeals queue of the caller's region."""
    return views.list_appeals(uow, staff, scope_of(uow.staff, staff), status, category, limit, offset)


@router.post("", response_model=AppealOut, status_code=201)
def take_call(body: AppealIn, staff: Actor, uow: UowDep) -> AppealOut:
    """Record an appeal from a hotline call; linked to the person when the ID number is known."""
    number = None
    if body.id_number:
        parsed = parse_id_number(body.id_number, datetime.now(UTC).date())
        if isinstance(parsed, NotUnderstood):
            raise InvalidInput(f"id_number: {parsed.reason}")
        number = parsed.value.number
    appeal = service.take_call(uow, staff, scope_of(uow.staff, staff), body.text, body.category, number)
    return _out(uow, appeal, with_notes=True)


class _BoundedUpload(APIRoute):
    """A route whose request body may not exceed the recording limit: a larger one is refused (413) unread."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The usual handler, fed through a byte counter."""
        handler = super().get_route_handler()
        limit = MAX_RECORDING_BYTES + _FORM_OVERHEAD

        async def bounded(request: Request) -> Response:
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:  # HTTP framing, not the domain: FastAPI turns any
                raise HTTPException(status_code=413, detail=RECORDING_TOO_LARGE)  # other error here into a 400
            received = 0
            receive = request.receive

            async def counted() -> Message:
                nonlocal received
                message = await receive()
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(status_code=413, detail=RECORDING_TOO_LARGE)
                return message

            return await handler(Request(request.scope, counted))

        return bounded


def _audio_format(upload: UploadFile) -> str | None:
    """The format an upload declares by its file name's extension, else by its content type (None: probe)."""
    suffix = PurePath(upload.filename or "").suffix
    return normalise_format(suffix) if suffix else normalise_format(upload.content_type)


def _content_type(upload: UploadFile, fmt: str | None) -> str:
    """The content type the recording is played back with."""
    declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
    if _AUDIO_TYPE.match(declared):
        return declared
    return _CONTENT_TYPES.get(fmt or "", "application/octet-stream")


def _caller_in_area(uow: UowDep, staff: Staff, id_number: str) -> Person | None:
    return service.caller_in_area(uow, scope_of(uow.staff, staff), id_number)


def take_recorded_call(
    staff: CurrentStaff, uow: UowDep, rt: RuntimeDep,
    file: Annotated[UploadFile, File(description="the call recording: WAV, MP3, OGG/Opus, M4A, AMR, FLAC…")],
    id_number: Annotated[str | None, Form(max_length=40)] = None,
    category: Annotated[str | None, Form(pattern="^(" + "|".join(CATEGORIES) + ")$")] = None,
    note: Annotated[str | None, Form(max_length=2000)] = None,
) -> AppealOut:
    """Transcribe a hotline call recording into an appeal; the recording is kept, sealed, as its evidence."""
    require(uow.staff, staff, "appeals.act")
    transcriber = rt.transcriber
    if transcriber is None:
        raise Unavailable(NO_RECOGNISER)
    number = None
    if id_number and id_number.strip():
        parsed = parse_id_number(id_number, datetime.now(UTC).date())
        if isinstance(parsed, NotUnderstood):
            raise InvalidInput(f"id_number: {parsed.reason}")
        number = parsed.value.number
    audio = file.file.read(MAX_RECORDING_BYTES + 1)
    if len(audio) > MAX_RECORDING_BYTES:
        raise TooLarge(RECORDING_TOO_LARGE)
    fmt = _audio_format(file)
    # Recognising a long call takes a while: end the read transaction of the login check first, so no
    # connection or snapshot is held meanwhile (this route runs in the threadpool, off the event loop).
    uow.store.session.commit()
    try:
        heard = transcriber.transcribe(audio, fmt)
    except AudioError as exc:
        raise InvalidInput(f"file: {exc}") from exc
    except VoiceUnavailable as exc:
        raise Unavailable(str(exc), retry_after=30) from exc
    if not heard.text.strip():
        raise InvalidInput("file: no speech was recognised in the recording")
    person = _caller_in_area(uow, staff, number) if number else None
    region_id = person.region_id if person and person.region_id else staff.region_id
    appeal = uow.store.appeals.create(source="hotline", text=heard.text,
                                     category=category or classify_appeal(heard.text).value, channel="phone",
                                     person_id=person.id if person else None, region_id=region_id)
    blob = uow.store.blobs.put("audio", _content_type(file, fmt), audio)
    uow.store.appeals.add_recording(appeal, blob, seconds=heard.seconds, confidence=heard.confidence,
                                   mean_confidence=heard.mean_confidence)
    if note and note.strip():
        uow.store.appeals.add_note(appeal, note.strip(), "note", staff.id)
    uow.staff.audit("upload_recording", staff=staff, target_type="appeal", target_id=appeal.id,
                    detail=f"blob {blob.id}; {heard.seconds:.0f} s, {len(audio)} bytes, {fmt or 'probed'}; "
                           f"person {'linked' if person else 'not linked'}")
    return _out(uow, appeal, with_notes=True)


router.add_api_route(
    "/recordings", take_recorded_call, methods=["POST"], response_model=AppealOut, status_code=201,
    route_class_override=_BoundedUpload, form_limits={"max_files": 1, "max_fields": 8, "max_part_size": 16 * 1024},
    summary="Take a hotline call from its recording",
)


@router.get("/{appeal_id}", response_model=AppealOut)
def read_appeal(appeal_id: DbId, staff: Reader, uow: UowDep) -> AppealOut:
    """An appeal with its thread."""
    return views.read_appeal(uow, staff, scope_of(uow.staff, staff), appeal_id)


@router.post("/{appeal_id}/assign", response_model=AppealOut)
def assign(appeal_id: DbId, body: AssignIn, staff: Actor, uow: UowDep) -> AppealOut:
    """Give the appeal to a staff member of the same area."""
    appeal = service.assign(uow, staff, scope_of(uow.staff, staff), appeal_id, body.username)
    return _out(uow, appeal, with_notes=True)


@router.post("/{appeal_id}/notes", response_model=AppealOut)
def add_note(appeal_id: DbId, body: NoteIn, staff: Actor, uow: UowDep) -> AppealOut:
    """Add a note to the thread; the appeal is then in progress."""
    appeal = service.add_note(uow, staff, scope_of(uow.staff, staff), appeal_id, body.text)
    return _out(uow, appeal, with_notes=True)


@router.post("/{appeal_id}/answer", response_model=AppealOut)
def answer(appeal_id: DbId, body: NoteIn, staff: Actor, uow: UowDep, request: Request) -> AppealOut:
    """Answer the person: the text goes back through the channel they used (chat appeals).

    WeChat and Telegram deliver it at once (the outbox dispatcher); the web chat shows it when the
    person next opens it.
    """
    appeal = service.answer(uow, staff, scope_of(uow.staff, staff), appeal_id, body.text)
    out = _out(uow, appeal, with_notes=True)
    outbox = getattr(request.app.state, "outbox", None)
    if outbox is not None:
        outbox.wake()
    return out


@router.post("/{appeal_id}/close", response_model=AppealOut)
def close(appeal_id: DbId, staff: Actor, uow: UowDep) -> AppealOut:
    """Close the appeal."""
    appeal = service.close(uow, staff, scope_of(uow.staff, staff), appeal_id)
    return _out(uow, appeal, with_notes=True)


@router.get("/{appeal_id}/recording")
def play_recording(appeal_id: DbId, staff: CurrentStaff, uow: UowDep) -> Response:
    """The call recording an appeal was transcribed from, as uploaded (played back to staff)."""
    require(uow.staff, staff, "appeals.read", str(appeal_id))
    _visible(uow, staff, appeal_id)
    recording = uow.store.appeals.recording(appeal_id)
    if recording is None:
        raise not_found(uow.staff, staff, "recording", appeal_id)
    content_type, data = uow.store.blobs.read(recording.blob_id)
    uow.staff.audit("play_recording", staff=staff, target_type="appeal", target_id=appeal_id,
                    detail=f"blob {recording.blob_id}")
    return Response(content=data, media_type=content_type,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
