"""The seeded demo (`intake demo`): what it loads, that it is valid and deterministic, sealed, idempotent and safe."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import col, select

from admin.app import create_app
from admin.demo import (
    CHENGGUAN,
    COLLECT_VILLAGE,
    DEMO_PASSWORD,
    DONGXIANG,
    STAFF,
    DemoError,
    DemoSummary,
    demo_places,
    loaded_summary,
    plan_people,
    resolve_regions_file,
    seed_demo,
)
from admin.imports.regions import read_region_file
from admin.runtime import Runtime
from admin.web.security import create_staff
from bot.expressions import compile_expression
from bot.questionnaire import QType, Questionnaire
from bot.values import expression_value
from nlu.dates import DateSpan
from nlu.idcard import parse_id_number
from nlu.result import Parsed
from storage.models import Answer, Appeal, Campaign, Flag, Person, Record, Region, RosterEntry
from storage.repo import Store, StoredAnswer
from storage.staff_repo import StaffStore
from tests.conftest import REPO, make_settings, shared_path

PEOPLE = 40
SEED = 7
NOW = datetime(2026, 7, 20, 10, 0, tzinfo=UTC)
YEAR = 2026  # the campaign year of the test settings
CLI = [sys.executable, "-c", "from admin.cli import main; main()"]


def _regions_file() -> Path:
    return shared_path("data", "regions", "gansu.tsv")


@pytest.fixture
def demo(runtime: Runtime) -> DemoSummary:
    """The demo seeded with a small roster."""
    return seed_demo(runtime, _regions_file(), people=PEOPLE, seed=SEED, now=NOW)


def _count(store: Store, model: Any, *where: Any) -> int:
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return int(store.session.exec(query).one())


def _env(q: Questionnaire, answers: dict[str, StoredAnswer], reference: date | None) -> dict[str, Any]:
    """Answers as conditions and rules see them (the engine's env)."""
    env: dict[str, Any] = {k: expression_value(q.by_key[k], a.value) for k, a in answers.items() if k in q.by_key}
    today = NOW.date()
    env["today"] = DateSpan(today, today, "day")
    if reference is not None:
        env["reference_date"] = DateSpan(reference, reference, "day")
    return env


def test_demo_loads_regions_roster_records_flags_appeals_and_staff(runtime: Runtime, demo: DemoSummary) -> None:
    _check_counts(runtime, demo)
    _check_sealed_valid_and_following_the_questionnaires(runtime)


def _check_counts(runtime: Runtime, demo: DemoSummary) -> None:
    """Regions, roster, records, stages, channels, flags, appeals and staff, against the database."""
    paths = {f"{parent}/{name}" if parent else name for _, _, name, _, parent in read_region_file(_regions_file())}
    assert not demo.already_loaded
    with runtime.store_scope() as store:
        assert _count(store, Region) == len(paths) == demo.regions == demo.regions_added  # repeated rows skipped
        assert _count(store, Person) == PEOPLE == demo.people
        keys = {c.key: c.id for c in store.session.exec(select(Campaign)).all()}
        assert {"veterans-2026", "disabled_update-2026"} <= set(keys)
        assert _count(store, RosterEntry) == PEOPLE == sum(demo.roster.values())
        assert demo.roster["veterans-2026"] > 0 and demo.roster["disabled_update-2026"] > 0
        person_records = _count(store, Record, col(Record.person_id).is_not(None))
        assert PEOPLE * 0.6 <= person_records < PEOPLE  # most people answered, some not reached yet
        assert sum(demo.records.values()) == _count(store, Record)
        submitted = _count(store, Record, Record.status == "submitted")
        assert submitted == demo.submitted and submitted > demo.in_progress > 0
        assert _count(store, Record, Record.status == "submitted", col(Record.receipt).is_(None)) == 0
        assert _count(store, Record, Record.status == "in_progress", col(Record.stage).is_not(None)) == 0
        assert demo.stages.get("collected", 0) > 0
        assert set(demo.stages) - {"collected"}, "some records are further up the review levels"
        assert {"visit", "wechat"} <= set(demo.channels)
        assert set(demo.flags) == {"low_confidence", "not_understood", "rule"}
        assert sum(demo.flags.values()) == _count(store, Flag) and demo.open_flags > 0
        assert demo.appeals.get("chat", 0) >= 2 and demo.appeals.get("hotline", 0) >= 2
        assert sum(demo.appeals.values()) == _count(store, Appeal)
        assert [r.username for r in demo.staff] == [s[0] for s in STAFF]
        assert {r.role for r in demo.staff} == {"system_admin", "region_admin", "reviewer", "collector", "hotline"}
        # people live in the three demo counties, and the demo collector's village has some
        homes = [store.session.get(Region, p.region_id).path for p in store.session.exec(select(Person)).all()]  # type: ignore[union-attr]
        assert {"/".join(h.split("/")[:3]) for h in homes} == {CHENGGUAN, DONGXIANG, "甘肃省/定西市/安定区"}
        assert COLLECT_VILLAGE in homes


def _check_sealed_valid_and_following_the_questionnaires(runtime: Runtime) -> None:
    """Sealed values, valid unique ID numbers, answers that respect options, relevance and rules; determinism."""
    qs = runtime.questionnaires
    with runtime.store_scope() as store:
        people = store.session.exec(select(Person)).all()
        numbers = [store.people.id_number(p) for p in people]
        # sealed as the real paths seal them: nothing sensitive in clear in the rows
        for person, number in zip(people, numbers, strict=True):
            assert number.encode() not in person.id_number_enc
            assert person.name_enc is not None and (store.people.name(person) or "").encode() not in person.name_enc
        for answer in store.session.exec(select(Answer)).all():
            record = store.records.get(answer.record_id)
            q = qs[store.campaigns.get(record.campaign_id).questionnaire]
            if q.by_key[answer.question_key].sensitive:
                assert answer.value_json is None
        # every ID number is valid (GB 11643 check character), and unique
        assert len(set(numbers)) == len(numbers) == PEOPLE
        for number in numbers:
            parsed = parse_id_number(number, NOW.date())
            assert isinstance(parsed, Parsed) and parsed.value.number == number
        checked_rules = 0
        for record in store.session.exec(select(Record)).all():
            campaign = store.campaigns.get(record.campaign_id)
            q = qs[campaign.questionnaire]
            answers = store.records.current_answers(record.id or 0)
            env = _env(q, answers, campaign.reference_date)
            for key, a in answers.items():
                question = q.by_key[key]
                section = q.section_of[key]
                # only relevant questions are answered: skipped ones stay unanswered
                assert section.relevant is None or compile_expression(section.relevant).holds(env), (key, record.id)
                assert question.relevance is None or question.relevance.holds(env), (key, record.id)
                if a.value is None:
                    continue
                if question.type == QType.SINGLE:
                    assert question.option(a.value) is not None, (key, a.value)
                elif question.type == QType.MULTI:
                    assert a.value and all(question.option(c) is not None for c in a.value), (key, a.value)
                    exclusive = {o.code for o in question.options if o.exclusive}
                    assert len(a.value) == 1 or not exclusive & set(a.value), (key, a.value)
                elif question.type == QType.NUMBER:
                    c = question.constraints
                    assert (c.min is None or a.value["value"] >= c.min) and (c.max is None or a.value["value"] <= c.max)
                elif question.type == QType.DATE:
                    assert date.fromisoformat(a.value["start"]) <= NOW.date()
            if record.person_id is not None:
                number = store.people.id_number(store.people.get(record.person_id))
                if "id_number" in answers:
                    assert answers["id_number"].value == number
            flagged = {f.reason for f in store.records.flags(record.id or 0, status=None)}
            if "rule" in flagged:
                continue
            for rule in q.rules:
                if any(env.get(k) is None for k in rule.questions):
                    continue
                assert rule.expression.holds(env), (rule.key, record.id)
                checked_rules += 1
            if record.status == "submitted" and record.person_id is not None:
                assert {"gender", "birth_date"} <= set(answers)  # complete records were checked against the ID
        assert checked_rules > 0
        # determinism: the same seed gives the same people; another seed other people
        places = demo_places(store)
        again = plan_people(SEED, PEOPLE, places, YEAR)
        assert [p.id_number for p in again] == [p.id_number for p in plan_people(SEED, PEOPLE, places, YEAR)]
        assert sorted(p.id_number for p in again) == sorted(numbers)
        assert {p.id_number for p in plan_people(SEED + 1, PEOPLE, places, YEAR)}.isdisjoint(numbers)


def test_demo_staff_log_in_and_see_their_region(runtime: Runtime, demo: DemoSummary) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        def login(username: str) -> dict[str, str]:
            r = client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        county = login("demo.dongxiang")
        page = client.get("/api/records", params={"limit": 200}, headers=county).json()
        assert page["total"] > 0 and all(i["region"].startswith(DONGXIANG + "/") for i in page["items"])
        for campaign in ("veterans-2026", "disabled_update-2026"):
            progress = client.get("/api/progress", params={"campaign": campaign}, headers=county)
            assert progress.status_code == 200
            own = progress.json()[0]
            assert own["region"] == DONGXIANG and own["roster"] > 0 and own["reach_rate"] > 0
            assert own["visit_rate"] is not None
        village = login("demo.village")
        mine = client.get("/api/records", params={"limit": 200}, headers=village).json()
        assert mine["total"] > 0 and all(i["region"].startswith(COLLECT_VILLAGE) for i in mine["items"])
        township = login("demo.township")
        assert client.get("/api/review", headers=township).status_code == 200
        other = login("demo.chengguan")
        assert client.get(f"/api/records/{page['items'][0]['id']}", headers=other).status_code == 404
        hotline = login("demo.hotline")
        appeals = client.get("/api/appeals", headers=hotline).json()
        assert appeals["total"] == sum(demo.appeals.values())
        province = login("demo.province")
        everything = client.get("/api/records", headers=province).json()
        assert everything["total"] == sum(demo.records.values())


def test_second_run_changes_nothing(runtime: Runtime, demo: DemoSummary) -> None:
    again = seed_demo(runtime, _regions_file(), people=PEOPLE * 2, seed=SEED + 1, now=NOW)
    assert again.already_loaded
    assert (again.people, again.roster, again.records, again.flags, again.appeals, again.regions) == (
        demo.people, demo.roster, demo.records, demo.flags, demo.appeals, demo.regions)
    loaded = loaded_summary(runtime)
    assert loaded is not None and loaded.people == PEOPLE


def test_refused_in_production_and_on_a_database_with_data(runtime: Runtime) -> None:
    production = dataclasses.replace(runtime, settings=make_settings(
        runtime.settings.database_url, env="production", secret_key="p" * 40))
    with pytest.raises(DemoError, match="production"):
        seed_demo(production, _regions_file(), people=5)
    with runtime.store_scope() as store:
        assert _count(store, Region) == 0  # nothing was written
        store.regions.add([("province", "620000", "甘肃省", "甘肃", "")])
        create_staff(StaffStore(store.session), "someone", "某人", "a long enough password", "system_admin", "甘肃省")
    with pytest.raises(DemoError, match="already holds data"):
        seed_demo(runtime, _regions_file(), people=5)
    assert loaded_summary(runtime) is None


def test_region_file_lookup(tmp_path: Path) -> None:
    work = tmp_path / "project" / "main"
    work.mkdir(parents=True)
    nowhere = tmp_path / "elsewhere" / "repo"
    with pytest.raises(DemoError) as missing:
        resolve_regions_file(None, work, repo=nowhere)
    assert str(tmp_path / "project" / "shared" / "data" / "regions" / "gansu.tsv") in str(missing.value)
    target = tmp_path / "project" / "shared" / "data" / "regions" / "gansu.tsv"
    target.parent.mkdir(parents=True)
    target.write_text("level\tcode\tname\tshort_name\tparent_path\n", encoding="utf-8")
    assert resolve_regions_file(None, work, repo=nowhere) == target
    assert resolve_regions_file(None, nowhere, repo=work) == target  # found from the repository too
    with pytest.raises(DemoError, match="nope.tsv"):
        resolve_regions_file(tmp_path / "nope.tsv", work)


def test_demo_command(tmp_path: Path) -> None:
    regions = _regions_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["INTAKE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    # the default lookup (../shared from the repository) when that is where the shared folder is
    extra = [] if regions == REPO.parent / "shared" / "data" / "regions" / "gansu.tsv" else ["--regions", str(regions)]
    first = subprocess.run([*CLI, "demo", "--people", "20", *extra], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=240, check=False)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Demo data loaded" in out and "DEMO ONLY" in out and DEMO_PASSWORD in out
    assert all(username in out for username, _, _, _ in STAFF)
    assert "people     20" in out and "/admin" in out
    second = subprocess.run([*CLI, "demo", "--people", "20", *extra], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=240, check=False)
    assert second.returncode == 0 and "already loaded" in second.stdout and "people     20" in second.stdout
    missing = subprocess.run([*CLI, "demo", "--regions", str(tmp_path / "missing.tsv")], capture_output=True,
                             text=True, env={**env, "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"},
                             cwd=tmp_path, timeout=240, check=False)
    assert missing.returncode == 2 and "missing.tsv" in missing.stderr
    untouched = tmp_path / "production.db"
    production = subprocess.run([*CLI, "demo"], capture_output=True, text=True, cwd=tmp_path, timeout=240, check=False,
                                env={**env, "INTAKE_ENV": "production", "INTAKE_SECRET_KEY": "s" * 40,
                                     "INTAKE_SMS_ALLOW_LOG_IN_PRODUCTION": "true",
                                     "INTAKE_DATABASE_URL": f"sqlite:///{untouched}"})
    assert production.returncode == 2 and "production" in production.stderr
    assert not untouched.exists()  # refused before the database is opened
