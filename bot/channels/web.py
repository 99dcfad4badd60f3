"""The web chat: a mobile-friendly page and a small JSON API over the same engine.

It is the channel for people who open a link, for collectors on mobile terminals and for
service windows. The browser is identified by a random cookie; nothing else is trusted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Cookie, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.formparsers import MultiPartException

from bot.channels.http import read_form_limited
from bot.messages import Incoming, Reply, StaffPass
from bot.questionnaire import Questionnaire
from bot.service import ChatService

COOKIE = "intake_web"
CHANNEL = "web"
MAX_PHOTO_BYTES = 8 * 1024 * 1024
FORM_OVERHEAD = 64 * 1024  # the multipart framing around the photo
# the photo route reads its body itself (bounded); this documents the form it takes
PHOTO_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "JPEG, PNG or WebP, at most 8 MiB"}},
}}}}}
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})

_HERE = Path(__file__).parent
_templates = Jinja2Templates(directory=str(_HERE / "templates"))
# the pages' styles and script are files, not inline, so that they run under a CSP of script-src 'self'
STATIC = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8",
          "index.css": "text/css; charset=utf-8"}


class SendIn(BaseModel):
    """A message typed or tapped in the web chat."""

    text: str = Field(min_length=1, max_length=2000)
    message_id: str | None = Field(default=None, max_length=80)


class RepliesOut(BaseModel):
    """The replies to show."""

    replies: list[dict[str, object]]


class HistoryLine(BaseModel):
    """A message of the conversation so far: ``in`` from the person, ``out`` from the bot."""

    direction: Literal["in", "out"]
    kind: str
    text: str


class ResumeOut(RepliesOut):
    """Where the person left off (``replies``, with their buttons), after the conversation so far (``history``)."""

    history: list[HistoryLine] = Field(default_factory=list)


def web_chat_router(
    service: Callable[[], ChatService], questionnaires: Callable[[], Mapping[str, Questionnaire]],
    staff_of: Callable[[Request], StaffPass | None] | None = None,
) -> APIRouter:
    """Routes of the web chat; ``service`` and ``questionnaires`` are looked up per request.

    ``staff_of`` tells which staff member is logged in to the console in this browser (village forms
    are filled only by a collector of the village); without it nobody is.
    """
    router = APIRouter(tags=["web chat"])

    def _questionnaire(name: str) -> Questionnaire:
        q = questionnaires().get(name)
        if q is None:
            raise HTTPException(status_code=404, detail=f"no questionnaire named {name!r}")
        return q

    def _user(token: str | None, response: Response, name: str) -> str:
        if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
            token = secrets.token_urlsafe(18)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", max_age=180 * 24 * 3600)
        return f"{token}:{name}"

    def _out(replies: list[Reply]) -> RepliesOut:
        return RepliesOut(replies=[r.to_dict() for r in replies])

    @router.get("/static/{file}", include_in_schema=False)
    def static(file: str) -> FileResponse:
        if file not in STATIC:
            raise HTTPException(status_code=404, detail="no such file")
        return FileResponse(_HERE / "static" / file, media_type=STATIC[file], headers={"Cache-Control": "no-cache"})

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        items = sorted(questionnaires().values(), key=lambda q: q.name)
        return _templates.TemplateResponse(request, "index.html", {"questionnaires": items})

    @router.get("/chat/{name}", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request, name: str) -> HTMLResponse:
        q = _questionnaire(name)
        return _templates.TemplateResponse(request, "chat.html", {"q": q})

    @router.get("/chat/{name}/resume", response_model=ResumeOut)
    async def resume(
        name: str, request: Request, response: Response, token: Annotated[str | None, Cookie(alias=COOKIE)] = None
    ) -> ResumeOut:
        """The conversation so far of this browser (its cookie) and where it left off."""
        q = _questionnaire(name)
        user = _user(token, response, name)
        staff = await run_in_threadpool(_sender, request, q)
        lines, replies = await run_in_threadpool(service().reopen, CHANNEL, user, name, staff)
        history = [HistoryLine(direction=line.direction.value, kind=line.kind, text=line.text) for line in lines]
        return ResumeOut(replies=[r.to_dict() for r in replies], history=history)

    def _sender(request: Request, q: Questionnaire) -> StaffPass | None:
        return staff_of(request) if staff_of is not None and q.subject.kind == "village" else None

    def _client(request: Request) -> str | None:
        return request.client.host if request.client else None

    @router.post("/chat/{name}/messages", response_model=RepliesOut)
    async def send(
        name: str, body: SendIn, request: Request, response: Response,
        token: Annotated[str | None, Cookie(alias=COOKIE)] = None,
    ) -> RepliesOut:
        q = _questionnaire(name)
        user = _user(token, response, name)
        staff = await run_in_threadpool(_sender, request, q)
        msg = Incoming(channel=CHANNEL, user_id=user, text=body.text, message_id=body.message_id, questionnaire=name,
                       client=_client(request), staff=staff)
        return _out(await run_in_threadpool(service().handle, msg))

    @router.post("/chat/{name}/photo", response_model=RepliesOut, openapi_extra=PHOTO_BODY)
    async def photo(
        name: str, request: Request, response: Response, token: Annotated[str | None, Cookie(alias=COOKIE)] = None,
    ) -> RepliesOut:
        """A photo for the question that asks for one (multipart ``file``: JPEG, PNG or WebP, at most 8 MiB)."""
        q = _questionnaire(name)
        user = _user(token, response, name)
        try:
            form = await read_form_limited(request, MAX_PHOTO_BYTES + FORM_OVERHEAD, "photo")
        except HTTPException as exc:
            if exc.status_code == 413:
                raise HTTPException(status_code=413, detail="photo larger than 8 MiB") from None
            raise
        except MultiPartException:
            raise HTTPException(status_code=422, detail="the body is not a multipart form with a file") from None
        try:
            file = form.get("file")
            if not isinstance(file, StarletteUpload):
                raise HTTPException(status_code=422, detail="the form has no file field")
            if file.content_type not in PHOTO_TYPES:
                raise HTTPException(status_code=415, detail="photo must be JPEG, PNG or WebP")
            data = await file.read(MAX_PHOTO_BYTES + 1)
            content_type = file.content_type
        finally:
            await form.close()
        if len(data) > MAX_PHOTO_BYTES:
            raise HTTPException(status_code=413, detail="photo larger than 8 MiB")
        msg = Incoming(channel=CHANNEL, user_id=user, image=data, image_type=content_type, questionnaire=name,
                       client=_client(request), staff=await run_in_threadpool(_sender, request, q))
        return _out(await run_in_threadpool(service().handle, msg))

    return router
