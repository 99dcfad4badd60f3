"""Property-based fuzzing of the staff API from its OpenAPI document (Schemathesis): no input is a 5xx.

Every documented operation gets a bounded number of generated requests, valid ones (that fit the
schema) and invalid ones (that do not: wrong types, huge numbers, missing fields, odd strings), as
a logged-in system administrator and as nobody, in-process against the app on SQLite and
PostgreSQL. Generation is derandomized (a fixed seed per operation), so a run is repeatable.
The logout runs last, so that the token stays valid for the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from admin.app import create_app
from admin.runtime import Runtime
from admin.web.security import create_staff
from storage.staff_repo import StaffStore
from tests.admin.conftest import PW
from tests.admin.test_access_table import FakeTranscriber

EXAMPLES = 40  # per operation (valid and invalid, as each principal): about 43 × 40 ≈ 1,700 requests per backend
LAST = ("POST /api/auth/logout",)


@dataclass
class Failure:
    """A request answered with a server error."""

    operation: str
    who: str
    status: int
    request: str


def _request(client: TestClient, kwargs: dict[str, Any], auth: dict[str, str]) -> int:
    """Send one generated request through the test client; the status code."""
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "x-schemathesis-testcaseid"}
    cookies = kwargs.get("cookies") or {}
    if cookies:
        jar: SimpleCookie = SimpleCookie()
        for name, value in cookies.items():
            jar[str(name)] = str(value)
        headers["Cookie"] = "; ".join(f"{m.key}={m.coded_value}" for m in jar.values())
    headers.update(auth)
    body: dict[str, Any] = {}
    if kwargs.get("json") is not None or "json" in kwargs:
        body["content"] = json.dumps(kwargs.get("json")).encode()
        headers.setdefault("Content-Type", "application/json")
    if kwargs.get("files"):
        body["files"] = kwargs["files"]
        if isinstance(kwargs.get("data"), dict):
            body["data"] = kwargs["data"]
    elif isinstance(kwargs.get("data"), dict):
        body["data"] = kwargs["data"]
    elif isinstance(kwargs.get("data"), str | bytes):
        body["content"] = kwargs["data"] if isinstance(kwargs["data"], bytes) else kwargs["data"].encode()
    r = client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params") or None, headers=headers, **body)
    return r.status_code


@pytest.fixture
def admin_app(runtime: Runtime, world: dict[str, int]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with runtime.store_scope() as store:
        create_staff(StaffStore(store.session), "fuzz_admin", "系统管理员", PW, "system_admin", "甘肃省")
    runtime.transcriber = runtime.engine.transcriber = FakeTranscriber()  # recordings are heard, not refused
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        token = client.post("/api/auth/login", json={"username": "fuzz_admin", "password": PW}).json()["token"]
        client.cookies.clear()
        yield client, {"Authorization": f"Bearer {token}"}


def test_no_generated_request_is_a_server_error(admin_app: tuple[TestClient, dict[str, str]]) -> None:
    client, admin = admin_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = sorted((r.ok() for r in schema.get_all_operations()),  # type: ignore[union-attr]
                        key=lambda op: (f"{op.method.upper()} {op.path}" in LAST, op.method, op.path))
    assert len(operations) > 40
    failures: list[Failure] = []
    for op in operations:
        _fuzz(client, op, {"nobody": {}, "admin": admin}, failures)
    assert failures == [], "\n".join(f"{f.status} {f.operation} as {f.who}: {f.request}" for f in failures[:20])


def _fuzz(client: TestClient, op: Any, principals: dict[str, dict[str, str]], failures: list[Failure]) -> None:
    """Send EXAMPLES generated requests of one operation, valid and invalid, as each principal.

    One Hypothesis run per operation (drawing the principal and the kind of input): most of the
    cost of a run is setting it up, not the examples.
    """
    name = f"{op.method.upper()} {op.path}"
    cases = st.one_of(op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(who=st.sampled_from(sorted(principals)), case=cases)
    def run(who: str, case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        status = _request(client, kwargs, principals[who])
        if status >= 500:
            failures.append(Failure(name, who, status, repr(kwargs)[:600]))

    run()
