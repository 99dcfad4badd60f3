"""Fixtures of the staff-side tests: a small region tree, five principals, two people in two counties."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from admin.imports.roster import import_roster
from admin.runtime import Runtime
from admin.web.security import create_staff
from storage.models import Record
from storage.staff_repo import StaffStore
from tests.bot.test_engine_other_questionnaires import _load_dongxiang
from tests.conftest import Chat
from tests.helpers import make_id
from voice.recognizer import VoskTranscriber

PW = "a long enough password"
DONGXIANG = "甘肃省/临夏回族自治州/东乡族自治县"
JISHISHAN = "甘肃省/临夏回族自治州/积石山保安族东乡族撒拉族自治县"
PRINCIPALS = {
    "dongxiang": ("region_admin", DONGXIANG),
    "jishishan": ("region_admin", JISHISHAN),
    "prefecture": ("reviewer", "甘肃省/临夏回族自治州"),
    "collector": ("collector", DONGXIANG + "/东塬乡/东塬村"),
    "hotline": ("hotline", DONGXIANG),
}
ID_A = make_id("622926", "19650312", "001")  # lives in 东塬村, 东乡
ID_B = make_id("622927", "19700101", "003")  # lives in 中咀岭村, 积石山


@pytest.fixture
def world(runtime: Runtime, tmp_path: Path) -> dict[str, int]:
    """Regions, staff, a roster of two people in two counties, and a record for each with one flag."""
    _load_dongxiang(runtime, tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "身份证号,姓名,联系电话,地区\n"
        f"{ID_A},张三,13912345678,{DONGXIANG}/东塬乡/东塬村\n"
        f"{ID_B},李四,13800001111,{JISHISHAN}/中咀岭乡/中咀岭村\n", encoding="utf-8")
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        staff = StaffStore(store.session)
        for name, (role, region) in PRINCIPALS.items():
            create_staff(staff, name, name, PW, role, region)
        campaign = store.campaigns.ensure("veterans", q.version, 2026, q.campaign.title, None)
        report = import_roster(store, campaign, q, roster, runtime.understanding.regions, date(2026, 7, 1))
        assert report.rejected == []
    records: dict[str, int] = {}
    for who, id_number in (("A", ID_A), ("B", ID_B)):
        chat = Chat(runtime, "veterans", user=who)
        chat.start()
        chat.say("同意")
        chat.identify(id_number)
        chat.say("退役士兵")
        chat.say("是")  # the roster name
        assert chat.asking == "gender"
        chat.say("不好说呀")  # unsure: kept and flagged for review
        with runtime.store_scope() as store:
            person = store.people.find(id_number)
            rec = store.session.exec(select(Record).where(Record.person_id == person.id)).one()  # type: ignore[union-attr]
            records[who] = rec.id or 0
    return records


def login(runtime: Runtime, who: str, client: TestClient) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": who, "password": PW})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def voice_runtime(runtime: Runtime, transcriber: VoskTranscriber) -> Iterator[Runtime]:
    """The runtime with the session's real recogniser (detached again before the runtime closes)."""
    runtime.transcriber = transcriber
    runtime.engine.transcriber = transcriber
    yield runtime
    runtime.transcriber = None
    runtime.engine.transcriber = None
