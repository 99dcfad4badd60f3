"""FastAPI dependencies of the staff API: the runtime, a unit of work, the logged-in staff member."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from admin.runtime import Runtime
from admin.services.access import keep_refusal, require
from admin.services.uow import UnitOfWork
from admin.web.security import staff_for_token
from storage.errors import IntakeError, Unauthorized
from storage.repo import Store
from storage.staff import Staff
from storage.staff_repo import StaffStore

STAFF_COOKIE = "intake_staff"


def get_runtime(request: Request) -> Runtime:
    """The runtime built at start-up."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_uow(runtime: RuntimeDep) -> Iterator[UnitOfWork]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    A refused request (a domain error carrying an audit entry) is rolled back, then only its audit
    entry is committed: the refusal is on record, nothing the handler did before it is.
    """
    with Session(runtime.db, expire_on_commit=False) as session:
        uow = UnitOfWork(Store(session, runtime.vault), StaffStore(session))
        try:
            yield uow
        except IntakeError as exc:
            session.rollback()
            if exc.refusal is not None:
                keep_refusal(uow.staff, exc)
                session.commit()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()


# scope="function": committed before the response is sent, so a client's next request sees what this
# one wrote (a login's session, an answer), and a failed commit is a 500, never a 200
UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


# Security schemes rather than plain header and cookie parameters: the OpenAPI document then says how
# to authenticate (Swagger UI's "Authorize" button), and generated clients and fuzzers do not take the
# token for an ordinary parameter.
_BEARER = HTTPBearer(auto_error=False, description="the token answered by POST /api/auth/login")
_COOKIE = APIKeyCookie(name=STAFF_COOKIE, auto_error=False,
                       description="the console's session cookie (state changes also need X-CSRF-Token)")


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    cookie: Annotated[str | None, Depends(_COOKIE)],
) -> str | None:
    """The staff token from ``Authorization: Bearer …`` or the console's cookie."""
    if credentials is not None:
        return credentials.credentials.strip() or None
    return cookie


def current_staff(uow: UowDep, token: Annotated[str | None, Depends(bearer_token)]) -> Staff:
    """The logged-in staff member, or :class:`Unauthorized` (401)."""
    staff = staff_for_token(uow.staff, token, datetime.now(UTC)) if token else None
    if staff is None:
        raise Unauthorized("login required")
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]


class Permitted:
    """A dependency: the logged-in staff member, refused (403, audited) unless their role has ``permission``.

    Use as ``staff: Annotated[Staff, Depends(Permitted("records.read"))]``; the path parameter named
    ``target`` (e.g. ``"record_id"``), when given, is the audited target of a refusal.
    """

    def __init__(self, permission: str, target: str | None = None) -> None:
        self.permission = permission
        self.target = target

    def __call__(self, request: Request, staff: CurrentStaff, uow: UowDep) -> Staff:
        # the raw path parameter (checked after this refusal): an id, cut short for the audit log
        target = str(request.path_params.get(self.target, ""))[:64] if self.target else ""
        require(uow.staff, staff, self.permission, target)
        return staff
