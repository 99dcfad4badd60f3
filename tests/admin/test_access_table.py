"""Every route under /api as five principals, against one table of who may see and do what.

The principals: two neighbouring counties (东乡, 积石山, region admins), their prefecture (临夏州, a
reviewer), a village collector (东塬村 in 东乡) and hotline staff (东乡). For each route, TABLE says
what each of them gets on a target in their own region:

* ``ok``: a 2xx answer, and nothing of another region in it (no record, person, region path, ID
  number or name of the other county or of the province above them, in any list, export or count);
* ``forbidden``: 403 whatever the target (even one that does not exist): the role may not do this.

Whatever the row says, a target outside the caller's region (the other county's, or one placed at
the province, above all five) answers 404 exactly like an id that does not exist, and a refused
request changes nothing. A collector's interview is the collector's own: anyone else's answers 404.
Without a login every route but the login answers 401 (the interview socket closes with 1008).

Routes are exercised group by group, each on a fresh world, so actions never spoil later rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook
from sqlmodel import func, select
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from admin.app import create_app
from admin.runtime import Runtime
from bot.questionnaire import BUILTIN_DIR
from bot.values import encode
from nlu.result import Parsed
from storage.models import Appeal, Conversation, Record
from storage.reconcile import NewItem, ReconcileStore
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, ID_A, ID_B, JISHISHAN, PRINCIPALS, PW, login
from tests.conftest import make_settings
from tests.helpers import make_id
from voice.api import Transcript

WHO = ("dongxiang", "jishishan", "prefecture", "collector", "hotline")
OK, NO = "ok", "forbidden"


def row(dongxiang: str, jishishan: str, prefecture: str, collector: str, hotline: str) -> dict[str, str]:
    """One row of the table, in the order of WHO."""
    return {"dongxiang": dongxiang, "jishishan": jishishan, "prefecture": prefecture, "collector": collector,
            "hotline": hotline}


# What each principal gets on a target in their own region (see the module docstring).
TABLE: dict[str, dict[str, str]] = {
    #                                                      东乡  积石山  临夏州 collector hotline
    "POST /api/auth/login":                               row(OK, OK, OK, OK, OK),
    "POST /api/auth/logout":                              row(OK, OK, OK, OK, OK),
    "GET /api/auth/me":                                   row(OK, OK, OK, OK, OK),
    # records and review
    "GET /api/records":                                   row(OK, OK, OK, OK, OK),
    "GET /api/records/{record_id}":                       row(OK, OK, OK, OK, OK),
    "POST /api/records/{record_id}/reveal":               row(OK, OK, OK, NO, NO),
    "POST /api/records/{record_id}/answers/{key}":        row(OK, OK, OK, NO, NO),
    "GET /api/review":                                    row(OK, OK, OK, NO, NO),
    "POST /api/flags/{flag_id}/approve":                  row(OK, OK, OK, NO, NO),
    "GET /api/records/{record_id}/blobs/{blob_id}":       row(OK, OK, OK, NO, NO),
    # appeals: hotline staff and administrators act, reviewers read
    "GET /api/appeals":                                   row(OK, OK, OK, NO, OK),
    "POST /api/appeals":                                  row(OK, OK, NO, NO, OK),
    "POST /api/appeals/recordings":                       row(OK, OK, NO, NO, OK),
    "GET /api/appeals/{appeal_id}":                       row(OK, OK, OK, NO, OK),
    "POST /api/appeals/{appeal_id}/assign":               row(OK, OK, NO, NO, OK),
    "POST /api/appeals/{appeal_id}/notes":                row(OK, OK, NO, NO, OK),
    "POST /api/appeals/{appeal_id}/answer":               row(OK, OK, NO, NO, OK),
    "POST /api/appeals/{appeal_id}/close":                row(OK, OK, NO, NO, OK),
    "GET /api/appeals/{appeal_id}/recording":             row(OK, OK, OK, NO, OK),
    # exports and statistics
    "GET /api/exports/{campaign_key}.csv":                row(OK, OK, OK, NO, NO),
    "GET /api/exports/{campaign_key}.xlsx":               row(OK, OK, OK, NO, NO),
    "GET /api/stats":                                     row(OK, OK, OK, NO, NO),
    "GET /api/progress":                                  row(OK, OK, OK, OK, OK),
    # the workflow: each level takes its own step; spot checks are the county's; the rate is the province's
    "POST /api/workflow/advance":                         row(OK, OK, OK, NO, NO),
    "POST /api/workflow/return":                          row(OK, OK, OK, NO, NO),
    "GET /api/workflow/sample":                           row(OK, OK, OK, NO, NO),
    "POST /api/workflow/spot-check":                      row(OK, OK, NO, NO, NO),
    "PUT /api/workflow/rate/{campaign_key}":              row(NO, NO, NO, NO, NO),
    "GET /api/workflow/queue":                            row(OK, OK, OK, NO, NO),
    "GET /api/audit":                                     row(OK, OK, NO, NO, NO),
    # reconciliation: reviewers and admins import; collectors read and settle their village's tasks
    "POST /api/reconcile":                                row(OK, OK, OK, NO, NO),
    "GET /api/reconcile/runs":                            row(OK, OK, OK, OK, NO),
    "GET /api/reconcile/runs/{run_id}":                   row(OK, OK, OK, OK, NO),
    "GET /api/reconcile/runs/{run_id}/items":             row(OK, OK, OK, OK, NO),
    "POST /api/reconcile/items/{item_id}/resolve":        row(OK, OK, OK, OK, NO),
    # the collector's console (the socket refuses with close code 1008 where a request gets 403 or 404)
    "GET /api/interviews/roster":                         row(OK, OK, OK, OK, NO),
    "POST /api/interviews":                               row(OK, OK, OK, OK, NO),
    "GET /api/interviews/{interview_id}":                 row(OK, OK, OK, OK, NO),
    "POST /api/interviews/{interview_id}/answer":         row(OK, OK, OK, OK, NO),
    "WS /api/interviews/{interview_id}/listen":           row(OK, OK, OK, OK, NO),
    "POST /api/interviews/{interview_id}/link-code":      row(OK, OK, OK, OK, NO),
    # identification (checked in tests/admin/access_identity.py): a person's changes after submission are
    # decided by the reviewers of the record's stage; blocked identification is lifted by the hotline and
    # administrators; persons no region places are claimed only at the root (none of the five is there)
    "GET /api/changes":                                   row(OK, OK, OK, NO, NO),
    "GET /api/changes/{change_id}":                       row(OK, OK, OK, NO, NO),
    "POST /api/changes/{change_id}/reveal":               row(OK, OK, OK, NO, NO),
    "POST /api/changes/{change_id}/approve":              row(OK, OK, OK, NO, NO),
    "POST /api/changes/{change_id}/reject":               row(OK, OK, OK, NO, NO),
    "GET /api/identity/blocks":                           row(OK, OK, NO, NO, OK),
    "POST /api/identity/blocks/{person_id}/lift":         row(OK, OK, NO, NO, OK),
    "GET /api/persons/unplaced":                          row(OK, OK, OK, OK, OK),
    "POST /api/persons/{person_id}/claim":                row(OK, OK, NO, NO, NO),
    "GET /api/declarations":                              row(OK, OK, OK, OK, OK),
    "POST /api/declarations/{declaration_id}/merge":      row(OK, OK, OK, NO, NO),
    "POST /api/declarations/{declaration_id}/dismiss":    row(OK, OK, OK, NO, NO),
    # questionnaire versions: the readers of reviews see them; only the province's system admin publishes
    "GET /api/forms/{questionnaire}":                     row(OK, OK, OK, NO, NO),
    "GET /api/forms/{questionnaire}/versions/{version_id}/diff": row(OK, OK, OK, NO, NO),
    "POST /api/forms/{questionnaire}/versions/{version_id}/publish": row(NO, NO, NO, NO, NO),
    # visits, collection points and 签字确认 (checked in tests/admin/access_visits.py): collectors, reviewers
    # and administrators enter visits and signatures; administrators set up collection points
    "POST /api/visits":                                   row(OK, OK, OK, OK, NO),
    "GET /api/visits":                                    row(OK, OK, OK, OK, OK),
    "GET /api/visits/person/{person_id}":                 row(OK, OK, OK, OK, OK),
    "GET /api/visits/figures":                            row(OK, OK, OK, OK, OK),
    "GET /api/visits/needs":                              row(OK, OK, OK, OK, NO),
    "GET /api/points":                                    row(OK, OK, OK, OK, OK),
    "GET /api/points/mine":                               row(OK, OK, OK, OK, OK),
    "POST /api/points":                                   row(OK, OK, NO, NO, NO),
    "POST /api/points/{point_id}/staff":                  row(OK, OK, NO, NO, NO),
    "POST /api/records/{record_id}/signature":            row(OK, OK, OK, OK, NO),
    "POST /api/records/{record_id}/signature/none":       row(OK, OK, OK, OK, NO),
    "GET /api/records/{record_id}/signature":             row(OK, OK, OK, OK, OK),
    "GET /api/records/{record_id}/signature.png":         row(OK, OK, OK, OK, OK),
}

# Who sees a target, by where it is placed: the region matrix of the table.
EAST = frozenset({"dongxiang", "prefecture", "collector", "hotline"})  # 东塬村, the collector's village in 东乡
EAST_COUNTY = frozenset({"dongxiang", "prefecture", "hotline"})  # 东乡 itself: above the village collector
WEST = frozenset({"jishishan", "prefecture"})  # 中咀岭村 in 积石山
TOP = frozenset[str]()  # 甘肃省 itself: above all five

PROVINCE = "甘肃省"
DONGYUAN = DONGXIANG + "/东塬乡/东塬村"
ZHONGJULING = JISHISHAN + "/中咀岭乡/中咀岭村"
NOWHERE = "甘肃省/兰州市/城关区"  # a region path that is not loaded
MISSING = 999999  # an id that does not exist
PATH = {who: region for who, (_, region) in PRINCIPALS.items()}
# staff whose audit entries a region admin sees: those of their own region and below
AUDIT_VISIBLE = {"dongxiang": {"dongxiang", "collector", "hotline"}, "jishishan": {"jishishan"}}
STEP = {"dongxiang": "county_checked", "jishishan": "county_checked", "prefecture": "city_accepted",
        "collector": "township_reviewed", "hotline": "township_reviewed"}  # the step each level takes

ID_C = make_id("622926", "19580505", "051")  # 周一, submitted, in 东塬村
ID_D = make_id("622927", "19590606", "061")  # 吴二, submitted, in 中咀岭村
ID_P = make_id("620102", "19600707", "071")  # 郑三, submitted, placed at the province only
ID_F = make_id("622926", "19610808", "081")  # in the department lists only


def masked(number: str) -> str:
    """An ID number as lists show it."""
    return number[:6] + "********" + number[-4:]


EAST_PEOPLE = (ID_A, masked(ID_A), "张三", "张*", ID_C, masked(ID_C), "周一", "周*")
WEST_PEOPLE = (ID_B, masked(ID_B), "李四", "李*", ID_D, masked(ID_D), "吴二", "吴*")
ID_U = make_id("622926", "19570404", "041")  # 冯四, placed in no region at all
TOP_PEOPLE = (ID_P, masked(ID_P), "郑三", "郑*", ID_U, masked(ID_U), "冯四", "冯*")
EAST_PLACES = ("东乡族自治县", "东塬")  # 积石山's full name has 东乡族 in it, never 东乡族自治县
WEST_PLACES = ("积石山", "中咀岭")
# what must never appear in a principal's answers: the other county's and the province's people and places
PERSONAL = {"dongxiang": WEST_PEOPLE + TOP_PEOPLE, "collector": WEST_PEOPLE + TOP_PEOPLE,
            "hotline": WEST_PEOPLE + TOP_PEOPLE, "jishishan": EAST_PEOPLE + TOP_PEOPLE, "prefecture": TOP_PEOPLE}
FOREIGN = {who: people + (EAST_PLACES if who == "jishishan" else () if who == "prefecture" else WEST_PLACES)
           for who, people in PERSONAL.items()}


# -- the routes of the app -----------------------------------------------------------------------------


def api_routes(app: FastAPI) -> set[str]:
    """Every route under /api as "METHOD path" ("WS path" for a WebSocket)."""
    found: set[str] = set()
    for ctx in iter_route_contexts(app.routes):
        path = ctx.path or ""
        if not path.startswith("/api"):
            continue
        if isinstance(ctx.original_route, APIWebSocketRoute | WebSocketRoute):
            found.add(f"WS {path}")
            continue
        for method in sorted((ctx.methods or set()) - {"HEAD"}):
            found.add(f"{method} {path}")
    return found


def test_every_api_route_has_a_row_in_the_table() -> None:
    routes = api_routes(create_app(make_settings("sqlite://")))
    assert "WS /api/interviews/{interview_id}/listen" in routes and len(routes) > 30
    assert sorted(routes - set(TABLE)) == [], "a route without a row in the access table"
    assert sorted(set(TABLE) - routes) == [], "a row of the access table without a route"
    assert sorted(set(TABLE) - set(CHECKS)) == [], "a row of the access table that no check exercises"
    for route, outcomes in TABLE.items():
        assert tuple(outcomes) == WHO and set(outcomes.values()) <= {OK, NO}, route


# -- the world: targets in both counties, at the province, of every kind ---------------------------------


@dataclass
class FakeTranscriber:
    """Hears the same words in every recording (recognition itself is tested with the real model)."""

    text: str = "我家房子漏雨，想申请危房改造"

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        """The fixed transcript."""
        return Transcript(text=self.text, confidence=0.9, words=(), seconds=2.0, mean_confidence=0.9)


@dataclass
class Town:
    """The app, a login per principal, and the named targets (ids) of the world."""

    runtime: Runtime
    client: TestClient
    h: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)  # target name -> the bytes its evidence holds
    serial: int = 500

    def _number(self) -> str:
        self.serial += 1
        return make_id("622926", "19500101", f"{self.serial:03d}")

    def record(self, path: str | None, *, number: str | None = None, name: str | None = None, flag: bool = False,
               blob: bytes | None = None, stage: str = "township_reviewed") -> int:
        """A submitted record of a new person placed at ``path`` (None: nowhere), waiting at ``stage``."""
        rt = self.runtime
        q = rt.questionnaires["veterans"]
        question = q.by_key["recipient_kind"]
        parsed = rt.understanding.parse(question, "退役士兵", datetime(2026, 7, 15, tzinfo=UTC))
        assert isinstance(parsed, Parsed)
        with rt.store_scope() as store:
            campaign = store.campaigns.by_key("veterans-2026")
            region = store.regions.by_path(path) if path is not None else None
            assert campaign is not None and (region is not None or path is None)
            region_id = region.id if region is not None else None
            person = store.people.create(number or self._number(), source="collector", name=name,
                                         region_id=region_id)
            record, _ = store.records.ensure(campaign, f"person:{person.id}", channel="visit", person_id=person.id,
                                         region_id=region_id)
            blob_id = store.blobs.put("audio", "audio/wav", blob).id if blob else None
            answer = store.records.save_answer(record, "recipient_kind", encode(question, parsed.value), raw="退役士兵",
                                       confidence=1.0, status="new", channel="visit", actor="collector:0",
                                       sensitive=question.sensitive, blob_id=blob_id)
            if flag:
                store.records.add_flag(record, "recipient_kind", "low_confidence", "", answer.id)
            store.records.submit(record, 2026)
            if stage != "collected":
                store.records.move(record, "advance", stage, None)
            return record.id or 0

    def evidence(self, record_id: int, data: bytes) -> int:
        """A new version of a record's answer, spoken: the clip kept with it; returns the blob id."""
        with self.runtime.store_scope() as store:
            record = store.records.get(record_id)
            current = store.records.current_answers(record_id)["recipient_kind"]
            blob = store.blobs.put("audio", "audio/wav", data)
            store.records.save_answer(record, "recipient_kind", current.value, raw="退役士兵", confidence=0.9,
                              status="new", channel="phone", actor="collector:0", sensitive=False, blob_id=blob.id)
            return blob.id or 0

    def flag(self, record_id: int) -> int:
        """A new open flag on a record."""
        with self.runtime.store_scope() as store:
            return store.records.add_flag(store.records.get(record_id), "recipient_kind", "low_confidence", "", None).id or 0

    def appeal(self, path: str, *, record: str | None = None, recording: bytes | None = None) -> int:
        """An appeal placed at ``path`` (of a record's person when named), with a call recording when given."""
        with self.runtime.store_scope() as store:
            region = store.regions.by_path(path)
            assert region is not None
            rec = store.records.get(self.ids[record]) if record else None
            appeal = store.appeals.create(source="hotline", text="想问问危房改造的事", category="housing",
                                         channel="phone", person_id=rec.person_id if rec else None,
                                         record_id=rec.id if rec else None, region_id=region.id)
            if recording is not None:
                blob = store.blobs.put("audio", "audio/wav", recording)
                store.appeals.add_recording(appeal, blob, seconds=3.0, confidence=0.8)
            return appeal.id or 0

    def item(self, path: str, number: str | None = None) -> int:
        """A reconciliation task placed at ``path``, in a run imported there."""
        with self.runtime.store_scope() as store:
            region = store.regions.by_path(path)
            campaign = store.campaigns.by_key("veterans-2026")
            assert region is not None and campaign is not None
            recon = ReconcileStore(store.session, store.vault)
            run = recon.create_run(campaign_id=campaign.id or 0, department="dibao", file_name="名单.csv",
                                   mapping={}, staff_id=None, region_id=region.id or 0, rows=1, matched=0,
                                   rejected=[])
            recon.add_items(run, [NewItem(reason="not_on_roster", region_id=region.id, line=2,
                                          id_number=number or self._number())])
            found, _ = recon.items(run.id or 0, None)
            return found[0].id or 0

    def import_list(self, who: str, numbers: Sequence[str]) -> Response:
        """A 低保 list of these ID numbers, imported by ``who``."""
        lines = ["身份证号,是否低保", *(f"{n},是" for n in numbers)]
        return self.client.post(
            "/api/reconcile", headers=self.h[who],
            files={"file": ("低保名单.csv", ("\n".join(lines) + "\n").encode("utf-8"))},
            data={"campaign": "veterans-2026", "department": "dibao",
                  "mapping": '{"id_column": "身份证号", "columns": {"是否低保": "dibao"}}'})

    def person_id(self, number: str) -> int:
        """The id of the person with an ID number."""
        with self.runtime.store_scope() as store:
            person = store.people.find(number)
            assert person is not None and person.id is not None
            return person.id


