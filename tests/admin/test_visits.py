"""Visits as events (the visit rate and "two home visits a year" computed from them), who needs a home visit,
the collection mode of every answer, collection points with a window session, and 签字确认 before a collector's
submission. SQLite and PostgreSQL (the ``runtime`` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.imports.roster import import_roster
from admin.runtime import Runtime
from bot.dialogue.review import SIGNATURE_NEEDED
from storage.models import Answer, Record
from storage.points import WindowSession
from storage.visits import VisitNeed
from tests.admin.conftest import DONGXIANG, ID_A, login
from tests.admin.test_collect import current, open_a, person_id
from tests.helpers import default_answer, make_id

VILLAGE = DONGXIANG + "/东塬乡/东塬村"
ID_C = make_id("622926", "19400105", "011")  # 86 in 2026: needs a home visit
ID_D = make_id("622926", "19700101", "023")  # no phone: needs a home visit
CAMPAIGN = "veterans-2026"
COUNTY = DONGXIANG


def more_people(runtime: Runtime, tmp_path: Path) -> None:
    """Two more people on the roster of the collector's village: one aged 86, one without a phone."""
    roster = tmp_path / "more.csv"
    roster.write_text("身份证号,姓名,联系电话,地区\n"
                      f"{ID_C},王五,13700002222,{VILLAGE}\n"
                      f"{ID_D},赵六,,{VILLAGE}\n", encoding="utf-8")
    q = runtime.questionnaires["veterans"]
    with runtime.store_scope() as store:
        campaign = store.campaigns.by_key(CAMPAIGN)
        assert campaign is not None
        report = import_roster(store, campaign, q, roster, runtime.understanding.regions, date(2026, 7, 1))
        assert report.rejected == [] and report.added == 2


def ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def visit(client: TestClient, headers: dict[str, str], pid: int, mode: str, outcome: str,
          at: str | None = None, **extra: Any) -> Any:
    at = at or ago(3)
    return client.post("/api/visits", json={"campaign": CAMPAIGN, "person_id": pid, "mode": mode,
                                            "outcome": outcome, "at": at, **extra}, headers=headers)


def test_visit_events_drive_the_visit_rate(runtime: Runtime, world: dict[str, int], tmp_path: Path) -> None:
    more_people(runtime, tmp_path)
    a, c, d = (person_id(runtime, n) for n in (ID_A, ID_C, ID_D))
    with TestClient(create_app(runtime=runtime)) as client:
        county = login(runtime, "dongxiang", client)
        before = {r["region"]: r for r in client.get("/api/progress", params={"campaign": CAMPAIGN},
                                                     headers=county).json()}[COUNTY]
        assert (before["roster"], before["visited"], before["visit_rate"]) == (3, 0, 0.0)

        collector = login(runtime, "collector", client)
        for at in (ago(120), ago(10)):  # A: two home visits, met
            assert visit(client, collector, a, "home", "met", at).status_code == 201
        assert visit(client, collector, c, "home", "met").status_code == 201  # C: one home visit
        assert visit(client, collector, c, "phone", "not_at_home", at=ago(1)).status_code == 201
        r = visit(client, collector, d, "home", "not_at_home", note="家里没人，邻居说去兰州看病了")  # D: none met
        assert r.status_code == 201 and r.json()["note"].startswith("家里没人")

        rows = {r["region"]: r for r in client.get("/api/progress", params={"campaign": CAMPAIGN},
                                                   headers=county).json()}
        own = rows[COUNTY]
        assert (own["roster"], own["visited"], own["visited_twice"], own["contacted"]) == (3, 2, 1, 2)
        assert own["visit_rate"] == 0.6667 and own["two_visit_rate"] == 0.3333 and own["visit_target_met"] is False
        assert rows[DONGXIANG + "/东塬乡"]["visited"] == 2
        figures = client.get("/api/visits/figures", params={"campaign": CAMPAIGN}, headers=county).json()
        assert figures[0]["region"] == COUNTY and figures[0]["visited_twice"] == 1
        province = {r["region"]: r for r in client.get("/api/progress", params={"campaign": CAMPAIGN},
                                                       headers=login(runtime, "prefecture", client)).json()}
        neighbour = province["甘肃省/临夏回族自治州/积石山保安族东乡族撒拉族自治县"]
        assert (neighbour["roster"], neighbour["visited"], neighbour["visit_rate"]) == (1, 0, 0.0)

        mine = client.get(f"/api/visits/person/{c}", params={"campaign": CAMPAIGN}, headers=collector).json()
        assert [(v["mode"], v["outcome"]) for v in mine["items"]] == [("phone", "not_at_home"), ("home", "met")]
        area = client.get("/api/visits", params={"campaign": CAMPAIGN}, headers=collector).json()
        assert area["total"] == 5 and all(v["note"] is None for v in area["items"])

        # another county's staff can neither enter nor read visits of these people; no visit in the future
        other = login(runtime, "jishishan", client)
        assert visit(client, other, a, "home", "met").status_code == 404
        assert client.get(f"/api/visits/person/{a}", params={"campaign": CAMPAIGN}, headers=other).status_code == 404
        assert visit(client, collector, a, "home", "met", at="2099-01-01T00:00:00+08:00").status_code == 422
        assert visit(client, collector, a, "home", "met", at=ago(400)).status_code == 422
        assert visit(client, login(runtime, "hotline", client), a, "home", "met").status_code == 403
    with runtime.store_scope() as store:
        raw = store.session.exec(select(Answer).where(Answer.channel == "visit")).all()
        assert raw == []  # the figures came from the events: no answer was collected at the door


