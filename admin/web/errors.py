"""How errors are answered: the domain's tree as HTTP problems, and a safety net for bad input.

* Every :class:`~storage.errors.IntakeError` (and every ``HTTPException`` left) is answered as an
  RFC 9457 problem, ``application/problem+json`` with ``type``, ``title``, ``status`` and ``detail``
  (English, for staff); the class decides the status (a storage ``NotFound`` is 404, never 500).
  ``Unauthorized`` adds ``WWW-Authenticate: Bearer``; ``TooMany`` and ``Unavailable`` add
  ``Retry-After`` when they know one.
* Validation errors (422) keep FastAPI's shape (``detail``: a list of errors) and name where and
  what is wrong, never the value sent: FastAPI's own answer repeats the input, so a 10 MB message came back as a 10 MB error and a too-long password
  was shown back.
* A number or text the database cannot hold (``integer out of range`` on PostgreSQL, a Python
  int beyond 64 bits on SQLite, a NUL character in PostgreSQL text, a value too long for its
  column) is answered 422; typed parameters (:mod:`admin.web.params`) refuse most of these at the
  door, this catches what a route forgot.
* Text that cannot be encoded (a lone UTF-16 surrogate that got past the body guard) is 400.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from storage.errors import IntakeError, Unauthorized

log = logging.getLogger(__name__)

OUT_OF_RANGE = "a value in the request is out of range or not allowed here (a number too large, or a NUL character)"
NOT_ENCODABLE = "the request contains text that is not valid Unicode (an unpaired UTF-16 surrogate)"
_SCALARS = (str, int, float, bool)
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:intake:problem:"  # + the error's class name, e.g. urn:intake:problem:NotFound
_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           409: "Conflict", 413: "Content too large", 415: "Unsupported media type", 422: "Invalid input",
           423: "Locked", 429: "Too many requests", 500: "Internal error", 503: "Service unavailable"}


def problem(status: int, detail: str, *, title: str | None = None, type_: str = "about:blank",
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An RFC 9457 problem response (``detail`` is English and never carries what the client sent)."""
    body = {"type": type_, "title": title or _TITLES.get(status, "Error"), "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def problem_of(exc: IntakeError) -> JSONResponse:
    """The problem response of a domain error: status and title by its class, its English detail."""
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    return problem(exc.status, exc.detail, title=exc.title, type_=PROBLEM_TYPE + exc.code, headers=headers or None)


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """Pydantic's errors without the input: type, location, message and the limits (``ctx``) only."""
    out: list[dict[str, Any]] = []
    for error in errors:
        item: dict[str, Any] = {"type": error.get("type"), "loc": list(error.get("loc", ())), "msg": error.get("msg")}
        ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, _SCALARS) and len(str(v)) <= 200}
        if ctx:
            item["ctx"] = ctx
        out.append(item)
    return out


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_details(exc.errors())}, status_code=422)


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    log.info("refused a value the database cannot hold: %s %s (%s)", request.method, request.url.path,
             type(exc).__name__)
    return problem(422, OUT_OF_RANGE)


async def _not_encodable(request: Request, exc: Exception) -> JSONResponse:
    return problem(400, NOT_ENCODABLE)


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IntakeError)
    if exc.status >= 500:
        log.warning("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    return problem_of(exc)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304) or exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    return problem(exc.status_code, detail, headers=exc.headers)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(IntakeError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(UnicodeEncodeError, _not_encodable)