@pytest.fixture
def town(runtime: Runtime, world: dict[str, int]) -> Iterator[Town]:
    """The world of conftest with a target of every kind in each county and at the province."""
    with TestClient(create_app(runtime=runtime)) as client:
        t = Town(runtime, client, ids=dict(world))
        t.h = {who: login(runtime, who, client) for who in WHO}
        t.ids["C"] = t.record(DONGYUAN, number=ID_C, name="周一")
        t.ids["D"] = t.record(ZHONGJULING, number=ID_D, name="吴二")
        t.blobs["P"] = b"RIFF-answer-P"
        t.ids["P"] = t.record(PROVINCE, number=ID_P, name="郑三", flag=True, blob=t.blobs["P"])
        for key in ("A", "B"):
            t.blobs[key] = f"RIFF-answer-{key}".encode()
            t.ids["blob_" + key] = t.evidence(t.ids[key], t.blobs[key])
        with runtime.store_scope() as store:
            t.ids["blob_P"] = store.records.current_answers(t.ids["P"])["recipient_kind"].blob_id or 0
        for name, path, record in (("east", DONGYUAN, "A"), ("west", ZHONGJULING, "B"), ("top", PROVINCE, "P")):
            t.blobs["appeal_" + name] = f"RIFF-call-{name}".encode()
            t.ids["appeal_" + name] = t.appeal(path, record=record, recording=t.blobs["appeal_" + name])
        t.ids["appeal_east_plain"] = t.appeal(DONGYUAN, record="A")  # no recording
        for who, number in (("dongxiang", ID_A), ("jishishan", ID_B), ("prefecture", ID_A), ("collector", ID_A)):
            r = client.post("/api/interviews", headers=t.h[who], json={
                "questionnaire": "veterans", "mode": "phone", "consent": True, "person_id": t.person_id(number)})
            assert r.status_code == 201, r.text
            t.ids["interview_" + who] = r.json()["id"]
        for who, numbers in (("dongxiang", [ID_A, ID_F]), ("jishishan", [ID_B, make_id("622927", "19620909", "091")]),
                             ("prefecture", [ID_A, ID_B])):
            r = t.import_list(who, numbers)
            assert r.status_code == 201, r.text
            t.ids["run_" + who] = r.json()["id"]
        top_item = t.item(PROVINCE, ID_P)
        with runtime.store_scope() as store:
            found = ReconcileStore(store.session, store.vault).get_item(top_item)
            assert found is not None
            t.ids["run_top"] = found.run_id
        yield t


