"""The app's safety net for bad input: no request can make a 500 by what it sends, and no error echoes it.

* Validation errors (422) name where and what is wrong, never the value sent: FastAPI's own
  answer repeats the input, so a 10 MB message came back as a 10 MB error and a too-long password
  was shown back.
* A number or text the database cannot hold (``integer out of range`` on PostgreSQL, a Python
  int beyond 64 bits on SQLite, a NUL character in PostgreSQL text, a value too long for its
  column) is answered 422; typed parameters (:mod:`admin.params`) refuse most of these at the
  door, this catches what a route forgot.
* Text that cannot be encoded (a lone UTF-16 surrogate that got past the body guard) is 400.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

log = logging.getLogger(__name__)

OUT_OF_RANGE = "a value in the request is out of range or not allowed here (a number too large, or a NUL character)"
NOT_ENCODABLE = "the request contains text that is not valid Unicode (an unpaired UTF-16 surrogate)"
_SCALARS = (str, int, float, bool)


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
    return JSONResponse({"detail": OUT_OF_RANGE}, status_code=422)


async def _not_encodable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": NOT_ENCODABLE}, status_code=400)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(UnicodeEncodeError, _not_encodable)
