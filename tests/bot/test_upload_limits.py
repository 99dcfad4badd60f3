"""The unauthenticated photo upload is bounded: refused by Content-Length at once, and read no further than
the limit when the body streams without one."""

from __future__ import annotations

import anyio
import pytest
from fastapi import HTTPException, Request
from fastapi.testclient import TestClient
from starlette.types import Message

from admin.app import create_app
from admin.runtime import Runtime
from bot.channels.http import read_form_limited, read_limited
from bot.channels.web import MAX_PHOTO_BYTES
from tests.bot.test_web_chat_api import _png

CHUNK = 64 * 1024


class Stream:
    """A client sending ``chunks`` chunks of 64 KiB; counts how many the server asked for."""

    def __init__(self, chunks: int, declared: int | None = None) -> None:
        self.chunks = chunks
        self.received = 0
        headers = [(b"content-type", b"multipart/form-data; boundary=x")]
        if declared is not None:
            headers.append((b"content-length", str(declared).encode()))
        self.request = Request({"type": "http", "method": "POST", "path": "/chat/veterans/photo", "headers": headers,
                                "query_string": b""}, self.receive)

    async def receive(self) -> Message:
        self.received += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": self.received < self.chunks}


def _refused(stream: Stream, limit: int) -> int:
    async def main() -> int:
        with pytest.raises(HTTPException) as caught:
            await read_limited(stream.request, limit, "photo")
        return caught.value.status_code

    return anyio.run(main)


def test_a_declared_size_over_the_limit_is_refused_before_reading() -> None:
    stream = Stream(chunks=300 * 16, declared=300 * 1024 * 1024)  # a 300 MB "photo"
    assert _refused(stream, MAX_PHOTO_BYTES) == 413 and stream.received == 0


def test_a_stream_without_a_size_is_read_no_further_than_the_limit() -> None:
    stream = Stream(chunks=300 * 16)
    assert _refused(stream, MAX_PHOTO_BYTES) == 413
    assert stream.received == MAX_PHOTO_BYTES // CHUNK + 1  # one chunk past the limit, not 4,800


def test_a_form_within_the_limit_is_parsed() -> None:
    body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    body += _png() + b"\r\n--x--\r\n"

    async def main() -> bytes:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        request = Request({"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": [
            (b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", str(len(body)).encode())]},
            receive)
        form = await read_form_limited(request, 1024 * 1024, "photo")
        try:
            upload = form["file"]
            assert not isinstance(upload, str)
            return await upload.read()
        finally:
            await form.close()

    assert anyio.run(main) == _png()


def test_the_photo_route_refuses_large_uploads(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        client.get("/chat/veterans/resume")
        r = client.post("/chat/veterans/photo", content=b"--x--\r\n", headers={
            "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(300 * 1024 * 1024)})
        assert (r.status_code, r.json()["detail"]) == (413, "photo larger than 8 MiB")
        big = b"\x89PNG" + b"\0" * (MAX_PHOTO_BYTES + 1024)
        r = client.post("/chat/veterans/photo", files={"file": ("a.png", big, "image/png")})
        assert r.status_code == 413
        r = client.post("/chat/veterans/photo", files={"other": ("a.png", _png(), "image/png")})
        assert r.status_code == 422
        r = client.post("/chat/veterans/photo", files={"file": ("a.png", _png(), "image/png")})
        assert r.status_code == 200 and r.json()["replies"]