RECORDS = {"A": EAST, "B": WEST, "C": EAST, "D": WEST, "P": TOP}
FLAGGED = {"A": EAST, "B": WEST, "P": TOP}  # records with an open flag
SUBMITTED = {"C": EAST, "D": WEST, "P": TOP}  # submitted, waiting at township_reviewed
ON_ROSTER = {"A": EAST, "B": WEST}
APPEALS = {"appeal_east": EAST, "appeal_east_plain": EAST, "appeal_west": WEST, "appeal_top": TOP}
RUNS = {"run_dongxiang": EAST, "run_jishishan": WEST, "run_prefecture": EAST | WEST, "run_top": TOP}
INTERVIEWS = {f"interview_{who}": frozenset({who}) for who in ("dongxiang", "jishishan", "prefecture", "collector")}
COUNTIES = {DONGXIANG: EAST_COUNTY, JISHISHAN: WEST, PROVINCE: TOP}  # region paths as targets
PLACE = {"A": DONGYUAN, "B": ZHONGJULING, "C": DONGYUAN, "D": ZHONGJULING, "P": PROVINCE}


# -- checking answers ------------------------------------------------------------------------------------


def within(path: str, region: str) -> bool:
    """Whether ``path`` is ``region`` or lies under it."""
    return path == region or path.startswith(region + "/")


