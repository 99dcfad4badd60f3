"""What the HTTP channel routes share: reading a request body no larger than a limit."""

from __future__ import annotations

from fastapi import HTTPException, Request


async def read_limited(request: Request, limit: int, what: str) -> bytes:
    """The request body, read as it arrives; 413 as soon as it passes ``limit`` bytes (nothing more is read)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail=f"{what} too large")
    return bytes(body)
