"""Login, logout and who-am-I."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from admin.services.accounts import StaffPublic, staff_public
from admin.web.deps import STAFF_COOKIE, CurrentStaff, RuntimeDep, UowDep, bearer_token
from admin.web.login import LoginService
from admin.web.security import AuthError, Login, csrf_token, logout
from storage.errors import IntakeError, Locked, TooMany, Unauthorized, Unavailable


class LoginIn(BaseModel):
    """Credentials."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(BaseModel):
    """A bearer token, shown once, and the CSRF token a client using the cookie instead must send."""

    token: str
    csrf_token: str = Field(description="send as X-CSRF-Token with state-changing requests authenticated "
                                        "by the cookie (not needed with Authorization: Bearer)")
    expires_at: datetime
    staff: StaffPublic


router = APIRouter(prefix="/api/auth", tags=["auth"])

_MESSAGES = {
    "invalid": "wrong username or password",
    "locked": "too many failed logins: the account is locked for 15 minutes",
    "inactive": "the account is disabled",
    "client_limited": "too many failed logins from this address: try again later",
    "busy": "too many logins at once: try again in a few seconds",
}


def refused(exc: AuthError) -> IntakeError:
    """The domain error a refused login is answered with: 401, 423 (locked), 429 or 503 (with Retry-After)."""
    detail = _MESSAGES[exc.reason]
    if exc.reason == "locked":
        return Locked(detail, retry_after=exc.retry_after)
    if exc.reason == "client_limited":
        return TooMany(detail, retry_after=exc.retry_after)
    if exc.reason == "busy":
        return Unavailable(detail, retry_after=exc.retry_after)
    return Unauthorized(detail)


def _public(login: Login) -> StaffPublic:
    staff = login.staff
    return StaffPublic(id=staff.id or 0, username=staff.username, display_name=staff.display_name, role=staff.role,
                       region_id=staff.region_id, region_path=login.region_path)


@router.post("/login", response_model=LoginOut,
             responses={423: {"description": "locked"}, 429: {"description": "too many failures from this client"},
                        503: {"description": "too many logins at once"}})
async def login(body: LoginIn, response: Response, request: Request, rt: RuntimeDep) -> LoginOut:
    """Exchange a username and password for a bearer token (also set as an HttpOnly cookie)."""
    service: LoginService = request.app.state.login
    client = request.client.host if request.client else "unknown"
    try:
        result = await service.log_in(body.username, body.password, client, datetime.now(UTC))
    except AuthError as exc:
        raise refused(exc) from None
    # Secure (HTTPS only) in production, which runs behind HTTPS, and whenever the request came over HTTPS
    secure = rt.settings.env == "production" or request.url.scheme == "https"
    response.set_cookie(STAFF_COOKIE, result.token, httponly=True, samesite="strict", secure=secure,
                        max_age=int((result.expires_at - datetime.now(UTC)).total_seconds()))
    return LoginOut(token=result.token, csrf_token=csrf_token(rt.settings.secret_key, result.token),
                    expires_at=result.expires_at, staff=_public(result))


@router.post("/logout", status_code=204)
def do_logout(staff: CurrentStaff, uow: UowDep, token: Annotated[str | None, Depends(bearer_token)]) -> Response:
    """End the current login: the token stops working at once."""
    if token:
        logout(uow.staff, token)
    uow.staff.audit("logout", staff=staff)
    response = Response(status_code=204)
    response.delete_cookie(STAFF_COOKIE)
    return response


@router.get("/me", response_model=StaffPublic)
def me(staff: CurrentStaff, uow: UowDep) -> StaffPublic:
    """The logged-in account."""
    return staff_public(uow, staff)