def test_people_who_need_a_home_visit_are_listed_for_their_village_collector(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    more_people(runtime, tmp_path)
    a, c, d = (person_id(runtime, n) for n in (ID_A, ID_C, ID_D))
    with TestClient(create_app(runtime=runtime)) as client:
        collector = login(runtime, "collector", client)
        assert visit(client, collector, c, "home", "met").status_code == 201
        page = client.get("/api/visits/needs", params={"campaign": CAMPAIGN}, headers=collector)
        assert page.status_code == 200
        items = {i["person_id"]: i for i in page.json()["items"]}
        assert set(items) == {c, d}  # A is 61 and has a phone
        assert items[c]["aged"] and not items[c]["no_phone"] and items[c]["home_visits_met"] == 1
        assert items[d]["no_phone"] and not items[d]["aged"] and items[d]["home_visits_met"] == 0
        assert items[c]["name"] == "王*" and "王五" not in page.text and items[d]["phone"] is None
        assert list(items) == [d, c]  # fewest home visits first
        other = client.get("/api/visits/needs", params={"campaign": CAMPAIGN},
                           headers=login(runtime, "jishishan", client)).json()
        assert other["total"] == 0
        html = client.get("/admin/visits", params={"campaign": CAMPAIGN}, headers=collector)
        assert html.status_code == 200 and "80岁以上" in html.text and "没有电话" in html.text
        assert "王五" not in html.text
    with runtime.store_scope() as store:
        needs = store.session.exec(select(VisitNeed).where(VisitNeed.person_id == a)).one()
        assert not needs.needed


def _finish(client: TestClient, headers: dict[str, str], runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    """Answer every question of an interview with a default answer until the read-back."""
    q = runtime.questionnaires[body["questionnaire"]]
    for _ in range(120):
        if body["phase"] == "review":
            return body
        last = body["replies"][-1]
        key = body["question"]["key"] if body["question"] else None
        text = "是" if last["kind"] == "confirm" or key is None else default_answer(q, key)
        r = client.post(f"/api/interviews/{body['id']}/answer", json={"text": text}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
    raise AssertionError("the interview did not reach the read-back")


def test_answers_carry_their_collection_mode_and_submission_needs_a_signature_or_a_reason(
    runtime: Runtime, world: dict[str, int]
) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        collector = login(runtime, "collector", client)
        body = open_a(client, collector, runtime, mode="visit")
        record_id = body["record_id"]
        assert current(runtime, record_id, "recipient_kind").mode == "mobile"  # said in the web chat
        body = _finish(client, collector, runtime, body)
        assert current(runtime, record_id, "ethnicity").mode == "household"

        refused = client.post(f"/api/interviews/{body['id']}/answer", json={"text": "确认提交"}, headers=collector)
        assert refused.json()["replies"][-1]["text"] == SIGNATURE_NEEDED
        with runtime.store_scope() as store:
            assert store.session.get(Record, record_id).status == "in_progress"  # type: ignore[union-attr]

        none = f"/api/records/{record_id}/signature/none"
        assert client.post(none, json={"reason": "other"}, headers=collector).status_code == 422  # say why
        other = login(runtime, "jishishan", client)
        assert client.post(none, json={"reason": "cannot_write"}, headers=other).status_code == 404
        r = client.post(none, json={"reason": "cannot_write", "note": "老人手抖，写不了字"}, headers=collector)
        assert r.status_code == 201 and r.json()["reason_label"] == "本人不会写字或行动不便"
        done = client.post(f"/api/interviews/{body['id']}/answer", json={"text": "确认提交"}, headers=collector)
        assert done.json()["replies"][-1]["kind"] == "receipt"
        county = login(runtime, "dongxiang", client)
        seen = client.get(f"/api/records/{record_id}/signature", headers=county).json()
        assert seen["signed"] is False and seen["note"] == "老人手抖，写不了字" and seen["image"] is None
        page = client.get(f"/admin/records/{record_id}", headers=county)
        assert "未签字：本人不会写字或行动不便" in page.text
        assert client.get(f"/api/records/{record_id}/signature", headers=other).status_code == 404

        # a PNG that is not one is refused
        bad = client.post(f"/api/records/{record_id}/signature", files={"file": ("s.png", b"GIF89a....", "image/png")},
                          headers=collector)
        assert bad.status_code == 422


def test_a_collection_point_and_a_window_session(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        county = login(runtime, "dongxiang", client)
        collector = login(runtime, "collector", client)
        assert client.post("/api/points", json={"name": "东塬村便民服务站", "region": VILLAGE},
                           headers=collector).status_code == 403  # administrators set points up
        made = client.post("/api/points", json={"name": "东塬村便民服务站", "region": VILLAGE, "address": "村委会一楼"},
                           headers=county)
        assert made.status_code == 201, made.text
        point = made.json()["id"]
        town = client.post("/api/points", json={"name": "东塬乡采集点", "region": DONGXIANG + "/东塬乡"}, headers=county)
        assert client.post(f"/api/points/{town.json()['id']}/staff", json={"username": "collector"},
                           headers=county).status_code == 422  # the village collector could not serve its walk-ins
        assert client.post("/api/points", json={"name": "东塬村便民服务站", "region": VILLAGE},
                           headers=county).status_code == 409
        other = login(runtime, "jishishan", client)
        assert client.post("/api/points", json={"name": "外县", "region": VILLAGE}, headers=other).status_code == 422
        assert client.post(f"/api/points/{point}/staff", json={"username": "collector"},
                           headers=other).status_code == 404
        assert client.get("/api/points", headers=other).json()["total"] == 0

        window = {"questionnaire": "veterans", "mode": "window", "consent": True,
                  "person_id": person_id(runtime, ID_A)}
        assert client.post("/api/interviews", json={**window, "point_id": point},
                           headers=collector).status_code == 403  # not assigned yet
        assigned = client.post(f"/api/points/{point}/staff", json={"username": "collector"}, headers=county)
        assert assigned.status_code == 200 and [s["username"] for s in assigned.json()["staff"]] == ["collector"]
        assert client.post("/api/interviews", json=window, headers=collector).status_code == 422  # which point?
        opened = client.post("/api/interviews", json={**window, "point_id": point}, headers=collector)
        assert opened.status_code == 201, opened.text
        body = opened.json()
        assert body["mode"] == "window"
        r = client.post(f"/api/interviews/{body['id']}/answer", json={"text": "汉族"}, headers=collector)
        assert r.status_code == 200
        key = body["question"]["key"]
        assert current(runtime, body["record_id"], key).mode == "window"
        assert [p["name"] for p in client.get("/api/points/mine", headers=collector).json()] == ["东塬村便民服务站"]
        page = client.get(f"/admin/collect/{body['id']}", headers=collector)
        assert "窗口服务：东塬村便民服务站" in page.text
        listed = client.get("/admin/points", headers=county)
        assert listed.status_code == 200 and "东塬村便民服务站" in listed.text
    with runtime.store_scope() as store:
        sessions = store.session.exec(select(WindowSession)).all()
        assert [(s.point_id, s.record_id) for s in sessions] == [(point, body["record_id"])]
