"""FastAPI dependencies of the staff API: the runtime, a unit of work, the logged-in staff member."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Cookie, Depends, Header, HTTPException, Path, Request

from admin.runtime import Runtime
from admin.security import staff_for_token
from storage.db import session_scope
from storage.repo import Store
from storage.staff import Staff
from storage.staff_repo import StaffStore

STAFF_COOKIE = "intake_staff"
MAX_ROW_ID = 2**31 - 1  # row ids are 32-bit integers on PostgreSQL: a larger one is refused (422), never a 500

#: a row id in a path
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def get_runtime(request: Request) -> Runtime:
    """The runtime built at start-up."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@dataclass
class UnitOfWork:
    """The stores of one request, sharing one transaction."""

    store: Store
    staff: StaffStore


def get_uow(runtime: RuntimeDep) -> Iterator[UnitOfWork]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    with session_scope(runtime.db) as session:
        yield UnitOfWork(Store(session, runtime.vault), StaffStore(session))


# scope="function": committed before the response is sent, so a client's next request sees what this
# one wrote (a login's session, an answer), and a failed commit is a 500, never a 200
UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


def bearer_token(
    authorization: Annotated[str | None, Header()] = None,
    cookie: Annotated[str | None, Cookie(alias=STAFF_COOKIE)] = None,
) -> str | None:
    """The staff token from ``Authorization: Bearer …`` or the console's cookie."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return cookie


def current_staff(uow: UowDep, token: Annotated[str | None, Depends(bearer_token)]) -> Staff:
    """The logged-in staff member, or 401."""
    staff = staff_for_token(uow.staff, token, datetime.now(UTC)) if token else None
    if staff is None:
        raise HTTPException(status_code=401, detail="login required", headers={"WWW-Authenticate": "Bearer"})
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]
