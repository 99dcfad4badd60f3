"""Form versions on the staff side: publishing a draft (API and ``intake form``), exports with the version
of each record, statistics per version, a label published with other content refused, the console page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from admin.app import create_app
from admin.cli import app as cli
from admin.runtime import Runtime
from admin.web.security import create_staff
from storage.models import Record
from storage.staff import AuditEntry
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, PW, login
from tests.bot.test_form_versions import ANSWERS, version_2
from tests.conftest import TEST_SECRET, Chat
from tests.helpers import make_id

ID_C = make_id("620102", "19670512", "005")


def _draft(runtime: Runtime, text: str) -> int:
    """Register a text as start-up does with a changed file: a draft."""
    with runtime.store_scope() as store:
        row, _ = store.forms.register("veterans", "2026.2", text, by="file:veterans.yaml")
        return row.id or 0


def _province_admin(runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        create_staff(StaffStore(store.session), "province", "省管理员", PW, "system_admin", "甘肃省")


def _versions_of_records(runtime: Runtime) -> dict[int, int | None]:
    with runtime.store_scope() as store:
        return {r.id or 0: r.form_version_id for r in store.session.exec(select(Record))}


def test_publishing_a_draft_then_exports_and_statistics_by_version(runtime: Runtime, world: dict[str, int]) -> None:
    _province_admin(runtime)
    draft = _draft(runtime, version_2())
    with TestClient(create_app(runtime=runtime)) as client:
        county, province = login(runtime, "dongxiang", client), login(runtime, "province", client)
        listed = client.get("/api/forms/veterans", headers=county).json()
        assert [(v["label"], v["status"], v["campaigns"]) for v in listed] == [
            ("2026.1", "published", ["veterans-2026"]), ("2026.2", "draft", [])]
        diff = client.get(f"/api/forms/veterans/versions/{draft}/diff", headers=county).json()["diff"]
        assert "+      - key: former_name" in diff and "-version:" in diff
        assert client.post(f"/api/forms/veterans/versions/{draft}/publish", json={}, headers=county).status_code == 403
        r = client.post(f"/api/forms/veterans/versions/{draft}/publish", json={}, headers=province)
        assert r.status_code == 200, r.text
        assert r.json() == {"id": draft, "label": "2026.2", "already": False, "campaigns": ["veterans-2026"]}
        v1 = listed[0]["id"]
        assert _versions_of_records(runtime) == {world["A"]: v1, world["B"]: v1}  # begun before: still 2026.1

        chat = Chat(runtime, "veterans", user="C")  # a new record: 2026.2
        chat.start()
        chat.say("同意")
        chat.say(ID_C)
        for key in ("recipient_kind", "name", "former_name"):
            assert chat.asking == key
            chat.say(ANSWERS[key])
        c = next(rid for rid in _versions_of_records(runtime) if rid not in world.values())
        assert _versions_of_records(runtime)[c] == draft

        text = client.get("/api/exports/veterans-2026.csv", headers=province).content.decode("utf-8")
        table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        header = table[0]
        assert header[:5] == ["记录号", "回执号", "状态", "地区", "问卷版本"] and "曾用名" in header
        rows = {int(row[0]): dict(zip(header, row, strict=True)) for row in table[1:]}
        assert {rid: row["问卷版本"] for rid, row in rows.items()} == {world["A"]: "2026.1", world["B"]: "2026.1",
                                                                     c: "2026.2"}
        assert rows[c]["曾用名"] == "张老三" and rows[world["A"]]["曾用名"] == ""

        stats = client.get("/api/stats", params={"campaign": "veterans-2026", "question": "recipient_kind",
                                                 "status": "in_progress"}, headers=province).json()
        assert stats["total"] == 3
        assert stats["by_version"] == {"2026.1": {"total": 2, "counts": {"退役士兵": 2}},
                                       "2026.2": {"total": 1, "counts": {"退役士兵": 1}}}

        other = _draft(runtime, version_2() + "\n# edited again, label kept\n")
        r = client.post(f"/api/forms/veterans/versions/{other}/publish", json={}, headers=province)
        assert r.status_code == 409, r.text  # 2026.2 was published with other content
        assert client.post(f"/api/forms/veterans/versions/{v1}/publish", json={}, headers=province).json()["already"]
        page = client.get("/admin/forms", headers=province)
        assert page.status_code == 200 and "问卷版本" in page.text and "2026.2" in page.text
    with runtime.store_scope() as store:
        audited = [a.detail for a in store.session.exec(select(AuditEntry)) if a.action == "form.publish"]
    assert audited[0] == "2026.2; veterans-2026"


def test_a_single_stats_version_has_no_breakdown(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        county = login(runtime, "dongxiang", client)
        stats = client.get("/api/stats", params={"campaign": "veterans-2026", "question": "recipient_kind",
                                                 "status": "in_progress"}, headers=county).json()
    assert stats["total"] == 1 and stats["by_version"] == {}


def test_intake_form_list_diff_publish_and_migrate(runtime: Runtime, world: dict[str, int], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "veterans.yaml").write_text(version_2(rename_ethnicity=True), encoding="utf-8")
    for name, value in {"INTAKE_DATABASE_URL": runtime.settings.database_url, "INTAKE_SECRET_KEY": TEST_SECRET,
                        "INTAKE_ENV": "test", "INTAKE_CAMPAIGN_YEAR": "2026",
                        "INTAKE_QUESTIONNAIRE_DIR": str(folder)}.items():
        monkeypatch.setenv(name, value)
    for who in ("A", "B"):  # both records answer the ethnicity, which 2026.2 calls ethnic_group
        chat = Chat(runtime, "veterans", user=who)
        chat.start()
        chat.say("把性别改成男")
        assert chat.asking == "ethnicity", chat.texts()
        chat.say("汉族")
    runner = CliRunner()
    listed = runner.invoke(cli, ["form", "list", "veterans"])
    assert listed.exit_code == 0, listed.output
    assert "2026.1     published" in listed.output and "2026.2     draft" in listed.output
    diff = runner.invoke(cli, ["form", "diff", "veterans"])
    assert diff.exit_code == 1 and "+      - key: former_name" in diff.output
    done = runner.invoke(cli, ["form", "publish", "veterans"])
    assert done.exit_code == 0, done.output
    assert "veterans 2026.2 published; campaigns pinned: veterans-2026" in done.output
    missing = runner.invoke(cli, ["form", "migrate", "veterans-2026", "--to", "2027.1"])
    assert missing.exit_code == 2 and "no published version '2027.1'" in missing.output
    moved = runner.invoke(cli, ["form", "migrate", "veterans-2026", "--to", "2026.2", "--region", DONGXIANG])
    assert moved.exit_code == 0, moved.output
    assert "1 records moved to 2026.2, 0 already under it, 1 answers dropped" in moved.output
    assert f"record {world['A']}: ethnicity: the question is not in the new version" in moved.output
    with runtime.store_scope() as store:
        labels = store.forms.labels([v for v in _versions_of_records(runtime).values() if v])
        assert {rid: labels[v or 0] for rid, v in _versions_of_records(runtime).items()} == {
            world["A"]: "2026.2", world["B"]: "2026.1"}  # 积石山's record was outside the region
        assert "ethnicity" not in store.records.current_answers(world["A"]) and "ethnicity" in store.records.current_answers(world["B"])
    again = runner.invoke(cli, ["form", "publish", "veterans"])
    assert "was already published" in again.output