def _region_values(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("region", "region_path") and isinstance(value, str):
                yield key, value
            else:
                yield from _region_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _region_values(value)


def assert_clean(who: str, body: Any, text: str, *, ancestors: bool = False, personal_only: bool = False,
                 allow: Sequence[str] = ()) -> None:
    """Nothing of another region in an answer: no marker of the other side, no region outside the caller's.

    ``ancestors``: a region above the caller's may be named (where a reconciliation run was imported);
    ``allow``: markers the caller gave themselves (the ID numbers of a list they uploaded).
    """
    for mark in (PERSONAL if personal_only else FOREIGN)[who]:
        assert mark in allow or mark not in text, f"{who} sees {mark!r}: {text[:2000]}"
    for _, path in _region_values(body):
        assert within(path, PATH[who]) or (ancestors and within(PATH[who], path)), f"{who} sees {path}"


def clean(who: str, r: Response, *, ancestors: bool = False, personal_only: bool = False,
          allow: Sequence[str] = ()) -> Any:
    """The JSON body of a 2xx answer, checked for leaks."""
    assert 200 <= r.status_code < 300, (who, r.status_code, r.text)
    body = r.json() if r.content else None
    assert_clean(who, body, json.dumps(body, ensure_ascii=False), ancestors=ancestors, personal_only=personal_only,
                 allow=allow)
    return body


def visible(t: Town, who: str, targets: dict[str, frozenset[str]]) -> set[int]:
    """The ids of the named targets ``who`` may see."""
    return {t.ids[name] for name, seen_by in targets.items() if who in seen_by}


@dataclass(frozen=True)
class Target:
    """A target of a request: made (or looked up) right before the request, and who may reach it."""

    label: str
    make: Callable[[], Any]
    seen_by: frozenset[str]


def fixed(t: Town, targets: dict[str, frozenset[str]]) -> list[Target]:
    """Targets that already exist in the world."""
    return [Target(name, partial(t.ids.__getitem__, name), seen) for name, seen in targets.items()]


def regions(targets: dict[str, frozenset[str]]) -> list[Target]:
    """Region paths as targets."""
    return [Target(path, partial(str, path), seen) for path, seen in targets.items()]


def placed_in(t: Town, who: str, targets: dict[str, frozenset[str]], path: str) -> set[int]:
    """The ids of the named targets ``who`` may see that are placed in ``path``."""
    return {t.ids[k] for k, seen in targets.items() if who in seen and within(PLACE[k], path)}


def _detail(r: Response, key: Any) -> str:
    return str(r.json()["detail"]).replace(str(key), "<target>")


def check_targets(
    t: Town, route: str, who: str, call: Callable[[Any], Response], targets: Sequence[Target], missing: Any,
    *, ok: int = 200, on_ok: Callable[[Any, Response], None] | None = None,
    state: Callable[[Any], object] | None = None, ancestors: bool = False,
) -> None:
    """A targeted route as ``who``: in-region targets per the table, others 404 exactly like ``missing``."""
    expected = TABLE[route][who]
    gone = call(missing)
    assert gone.status_code == (403 if expected == NO else 404), (route, who, gone.status_code, gone.text)
    for target in targets:
        key = target.make()
        before = state(key) if state else None
        r = call(key)
        where = (route, who, target.label)
        if expected == NO:
            assert r.status_code == 403, (*where, r.status_code, r.text)
            assert r.json() == gone.json(), where
        elif who in target.seen_by:
            assert r.status_code == ok, (*where, r.status_code, r.text)
            if r.headers.get("content-type", "").startswith("application/json"):
                clean(who, r, ancestors=ancestors)
            if on_ok:
                on_ok(key, r)
            continue
        else:
            assert r.status_code == 404, (*where, r.status_code, r.text)
            assert _detail(r, key) == _detail(gone, missing), where  # the same answer as for no such target
        if state:
            assert state(key) == before, (*where, "a refused request changed something")


def refused_list(route: str, who: str, r: Response) -> bool:
    """Check a list route's answer is 403 when the table says so; True when it was refused."""
    if TABLE[route][who] == NO:
        assert r.status_code == 403, (route, who, r.status_code, r.text)
        return True
    assert r.status_code == 200, (route, who, r.status_code, r.text)
    return False


CHECKS: dict[str, Callable[[Town, str], None]] = {}
GROUP: dict[str, str] = {}


def check(route: str, group: str) -> Callable[[Callable[[Town, str], None]], Callable[[Town, str], None]]:
    """Register the check of a route, run with the other routes of its group on one fresh world."""
    def register(fn: Callable[[Town, str], None]) -> Callable[[Town, str], None]:
        CHECKS[route] = fn
        GROUP[route] = group
        return fn
    return register


# -- reads: lists, aggregates and targeted reads -----------------------------------------------------------


@check("GET /api/auth/me", "reads")
def _me(t: Town, who: str) -> None:
    body = clean(who, t.client.get("/api/auth/me", headers=t.h[who]))
    assert (body["username"], body["region_path"], body["role"]) == (who, PATH[who], PRINCIPALS[who][0])


@check("GET /api/records", "reads")
def _records(t: Town, who: str) -> None:
    r = t.client.get("/api/records", headers=t.h[who])
    if not refused_list("GET /api/records", who, r):
        body = clean(who, r)
        assert {i["id"] for i in body["items"]} == visible(t, who, RECORDS) and body["total"] == len(body["items"])


@check("GET /api/records/{record_id}", "reads")
def _record(t: Town, who: str) -> None:
    def same(key: Any, r: Response) -> None:
        assert r.json()["summary"]["id"] == key

    check_targets(t, "GET /api/records/{record_id}", who,
                  lambda rid: t.client.get(f"/api/records/{rid}", headers=t.h[who]), fixed(t, RECORDS), MISSING,
                  on_ok=same)


@check("GET /api/review", "reads")
def _review(t: Town, who: str) -> None:
    route = "GET /api/review"
    r = t.client.get("/api/review", headers=t.h[who])
    if not refused_list(route, who, r):
        assert {i["record_id"] for i in clean(who, r)} == visible(t, who, FLAGGED)

    def only(path: Any, r: Response) -> None:
        assert {i["record_id"] for i in r.json()} == placed_in(t, who, FLAGGED, path)

    check_targets(t, route, who, lambda path: t.client.get("/api/review", params={"region": path}, headers=t.h[who]),
                  regions(COUNTIES), NOWHERE, on_ok=only)


@check("GET /api/records/{record_id}/blobs/{blob_id}", "reads")
def _blobs(t: Town, who: str) -> None:
    route = "GET /api/records/{record_id}/blobs/{blob_id}"

    def get(rid: int, bid: int) -> Response:
        return t.client.get(f"/api/records/{rid}/blobs/{bid}", headers=t.h[who])

    own, others = ("A", "B") if who in EAST else ("B", "A")
    no_record, no_blob = get(MISSING, t.ids["blob_" + own]), get(t.ids[own], MISSING)
    if TABLE[route][who] == NO:
        for rid, bid in ((t.ids["A"], t.ids["blob_A"]), (t.ids["B"], t.ids["blob_B"]), (MISSING, MISSING)):
            assert get(rid, bid).status_code == 403, (who, rid)
        assert no_record.status_code == no_blob.status_code == 403
        return
    assert no_record.status_code == no_blob.status_code == 404
    for key, seen_by in RECORDS.items():
        if "blob_" + key not in t.ids:
            continue
        r = get(t.ids[key], t.ids["blob_" + key])
        if who in seen_by:
            assert r.status_code == 200 and r.content == t.blobs[key], (who, key, r.status_code)
            assert r.headers["cache-control"] == "no-store"
        else:
            assert r.status_code == 404 and _detail(r, t.ids[key]) == _detail(no_record, MISSING), (who, key)
    # another record's clip through a record the caller may see: as if it did not exist
    for clip in ("blob_" + others, "blob_P"):
        r = get(t.ids[own], t.ids[clip])
        assert r.status_code == 404 and _detail(r, t.ids[clip]) == _detail(no_blob, MISSING), (who, clip)


@check("GET /api/appeals", "reads")
def _appeals(t: Town, who: str) -> None:
    r = t.client.get("/api/appeals", headers=t.h[who])
    if not refused_list("GET /api/appeals", who, r):
        body = clean(who, r)
        assert {i["id"] for i in body["items"]} == visible(t, who, APPEALS) and body["total"] == len(body["items"])


@check("GET /api/appeals/{appeal_id}", "reads")
def _appeal(t: Town, who: str) -> None:
    check_targets(t, "GET /api/appeals/{appeal_id}", who,
                  lambda aid: t.client.get(f"/api/appeals/{aid}", headers=t.h[who]), fixed(t, APPEALS), MISSING)


@check("GET /api/appeals/{appeal_id}/recording", "reads")
def _recording(t: Town, who: str) -> None:
    route = "GET /api/appeals/{appeal_id}/recording"
    by_id = {t.ids[name]: name for name in APPEALS}

    def played(aid: Any, r: Response) -> None:
        assert r.content == t.blobs[by_id[aid]] and r.headers["cache-control"] == "no-store"

    with_recording = {k: v for k, v in APPEALS.items() if k != "appeal_east_plain"}
    check_targets(t, route, who, lambda aid: t.client.get(f"/api/appeals/{aid}/recording", headers=t.h[who]),
                  fixed(t, with_recording), MISSING, on_ok=played)
    plain = t.client.get(f"/api/appeals/{t.ids['appeal_east_plain']}/recording", headers=t.h[who])
    assert plain.status_code == (403 if TABLE[route][who] == NO else 404), (who, plain.text)


def _export_rows(who: str, r: Response, fmt: str) -> list[dict[str, str]]:
    """The rows of an export, checked for leaks cell by cell."""
    if fmt == "csv":
        text = r.content.decode("utf-8").lstrip("\ufeff")
        table = list(csv.reader(io.StringIO(text)))
    else:
        ws = load_workbook(io.BytesIO(r.content), read_only=True).active
        assert ws is not None
        table = [["" if c is None else str(c) for c in line] for line in ws.iter_rows(values_only=True)]
        text = "\n".join(",".join(line) for line in table)
    assert_clean(who, None, text)
    rows = [dict(zip(table[0], line, strict=True)) for line in table[1:]]
    for cells in rows:
        assert within(cells["地区"], PATH[who]), (who, cells["地区"])
    return rows


def _export(fmt: str) -> Callable[[Town, str], None]:
    route = f"GET /api/exports/{{campaign_key}}.{fmt}"

    def run(t: Town, who: str) -> None:
        r = t.client.get(f"/api/exports/veterans-2026.{fmt}", headers=t.h[who])
        if not refused_list(route, who, r):
            assert {int(c["记录号"]) for c in _export_rows(who, r, fmt)} == visible(t, who, RECORDS)

        def only(path: Any, r: Response) -> None:
            assert {int(c["记录号"]) for c in _export_rows(who, r, fmt)} == placed_in(t, who, RECORDS, path)

        check_targets(t, route, who, lambda path: t.client.get(
            f"/api/exports/veterans-2026.{fmt}", params={"region": path}, headers=t.h[who]),
            regions(COUNTIES), NOWHERE, on_ok=only)
    return run


check("GET /api/exports/{campaign_key}.csv", "reads")(_export("csv"))
check("GET /api/exports/{campaign_key}.xlsx", "reads")(_export("xlsx"))


@check("GET /api/stats", "reads")
def _stats(t: Town, who: str) -> None:
    route = "GET /api/stats"
    params = {"campaign": "veterans-2026", "question": "recipient_kind"}
    r = t.client.get("/api/stats", params=params, headers=t.h[who])
    if not refused_list(route, who, r):
        body = clean(who, r)  # C, D and P are submitted, each a 退役士兵: P is the province's
        assert body["total"] == len(visible(t, who, SUBMITTED)) and body["counts"] == {"退役士兵": body["total"]}

    def counted(path: Any, r: Response) -> None:
        assert r.json()["total"] == len(placed_in(t, who, SUBMITTED, path)) and r.json()["region"] == path

    check_targets(t, route, who, lambda path: t.client.get("/api/stats", params={**params, "region": path},
                                                           headers=t.h[who]),
                  regions(COUNTIES), NOWHERE, on_ok=counted)


@check("GET /api/progress", "reads")
def _progress(t: Town, who: str) -> None:
    r = t.client.get("/api/progress", params={"campaign": "veterans-2026"}, headers=t.h[who])
    if not refused_list("GET /api/progress", who, r):
        rows = clean(who, r)
        assert rows[0]["region"] == PATH[who]
        assert rows[0]["started"] == len(visible(t, who, RECORDS))
        assert rows[0]["roster"] == len(visible(t, who, ON_ROSTER))
        assert rows[0]["open_flags"] == len(visible(t, who, FLAGGED))


@check("GET /api/workflow/sample", "reads")
def _sample(t: Town, who: str) -> None:
    def drawn(path: Any, r: Response) -> None:
        assert r.json()["region"] == path and set(r.json()["sample"]) == placed_in(t, who, SUBMITTED, path)

    check_targets(t, "GET /api/workflow/sample", who, lambda path: t.client.get(
        "/api/workflow/sample", params={"campaign": "veterans-2026", "region": path}, headers=t.h[who]),
        regions(COUNTIES), NOWHERE, on_ok=drawn)


@check("GET /api/workflow/queue", "reads")
def _queue(t: Town, who: str) -> None:
    r = t.client.get("/api/workflow/queue", params={"campaign": "veterans-2026", "stage": "township_reviewed"},
                     headers=t.h[who])
    if not refused_list("GET /api/workflow/queue", who, r):
        body = clean(who, r)
        assert {i["id"] for i in body["items"]} == visible(t, who, SUBMITTED) and body["total"] == len(body["items"])


@check("GET /api/audit", "reads")
def _audit(t: Town, who: str) -> None:
    r = t.client.get("/api/audit", headers=t.h[who])
    if not refused_list("GET /api/audit", who, r):
        entries = clean(who, r, personal_only=True)  # requests name what was asked for, e.g. a region path
        names = {e["username"] for e in entries}
        assert who in names and names <= AUDIT_VISIBLE[who], names


@check("GET /api/reconcile/runs", "reads")
def _runs(t: Town, who: str) -> None:
    r = t.client.get("/api/reconcile/runs", headers=t.h[who])
    if not refused_list("GET /api/reconcile/runs", who, r):
        runs = clean(who, r, ancestors=True)
        assert {x["id"] for x in runs} == visible(t, who, RUNS)
        for run in runs:  # counted within the caller's region
            items = t.client.get(f"/api/reconcile/runs/{run['id']}/items", headers=t.h[who]).json()
            assert run["open"] + run["resolved"] == items["total"] == len(items["items"]), (who, run)
            # the whole list's totals only where the caller's area covers the importer's region
            covers = run["region"] is not None and within(run["region"], PATH[who])
            assert (run["rows"] is not None, run["matched"] is not None) == (covers, covers), (who, run)
            assert covers or run["rejected"] == []


@check("GET /api/reconcile/runs/{run_id}", "reads")
def _run(t: Town, who: str) -> None:
    check_targets(t, "GET /api/reconcile/runs/{run_id}", who,
                  lambda rid: t.client.get(f"/api/reconcile/runs/{rid}", headers=t.h[who]), fixed(t, RUNS), MISSING,
                  ancestors=True)


@check("GET /api/reconcile/runs/{run_id}/items", "reads")
def _items(t: Town, who: str) -> None:
    def scoped(rid: Any, r: Response) -> None:
        items = r.json()["items"]
        assert items and all(within(i["region"], PATH[who]) for i in items), (who, items)

    check_targets(t, "GET /api/reconcile/runs/{run_id}/items", who,
                  lambda rid: t.client.get(f"/api/reconcile/runs/{rid}/items", headers=t.h[who]), fixed(t, RUNS),
                  MISSING, on_ok=scoped)


@check("GET /api/interviews/roster", "reads")
def _roster(t: Town, who: str) -> None:
    r = t.client.get("/api/interviews/roster", params={"questionnaire": "veterans"}, headers=t.h[who])
    if not refused_list("GET /api/interviews/roster", who, r):
        body = clean(who, r)
        people = {t.person_id(ID_A): "A", t.person_id(ID_B): "B"}
        assert {people[i["person_id"]] for i in body["items"]} == {k for k, v in ON_ROSTER.items() if who in v}


@check("GET /api/interviews/{interview_id}", "reads")
def _interview(t: Town, who: str) -> None:
    def same(key: Any, r: Response) -> None:
        assert r.json()["id"] == key

    check_targets(t, "GET /api/interviews/{interview_id}", who,
                  lambda iid: t.client.get(f"/api/interviews/{iid}", headers=t.h[who]), fixed(t, INTERVIEWS),
                  MISSING, on_ok=same)


@check("WS /api/interviews/{interview_id}/listen", "reads")
def _listen(t: Town, who: str) -> None:
    route = "WS /api/interviews/{interview_id}/listen"
    for name, seen_by in [*INTERVIEWS.items(), ("missing", frozenset[str]())]:
        key = t.ids.get(name, MISSING)
        url = f"/api/interviews/{key}/listen"
        if TABLE[route][who] == OK and who in seen_by:
            with t.client.websocket_connect(url, headers=t.h[who]) as ws:
                opening = ws.receive_json()
            assert opening["type"] == "turn" and opening["id"] == key
            assert_clean(who, opening, json.dumps(opening, ensure_ascii=False))
        else:
            with pytest.raises(WebSocketDisconnect) as refused, t.client.websocket_connect(url, headers=t.h[who]):
                pass
            assert refused.value.code == 1008, (who, name)


# -- records, review and workflow actions ------------------------------------------------------------------


def _record_state(t: Town) -> Callable[[Any], object]:
    def state(rid: Any) -> object:
        with t.runtime.store_scope() as store:
            record = store.session.get(Record, rid)
            if record is None:
                return None
            return record.stage, record.status, len(store.records.answer_history(rid)), len(store.records.workflow_events([rid]))
    return state


def fresh_records(t: Town) -> list[Target]:
    """A new submitted record at township_reviewed in each county and at the province, per request."""
    return [Target("east", lambda: t.record(DONGYUAN), EAST), Target("west", lambda: t.record(ZHONGJULING), WEST),
            Target("top", lambda: t.record(PROVINCE), TOP)]


@check("POST /api/records/{record_id}/reveal", "records")
def _reveal(t: Town, who: str) -> None:
    numbers = {t.ids["A"]: ID_A, t.ids["B"]: ID_B}  # C, D and P have no ID number answer

    def shown(rid: Any, r: Response) -> None:
        assert r.json()["value"] == numbers.get(rid)

    check_targets(t, "POST /api/records/{record_id}/reveal", who, lambda rid: t.client.post(
        f"/api/records/{rid}/reveal", json={"key": "id_number"}, headers=t.h[who]), fixed(t, RECORDS), MISSING,
        on_ok=shown)


@check("POST /api/records/{record_id}/answers/{key}", "records")
def _correct(t: Town, who: str) -> None:
    def corrected(rid: Any, r: Response) -> None:
        body = r.json()
        assert body["current"]["status"] == "corrected" and body["current"]["reason"] == "电话核实"

    check_targets(t, "POST /api/records/{record_id}/answers/{key}", who, lambda rid: t.client.post(
        f"/api/records/{rid}/answers/recipient_kind", json={"text": "退役士兵", "reason": "电话核实"},
        headers=t.h[who]), fixed(t, RECORDS), MISSING, on_ok=corrected, state=_record_state(t))


@check("POST /api/flags/{flag_id}/approve", "records")
def _approve(t: Town, who: str) -> None:
    def flag_state(fid: Any) -> object:
        with t.runtime.store_scope() as store:
            flag = store.records.get_flag(fid)
            return flag.status if flag else None

    def resolved(fid: Any, r: Response) -> None:
        assert flag_state(fid) == "resolved"

    targets = [Target(k, partial(t.flag, t.ids[k]), seen) for k, seen in RECORDS.items()]
    check_targets(t, "POST /api/flags/{flag_id}/approve", who,
                  lambda fid: t.client.post(f"/api/flags/{fid}/approve", headers=t.h[who]), targets, MISSING,
                  ok=204, on_ok=resolved, state=flag_state)


@check("POST /api/workflow/advance", "records")
def _advance(t: Town, who: str) -> None:
    route = "POST /api/workflow/advance"

    def answered(rid: Any, r: Response) -> None:
        assert set(r.json()["moved"]) | {int(k) for k in r.json()["refused"]} == {rid}

    check_targets(t, route, who, lambda rid: t.client.post("/api/workflow/advance", json={
        "record_ids": [rid], "to": STEP[who]}, headers=t.h[who]), fresh_records(t), MISSING, on_ok=answered,
        state=_record_state(t))
    if TABLE[route][who] == OK:  # another level's step: refused whatever the records
        other = "township_reviewed" if STEP[who] != "township_reviewed" else "county_checked"
        r = t.client.post(route.split()[1], json={"record_ids": [t.ids["A"]], "to": other}, headers=t.h[who])
        assert r.status_code == 403, r.text


@check("POST /api/workflow/return", "records")
def _return(t: Town, who: str) -> None:
    def sent_back(rid: Any, r: Response) -> None:
        assert r.json() == {"moved": [rid], "refused": {}}

    check_targets(t, "POST /api/workflow/return", who, lambda rid: t.client.post("/api/workflow/return", json={
        "record_ids": [rid], "reason": "电话号码不对"}, headers=t.h[who]), fresh_records(t), MISSING,
        on_ok=sent_back, state=_record_state(t))


@check("POST /api/workflow/spot-check", "records")
def _spot_check(t: Town, who: str) -> None:
    check_targets(t, "POST /api/workflow/spot-check", who, lambda rid: t.client.post("/api/workflow/spot-check", json={
        "record_id": rid, "passed": True}, headers=t.h[who]), fresh_records(t), MISSING, ok=204,
        state=_record_state(t))


@check("PUT /api/workflow/rate/{campaign_key}", "records")
def _rate(t: Town, who: str) -> None:
    def rate(key: Any) -> object:
        with t.runtime.store_scope() as store:
            campaign = store.campaigns.by_key(key)
            return campaign.spot_check_rate if campaign else None

    check_targets(t, "PUT /api/workflow/rate/{campaign_key}", who, lambda key: t.client.put(
        f"/api/workflow/rate/{key}", json={"rate": 0.5}, headers=t.h[who]),
        [Target("campaign", lambda: "veterans-2026", frozenset(WHO))], "nothing-2026", ok=204, state=rate)


# -- questionnaire versions (nothing regional: every reader sees them, a missing one is 404) ----------------


def _draft(t: Town) -> int:
    """A changed veterans file, registered as start-up would: a draft."""
    with t.runtime.store_scope() as store:
        text = (BUILTIN_DIR / "veterans.yaml").read_text(encoding="utf-8") + "\n# changed\n"
        return store.forms.register("veterans", "2026.1", text)[0].id or 0


@check("GET /api/forms/{questionnaire}", "reads")
def _form_versions(t: Town, who: str) -> None:
    check_targets(t, "GET /api/forms/{questionnaire}", who,
                  lambda name: t.client.get(f"/api/forms/{name}", headers=t.h[who]),
                  [Target("veterans", partial(str, "veterans"), frozenset(WHO))], "nothing")


@check("GET /api/forms/{questionnaire}/versions/{version_id}/diff", "reads")
def _form_diff(t: Town, who: str) -> None:
    check_targets(t, "GET /api/forms/{questionnaire}/versions/{version_id}/diff", who,
                  lambda vid: t.client.get(f"/api/forms/veterans/versions/{vid}/diff", headers=t.h[who]),
                  [Target("draft", partial(_draft, t), frozenset(WHO))], MISSING)


@check("POST /api/forms/{questionnaire}/versions/{version_id}/publish", "reads")
def _form_publish(t: Town, who: str) -> None:
    def status(vid: Any) -> object:
        with t.runtime.store_scope() as store:
            return [(v.id, v.status) for v in store.forms.of("veterans")]

    check_targets(t, "POST /api/forms/{questionnaire}/versions/{version_id}/publish", who,
                  lambda vid: t.client.post(f"/api/forms/veterans/versions/{vid}/publish", json={}, headers=t.h[who]),
                  [Target("draft", partial(_draft, t), frozenset(WHO))], MISSING, state=status)


# -- appeals -----------------------------------------------------------------------------------------------


def _appeal_state(t: Town) -> Callable[[Any], object]:
    def state(aid: Any) -> object:
        with t.runtime.store_scope() as store:
            appeal = store.session.get(Appeal, aid)
            return None if appeal is None else (appeal.status, appeal.assignee_id, len(store.appeals.notes(aid)))
    return state


def fresh_appeals(t: Town) -> list[Target]:
    """A new appeal in each county and at the province, per request."""
    return [Target("east", lambda: t.appeal(DONGYUAN), EAST), Target("west", lambda: t.appeal(ZHONGJULING), WEST),
            Target("top", lambda: t.appeal(PROVINCE), TOP)]


SAME_FOR_STRANGERS = ("source", "channel", "category", "status", "person_id", "record_id", "region", "assignee")


def _take_calls(t: Town, who: str, route: str, send: Callable[[str], Response]) -> None:
    """A call from the caller's own person is linked; one from anyone else is filed like a stranger's."""
    own, other = (ID_A, ID_B) if who in EAST else (ID_B, ID_A)
    if TABLE[route][who] == NO:
        for number in (own, other, ID_P):
            assert send(number).status_code == 403, (route, who)
        return
    mine = clean(who, send(own))
    assert mine["person_id"] == t.person_id(own) and mine["region"] == (DONGYUAN if own == ID_A else ZHONGJULING)
    stranger = clean(who, send(make_id("622926", "19700101", "999")))
    assert stranger["person_id"] is None and stranger["region"] == PATH[who]
    for number in (other, ID_P):
        body = clean(who, send(number))
        assert {k: body[k] for k in SAME_FOR_STRANGERS} == {k: stranger[k] for k in SAME_FOR_STRANGERS}, number


@check("POST /api/appeals", "appeals")
def _take_call(t: Town, who: str) -> None:
    route = "POST /api/appeals"
    _take_calls(t, who, route, lambda number: t.client.post(
        "/api/appeals", json={"text": "老人家住房是危房，想申请危房改造", "id_number": number}, headers=t.h[who]))


@check("POST /api/appeals/recordings", "appeals")
def _take_recording(t: Town, who: str) -> None:
    route = "POST /api/appeals/recordings"
    t.runtime.transcriber = FakeTranscriber()
    try:
        _take_calls(t, who, route, lambda number: t.client.post(
            "/api/appeals/recordings", files={"file": ("call.wav", b"RIFF-a-call", "audio/wav")},
            data={"id_number": number}, headers=t.h[who]))
    finally:
        t.runtime.transcriber = None


@check("POST /api/appeals/{appeal_id}/assign", "appeals")
def _assign(t: Town, who: str) -> None:
    route = "POST /api/appeals/{appeal_id}/assign"

    def taken(aid: Any, r: Response) -> None:
        assert r.json()["assignee"] == who and r.json()["status"] == "assigned"

    check_targets(t, route, who, lambda aid: t.client.post(f"/api/appeals/{aid}/assign", json={"username": who},
                                                           headers=t.h[who]),
                  fresh_appeals(t), MISSING, on_ok=taken, state=_appeal_state(t))
    if TABLE[route][who] == OK:  # staff of another region are refused like a name that does not exist
        aid = t.appeal(DONGYUAN if who in EAST else ZHONGJULING)
        outsider = "jishishan" if who in EAST else "dongxiang"
        r1 = t.client.post(f"/api/appeals/{aid}/assign", json={"username": outsider}, headers=t.h[who])
        r2 = t.client.post(f"/api/appeals/{aid}/assign", json={"username": "nobody"}, headers=t.h[who])
        assert r1.status_code == r2.status_code == 422
        assert _detail(r1, outsider) == _detail(r2, "nobody")


def _appeal_action(action: str, status: str) -> Callable[[Town, str], None]:
    route = f"POST /api/appeals/{{appeal_id}}/{action}"

    def run(t: Town, who: str) -> None:
        def done(aid: Any, r: Response) -> None:
            assert r.json()["status"] == status

        note = None if action == "close" else {"text": "已电话联系，正在核实"}
        check_targets(t, route, who, lambda aid: t.client.post(f"/api/appeals/{aid}/{action}", json=note,
                                                               headers=t.h[who]),
                      fresh_appeals(t), MISSING, on_ok=done, state=_appeal_state(t))
    return run


check("POST /api/appeals/{appeal_id}/notes", "appeals")(_appeal_action("notes", "in_progress"))
check("POST /api/appeals/{appeal_id}/answer", "appeals")(_appeal_action("answer", "answered"))
check("POST /api/appeals/{appeal_id}/close", "appeals")(_appeal_action("close", "closed"))


# -- reconciliation and interviews ---------------------------------------------------------------------------


@check("POST /api/reconcile", "fieldwork")
def _import(t: Town, who: str) -> None:
    route = "POST /api/reconcile"
    own = {"dongxiang": [ID_A], "jishishan": [ID_B], "prefecture": [ID_A, ID_B]}.get(who, [ID_A])
    strangers = [n for n in (ID_A, ID_B) if n not in own] + [ID_P]
    unknown = make_id("622926", "19700101", "998")
    r = t.import_list(who, [*own, *strangers, unknown])
    if TABLE[route][who] == NO:
        assert r.status_code == 403, (who, r.text)
        return
    assert r.status_code == 201, (who, r.text)
    run = clean(who, r, ancestors=True)
    assert run["matched"] == len(own) and run["region"] == PATH[who]
    uploaded = [masked(n) for n in strangers]  # the caller's own list names them, masked as always
    items = clean(who, t.client.get(f"/api/reconcile/runs/{run['id']}/items", headers=t.h[who]),
                  allow=uploaded)["items"]
    by_number = {i["id_number"]: i for i in items}
    looks = ("kind", "reason", "region", "record_id", "person", "question", "ours", "theirs")
    for number in strangers:  # someone of another region is, here, someone nobody knows
        seen = by_number[masked(number)]
        assert {k: seen[k] for k in looks} == {k: by_number[masked(unknown)][k] for k in looks}, number
    for number in own:  # in progress: not collected yet
        assert by_number[masked(number)]["reason"] == "not_collected", number


@check("POST /api/reconcile/items/{item_id}/resolve", "fieldwork")
def _resolve(t: Town, who: str) -> None:
    def item_state(iid: Any) -> object:
        with t.runtime.store_scope() as store:
            item = ReconcileStore(store.session, store.vault).get_item(iid)
            return item.status if item else None

    def settled(iid: Any, r: Response) -> None:
        assert r.json()["status"] == "resolved" and r.json()["resolved_by"] == who

    targets = [Target("village", lambda: t.item(DONGYUAN), EAST), Target("county", lambda: t.item(DONGXIANG), EAST_COUNTY),
               Target("west", lambda: t.item(ZHONGJULING), WEST), Target("top", lambda: t.item(PROVINCE), TOP)]
    check_targets(t, "POST /api/reconcile/items/{item_id}/resolve", who, lambda iid: t.client.post(
        f"/api/reconcile/items/{iid}/resolve", json={"note": "已入户核实"}, headers=t.h[who]), targets, MISSING,
        on_ok=settled, state=item_state)


@check("POST /api/interviews", "fieldwork")
def _open_interview(t: Town, who: str) -> None:
    route = "POST /api/interviews"

    def conversations(_: Any) -> object:
        with t.runtime.store_scope() as store:
            return store.session.exec(select(func.count()).select_from(Conversation)).one()

    def opened(pid: Any, r: Response) -> None:
        assert r.json()["person"]["id"] == pid

    people = {"A": EAST, "B": WEST, "P": TOP}
    numbers = {"A": ID_A, "B": ID_B, "P": ID_P}
    targets = [Target(k, partial(t.person_id, numbers[k]), seen) for k, seen in people.items()]
    check_targets(t, route, who, lambda pid: t.client.post("/api/interviews", json={
        "questionnaire": "veterans", "mode": "visit", "consent": True, "person_id": pid}, headers=t.h[who]),
        targets, MISSING, ok=201, on_ok=opened, state=conversations)
    if TABLE[route][who] == OK:  # by ID number: a person of another region is not opened, nothing is shown:
        # a declaration of the caller's own region opens, answered like the record of a person nobody knew
        before = conversations(None)
        assert isinstance(before, int)
        other = ID_P if who == "prefecture" else ID_B if who in EAST else ID_A
        with t.runtime.store_scope() as store:
            person = store.people.find(other)
            assert person is not None
            kept = (person.region_id, store.people.name(person), store.people.phone(person))
        r = t.client.post("/api/interviews", json={"questionnaire": "veterans", "mode": "visit", "consent": True,
                                                   "id_number": other}, headers=t.h[who])
        body = clean(who, r, allow=[masked(other)])  # the number the caller typed, masked as always
        assert body["person"] == {"id": None, "name": None, "id_number": masked(other), "phone": None,
                                  "region": PATH[who]}, body
        assert conversations(None) == before + 1
        with t.runtime.store_scope() as store:
            person = store.people.find(other)
            assert person is not None
            assert (person.region_id, store.people.name(person), store.people.phone(person)) == kept


@check("POST /api/interviews/{interview_id}/answer", "fieldwork")
def _interview_answer(t: Town, who: str) -> None:
    def replied(iid: Any, r: Response) -> None:
        assert r.json()["id"] == iid and r.json()["replies"]

    def state(iid: Any) -> object:
        with t.runtime.store_scope() as store:
            conv = store.session.get(Conversation, iid)
            return None if conv is None else conv.state_json

    check_targets(t, "POST /api/interviews/{interview_id}/answer", who, lambda iid: t.client.post(
        f"/api/interviews/{iid}/answer", json={"text": "为什么问这个"}, headers=t.h[who]), fixed(t, INTERVIEWS),
        MISSING, on_ok=replied, state=state)


# -- logging in and out --------------------------------------------------------------------------------------


@check("POST /api/auth/login", "auth")
def _login(t: Town, who: str) -> None:
    assert TABLE["POST /api/auth/login"][who] == OK
    r = t.client.post("/api/auth/login", json={"username": who, "password": PW})
    body = clean(who, r)
    assert body["staff"]["username"] == who and body["staff"]["region_path"] == PATH[who] and body["token"]
    wrong = t.client.post("/api/auth/login", json={"username": who, "password": "not the password"})
    assert wrong.status_code == 401


@check("POST /api/auth/logout", "auth")
def _logout(t: Town, who: str) -> None:
    assert TABLE["POST /api/auth/logout"][who] == OK
    h = login(t.runtime, who, t.client)
    assert t.client.post("/api/auth/logout", headers=h).status_code == 204
    assert t.client.get("/api/auth/me", headers=h).status_code == 401  # that token is over
    assert t.client.get("/api/auth/me", headers=t.h[who]).status_code == 200  # the other login is not


# register the checks of the identification routes, and of visits, collection points and signatures
from tests.admin import access_identity, access_visits  # noqa: E402,F401

GROUPS = sorted(set(GROUP.values()))


@pytest.mark.parametrize("group", GROUPS)
def test_routes_as_five_principals(town: Town, group: str) -> None:
    for route, run in CHECKS.items():
        if GROUP[route] == group:
            for who in WHO:
                run(town, who)


def test_without_a_login_every_route_answers_401(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    params = {"record_id": "1", "key": "gender", "blob_id": "1", "flag_id": "1", "appeal_id": "1", "run_id": "1",
              "item_id": "1", "interview_id": "1", "campaign_key": "veterans-2026", "change_id": "1",
              "person_id": "1", "declaration_id": "1", "questionnaire": "veterans", "version_id": "1",
              "point_id": "1"}
    with TestClient(app) as client:
        for route in sorted(api_routes(app)):
            method, path = route.split(" ", 1)
            url = path.format(**params)
            if method == "WS":
                for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url, headers=headers):
                        pass
                    assert refused.value.code == 1008, route
                continue
            if route == "POST /api/auth/login":
                r = client.post(url, json={"username": "dongxiang", "password": PW})
                assert r.status_code == 401, r.text  # no such account yet
                continue
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                r = client.request(method, url, headers=headers)
                assert r.status_code == 401, (route, headers, r.status_code, r.text)
                assert r.headers["www-authenticate"] == "Bearer"
    with runtime.store_scope() as store:
        assert StaffStore(store.session).by_username("dongxiang") is None


def test_the_api_is_documented_by_openapi(runtime: Runtime) -> None:
    """/openapi.json describes every /api route of the table; /docs serves the browsable page."""
    with TestClient(create_app(runtime=runtime)) as client:
        spec = client.get("/openapi.json").json()
        documented = {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}
        http_rows = {k for k in TABLE if not k.startswith("WS ")}
        assert http_rows <= documented, sorted(http_rows - documented)
        assert not any(p.startswith("/admin") for p in spec["paths"])  # console pages are not API
        docs = client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
