"""The FastAPI application factory: ``create_app(settings)`` wires every route to one Runtime."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import FastAPI, Request

from admin.api import appeals as appeals_api
from admin.api import audit as audit_api
from admin.api import auth as auth_api
from admin.api import changes as changes_api
from admin.api import declarations as declarations_api
from admin.api import forms as forms_api
from admin.api import identity as identity_api
from admin.api import persons as persons_api
from admin.api import points as points_api
from admin.api import reconcile as reconcile_api
from admin.api import records as records_api
from admin.api import reports as reports_api
from admin.api import signatures as signatures_api
from admin.api import visits as visits_api
from admin.api import workflow as workflow_api
from admin.api.interview_live import router as interview_socket_router
from admin.api.interviews import router as interviews_router
from admin.channels import ChannelAdapter, build_channels, channel_routers
from admin.console.collect import collect_pages
from admin.console.forms import form_pages
from admin.console.pages import console_router
from admin.console.visits import visit_pages
from admin.console.workflow import workflow_pages
from admin.outbox import OutboxDispatcher
from admin.runtime import Runtime, build_runtime
from admin.services.access import staff_pass
from admin.settings import Settings
from admin.web import errors
from admin.web.body_guard import JsonBodyGuard
from admin.web.csrf import CsrfMiddleware
from admin.web.deps import STAFF_COOKIE
from admin.web.docs import docs_router
from admin.web.headers import SecurityHeaders
from admin.web.login import LoginGate, LoginService
from admin.web.security import staff_for_token
from bot.channels.web import web_chat_router
from bot.messages import StaffPass
from storage.db import session_scope
from storage.staff_repo import StaffStore


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, login_gate: LoginGate | None = None
) -> FastAPI:
    """Build the app; the runtime is created at start-up unless one is given (tests, the CLI)."""
    settings = settings or (runtime.settings if runtime else Settings())
    gate = login_gate or LoginGate()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        rt = runtime or build_runtime(settings)
        app.state.runtime = rt
        app.state.login = LoginService(rt.db, rt.settings.secret_key, gate)
        app.state.channels = build_channels(rt.settings, rt.chat)
        started: list[ChannelAdapter] = []
        app.state.outbox = OutboxDispatcher(rt, app.state.channels)
        delivery: asyncio.Task[None] | None = None
        try:
            for channel in app.state.channels.values():
                await channel.start()
                started.append(channel)
            if app.state.outbox.pushers():
                delivery = asyncio.create_task(app.state.outbox.run(), name="outbox")
            yield
        finally:
            if delivery is not None:
                delivery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await delivery
            for channel in reversed(started):
                await channel.stop()
            if own:
                rt.close()

    # /docs is served from this site (admin.web.docs); ReDoc would load from a CDN and is off
    app = FastAPI(title="intake", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    errors.install(app)

    def current() -> Runtime:
        rt: Runtime = app.state.runtime
        return rt

    # innermost first: the body guard, then CSRF, then the headers (which every answer gets, refusals too)
    app.add_middleware(JsonBodyGuard)
    app.add_middleware(CsrfMiddleware, cookie=STAFF_COOKIE, secret=lambda: current().settings.secret_key)
    app.add_middleware(SecurityHeaders)
    app.include_router(docs_router(app.title))
    app.include_router(web_chat_router(lambda: current().chat, lambda: current().questionnaires,
                                       lambda request: console_staff_pass(current(), request)))
    app.include_router(auth_api.router)
    app.include_router(signatures_api.router)  # before the records' /{record_id} routes
    app.include_router(records_api.router)
    app.include_router(appeals_api.router)
    app.include_router(reports_api.router)
    app.include_router(workflow_api.router)
    app.include_router(changes_api.router)
    app.include_router(identity_api.router)
    app.include_router(declarations_api.router)
    app.include_router(persons_api.router)
    app.include_router(audit_api.router)
    app.include_router(reconcile_api.router)
    app.include_router(forms_api.router)
    app.include_router(interviews_router)
    app.include_router(interview_socket_router)
    app.include_router(console_router())
    app.include_router(workflow_pages())
    app.include_router(collect_pages())
    app.include_router(form_pages())
    app.include_router(visits_api.router)
    app.include_router(points_api.router)
    app.include_router(visit_pages())
    for router in channel_routers(lambda name: getattr(app.state, "channels", {}).get(name)):
        app.include_router(router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, object]:
        rt = current()
        return {"status": "ok", "questionnaires": sorted(rt.questionnaires), "channels": channel_status(rt.settings)}

    return app


def console_staff_pass(rt: Runtime, request: Request) -> StaffPass | None:
    """The staff member logged in to the console in the browser of a web-chat request, if any.

    The console's cookie counts only for a request from this site's own pages: a request another site
    makes the browser send (its Origin names another host) is treated as anonymous.
    """
    token = request.cookies.get(STAFF_COOKIE)
    origin = request.headers.get("origin")
    if not token or (origin is not None and urlsplit(origin).netloc != request.headers.get("host")):
        return None
    with session_scope(rt.db) as session:
        staff_store = StaffStore(session)
        return staff_pass(staff_store, staff_for_token(staff_store, token, datetime.now(UTC)))


def channel_status(settings: Settings) -> dict[str, bool]:
    """Which channels are configured."""
    return {
        "web": True,
        "wechat": bool(settings.wechat_token and settings.wechat_appid),
        "telegram": bool(settings.telegram_token),
    }
