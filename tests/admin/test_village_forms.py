"""A village's form in the web chat: only a collector logged in to the console, whose area covers the village.

Reproduces the attack of issue 10: a stranger opened the web chat's village form and changed a village's
population from 840 to 99999 over the collector's answer.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer, Record
from tests.admin.conftest import PW

VILLAGE = "东塬乡东塬村"


def _say(client: TestClient, text: str, **headers: str) -> str:
    r = client.post("/chat/village_services/messages", json={"text": text}, headers=headers)
    assert r.status_code == 200, r.text
    return "\n".join(reply["text"] for reply in r.json()["replies"])


def _login(client: TestClient, who: str) -> None:
    r = client.post("/api/auth/login", json={"username": who, "password": PW})
    assert r.status_code == 200, r.text


def _population(runtime: Runtime) -> list[object]:
    with runtime.store_scope() as store:
        rows = store.session.exec(select(Answer).where(Answer.question_key == "population")).all()
        return [store.records.current_answers(a.record_id)["population"].value["value"] for a in rows if a.is_current]


def _to_population(client: TestClient) -> str:
    said = ""
    for text in ("马明", "13912345678", "356户"):
        said = _say(client, text)
    return said


def test_an_anonymous_browser_cannot_fill_or_see_a_village_form(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/chat/village_services/resume").json()["replies"][0]["kind"] == "notice"
        assert "采集员登录" in _say(client, "同意")
        assert "东塬村" not in _say(client, VILLAGE)
        assert "采集员登录" in _say(client, "同意")
    with runtime.store_scope() as store:
        assert store.session.exec(select(Record).where(Record.subject_key.startswith("region:"))).all() == []


def test_the_collector_of_the_village_fills_it_and_nobody_else_changes_it(
    runtime: Runtime, world: dict[str, int]
) -> None:
    with TestClient(create_app(runtime=runtime)) as collector:
        _login(collector, "collector")
        collector.get("/chat/village_services/resume")
        _say(collector, "同意")
        assert "东塬村" in _say(collector, VILLAGE)
        assert "多少人" in _to_population(collector)
        _say(collector, "840人")
        assert _population(runtime) == [840]
        # a foreign page making the collector's browser post: the console cookie does not count
        assert "采集员登录" in _say(collector, "把总人口改成99999", origin="https://evil.example")
        assert _population(runtime) == [840]
        # logged out, the same browser (its chat cookie kept) can neither change nor read the form
        collector.post("/api/auth/logout", headers={"origin": "http://testserver"})
        collector.cookies.delete("intake_staff")
        assert "采集员登录" in _say(collector, "把总人口改成99999")
        resumed = collector.get("/chat/village_services/resume").json()["replies"]
        assert "840" not in str(resumed) and "采集员登录" in resumed[0]["text"]
    with TestClient(create_app(runtime=runtime)) as stranger:
        stranger.get("/chat/village_services/resume")
        _say(stranger, "同意")
        _say(stranger, VILLAGE)
        _say(stranger, "把总人口改成99999")
    assert _population(runtime) == [840]


def test_staff_outside_the_village_or_without_collecting_are_refused(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        _login(client, "collector")  # the collector of 东塬村 only
        client.get("/chat/village_services/resume")
        _say(client, "同意")
        assert "采集员登录" in _say(client, "东塬乡刘牙村")
    for who in ("hotline", "jishishan"):  # no right to collect; another county's admin
        with TestClient(create_app(runtime=runtime)) as client:
            _login(client, who)
            client.get("/chat/village_services/resume")
            said = _say(client, "同意")
            if "采集员登录" not in said:
                said = _say(client, VILLAGE)
            assert "采集员登录" in said, who
    with TestClient(create_app(runtime=runtime)) as client:
        _login(client, "dongxiang")  # the county's admin may collect anywhere in the county
        client.get("/chat/village_services/resume")
        _say(client, "同意")
        assert "东塬村" in _say(client, VILLAGE)
