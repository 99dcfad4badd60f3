"""What the HTTP channel routes share: reading a request body no larger than a limit."""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.datastructures import FormData
from starlette.types import Message


async def read_limited(request: Request, limit: int, what: str) -> bytes:
    """The request body, read as it arrives; 413 at once when Content-Length says it is larger than
    ``limit``, and as soon as the stream passes ``limit`` bytes (nothing more is read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"{what} too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail=f"{what} too large")
    return bytes(body)


async def read_form_limited(request: Request, limit: int, what: str) -> FormData:
    """A multipart form of at most ``limit`` bytes, read with :func:`read_limited` and then parsed.

    FastAPI's ``File()`` parameters receive the whole upload (a 300 MB "photo" was read to the end
    before its 413); reading the body here first bounds what is received and kept.
    """
    body = await read_limited(request, limit, what)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=1, max_fields=10)
