"""The access-table checks of visits, collection points and 签字确认, registered into
:mod:`tests.admin.test_access_table` and run with it.

Their targets are made on first need in the group's own world (group "visits"): the persons of records C, D
and P (no phone: they need a home visit) are put on the roster where they live; A, B, C and P have visits;
a collection point in each county and at the province; a signature on each of the records A to P. The
checks that write (visits, points, signatures) run after the reads, on fresh targets where they can.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from httpx2 import Response
from sqlmodel import func, select

from storage.points import CollectionPoint
from storage.signatures import Signature
from storage.visits import Outcome, VisitEvent, VisitMode
from tests.admin.test_access_table import (
    DONGYUAN,
    EAST,
    ID_A,
    ID_B,
    ID_C,
    ID_D,
    ID_P,
    MISSING,
    NO,
    NOWHERE,
    PATH,
    PROVINCE,
    RECORDS,
    TABLE,
    TOP,
    WEST,
    ZHONGJULING,
    Target,
    Town,
    _detail,
    check,
    check_targets,
    clean,
    fixed,
    refused_list,
    visible,
)

GROUP = "visits"
CAMPAIGN = "veterans-2026"
NUMBERS = {"A": ID_A, "B": ID_B, "C": ID_C, "D": ID_D, "P": ID_P}
PEOPLE = {"A": EAST, "B": WEST, "C": EAST, "D": WEST, "P": TOP}  # the persons of the records, on the roster
NEEDING = {"C": EAST, "D": WEST, "P": TOP}  # no phone: a home visit is needed
# the visits made: (mode, outcome) per person
VISITS = {"A": [VisitMode.HOME, VisitMode.HOME], "B": [VisitMode.HOME], "C": [VisitMode.PHONE],
          "P": [VisitMode.HOME]}
POINTS = {"point_east": EAST, "point_west": WEST, "point_top": TOP}
POINT_PLACE = {"point_east": DONGYUAN, "point_west": ZHONGJULING, "point_top": PROVINCE}
MINE = {"collector": {"point_east"}, "jishishan": {"point_west"}}  # who is assigned to which point
SIDES = {"east": (DONGYUAN, EAST), "west": (ZHONGJULING, WEST), "top": (PROVINCE, TOP)}


def png(width: int, height: int = 24) -> bytes:
    """A real PNG: white, ``width`` × ``height``, greyscale."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def point(t: Town, path: str) -> int:
    """A new collection point at ``path``."""
    with t.runtime.store_scope() as store:
        region = store.regions.by_path(path)
        assert region is not None
        t.serial += 1
        return store.points.create(f"采集点{t.serial}", region.id or 0, "", None).id or 0


def person_ids(t: Town, keys: dict[str, frozenset[str]], who: str) -> set[int]:
    """The person ids of the named persons ``who`` may see."""
    return {t.person_id(NUMBERS[k]) for k, seen in keys.items() if who in seen}


def targets_once(t: Town) -> None:
    """The fixed targets of this group: roster entries, needs, visits, points, signatures."""
    if "point_east" in t.ids:
        return
    with t.runtime.store_scope() as store:
        campaign = store.campaigns.by_key(CAMPAIGN)
        collector = store.staff.by_username("collector")
        jishishan = store.staff.by_username("jishishan")
        assert campaign is not None and collector is not None and jishishan is not None
        collector_id, jishishan_id = collector.id or 0, jishishan.id or 0
        for key in ("C", "D", "P"):
            person = store.people.find(NUMBERS[key])
            assert person is not None
            store.campaigns.put_roster_entry(campaign.id or 0, person, person.region_id, {})
            store.visits.refresh_needs(campaign, [person.id or 0])
        now = datetime.now(UTC)
        for key, modes in VISITS.items():
            pid = t.person_id(NUMBERS[key])
            for days, mode in enumerate(modes):
                store.visits.add(campaign_id=campaign.id or 0, person_id=pid, record_id=t.ids[key],
                                 staff_id=collector_id, at=now - timedelta(days=days + 1), mode=mode,
                                 outcome=Outcome.MET, note=f"见到{key}本人")
        for width, key in enumerate(RECORDS, start=40):
            t.blobs["sig_" + key] = png(width)
            blob = store.blobs.put("signature", "image/png", t.blobs["sig_" + key])
            store.signatures.signed(t.ids[key], blob.id or 0, collector_id)
    for name, path in POINT_PLACE.items():
        t.ids[name] = point(t, path)
    with t.runtime.store_scope() as store:
        store.points.assign(t.ids["point_east"], collector_id)
        store.points.assign(t.ids["point_west"], jishishan_id)


# -- visits ----------------------------------------------------------------------------------------------


@check("GET /api/visits/figures", GROUP)
def _figures(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/visits/figures", params={"campaign": CAMPAIGN}, headers=t.h[who])
    if refused_list("GET /api/visits/figures", who, r):
        return
    own = clean(who, r)[0]

    def seen(keys: set[str]) -> int:
        return len({k for k in keys if who in PEOPLE[k]})

    assert own["region"] == PATH[who]
    assert (own["roster"], own["contacted"], own["visited"], own["visited_twice"]) == (
        seen(set(PEOPLE)), seen(set(VISITS)), seen({k for k, m in VISITS.items() if VisitMode.HOME in m}),
        seen({k for k, m in VISITS.items() if m.count(VisitMode.HOME) >= 2})), (who, own)


@check("GET /api/visits", GROUP)
def _area_visits(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/visits", params={"campaign": CAMPAIGN}, headers=t.h[who])
    if refused_list("GET /api/visits", who, r):
        return
    body = clean(who, r)
    visited = {k: PEOPLE[k] for k in VISITS}
    assert {i["person_id"] for i in body["items"]} == person_ids(t, visited, who)
    assert body["total"] == sum(len(VISITS[k]) for k in VISITS if who in PEOPLE[k]) == len(body["items"])
    assert all(i["note"] is None for i in body["items"])  # notes only in a person's own list


@check("GET /api/visits/person/{person_id}", GROUP)
def _person_visits(t: Town, who: str) -> None:
    targets_once(t)
    by_person = {t.person_id(NUMBERS[k]): k for k in VISITS}

    def listed(pid: Any, r: Response) -> None:
        items = r.json()["items"]
        assert len(items) == len(VISITS[by_person[pid]]) and all(i["person_id"] == pid for i in items)
        assert all(i["note"] == f"见到{by_person[pid]}本人" for i in items)

    targets = [Target(k, partial(t.person_id, NUMBERS[k]), PEOPLE[k]) for k in ("A", "B", "P")]
    check_targets(t, "GET /api/visits/person/{person_id}", who, lambda pid: t.client.get(
        f"/api/visits/person/{pid}", params={"campaign": CAMPAIGN}, headers=t.h[who]), targets, MISSING,
        on_ok=listed)


@check("GET /api/visits/needs", GROUP)
def _needs(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/visits/needs", params={"campaign": CAMPAIGN}, headers=t.h[who])
    if refused_list("GET /api/visits/needs", who, r):
        return
    body = clean(who, r)
    assert {i["person_id"] for i in body["items"]} == person_ids(t, NEEDING, who)
    assert all(i["no_phone"] and i["phone"] is None for i in body["items"]) and body["total"] == len(body["items"])


# -- collection points -----------------------------------------------------------------------------------


@check("GET /api/points", GROUP)
def _points(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/points", headers=t.h[who])
    if refused_list("GET /api/points", who, r):
        return
    body = clean(who, r)
    assert {i["id"] for i in body["items"]} == visible(t, who, POINTS) and body["total"] == len(body["items"])


@check("GET /api/points/mine", GROUP)
def _my_points(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/points/mine", headers=t.h[who])
    if refused_list("GET /api/points/mine", who, r):
        return
    assert {i["id"] for i in clean(who, r)} == {t.ids[name] for name in MINE.get(who, set())}


@check("POST /api/points", GROUP)
def _create_point(t: Town, who: str) -> None:
    route = "POST /api/points"

    def count() -> int:
        with t.runtime.store_scope() as store:
            return int(store.session.exec(select(func.count()).select_from(CollectionPoint)).one())

    def create(path: str) -> Response:
        t.serial += 1
        return t.client.post("/api/points", json={"name": f"新采集点{t.serial}", "region": path}, headers=t.h[who])

    before = count()
    if TABLE[route][who] == NO:
        for path in (PATH[who], NOWHERE):
            assert create(path).status_code == 403, (who, path)
        assert count() == before
        return
    made = clean(who, create(PATH[who]))
    assert made["region"] == PATH[who] and made["staff"] == []
    nowhere = create(NOWHERE)
    other = ZHONGJULING if who in EAST else DONGYUAN
    for path in (other, PROVINCE):  # a region outside the caller's area is like one that does not exist
        r = create(path)
        assert r.status_code == nowhere.status_code == 422, (who, path, r.text)
        assert _detail(r, path) == _detail(nowhere, NOWHERE)
    assert count() == before + 1


@check("POST /api/points/{point_id}/staff", GROUP)
def _assign(t: Town, who: str) -> None:
    def staff_of(pid: Any) -> object:
        with t.runtime.store_scope() as store:
            return store.points.staff_of(pid)

    def assigned(pid: Any, r: Response) -> None:
        assert [s["username"] for s in r.json()["staff"]] == [who]

    targets = [Target(side, partial(point, t, path), seen) for side, (path, seen) in SIDES.items()]
    check_targets(t, "POST /api/points/{point_id}/staff", who, lambda pid: t.client.post(
        f"/api/points/{pid}/staff", json={"username": who}, headers=t.h[who]), targets, MISSING,
        on_ok=assigned, state=staff_of)


# -- 签字确认 ---------------------------------------------------------------------------------------------


@check("GET /api/records/{record_id}/signature", GROUP)
def _signature(t: Town, who: str) -> None:
    targets_once(t)

    def signed(rid: Any, r: Response) -> None:
        body = r.json()
        assert body["record_id"] == rid and body["signed"] and body["image"] == f"/api/records/{rid}/signature.png"

    check_targets(t, "GET /api/records/{record_id}/signature", who, lambda rid: t.client.get(
        f"/api/records/{rid}/signature", headers=t.h[who]), fixed(t, RECORDS), MISSING, on_ok=signed)


@check("GET /api/records/{record_id}/signature.png", GROUP)
def _signature_image(t: Town, who: str) -> None:
    targets_once(t)
    by_record = {t.ids[k]: k for k in RECORDS}

    def shown(rid: Any, r: Response) -> None:
        assert r.content == t.blobs["sig_" + by_record[rid]] and r.headers["cache-control"] == "no-store"
        assert r.headers["content-type"] == "image/png"

    check_targets(t, "GET /api/records/{record_id}/signature.png", who, lambda rid: t.client.get(
        f"/api/records/{rid}/signature.png", headers=t.h[who]), fixed(t, RECORDS), MISSING, on_ok=shown)


def _signatures_of(t: Town) -> Callable[[Any], object]:
    def state(rid: Any) -> object:
        with t.runtime.store_scope() as store:
            return int(store.session.exec(select(func.count()).select_from(Signature)
                                          .where(Signature.record_id == rid)).one())
    return state


def fresh_records(t: Town) -> list[Target]:
    """A new submitted record in each county and at the province, per request."""
    return [Target(side, partial(t.record, path), seen) for side, (path, seen) in SIDES.items()]


@check("POST /api/records/{record_id}/signature", GROUP)
def _sign(t: Town, who: str) -> None:
    def kept(rid: Any, r: Response) -> None:
        assert r.json()["signed"] and _signatures_of(t)(rid) == 1

    check_targets(t, "POST /api/records/{record_id}/signature", who, lambda rid: t.client.post(
        f"/api/records/{rid}/signature", files={"file": ("signature.png", png(120), "image/png")},
        headers=t.h[who]), fresh_records(t), MISSING, ok=201, on_ok=kept, state=_signatures_of(t))


@check("POST /api/records/{record_id}/signature/none", GROUP)
def _no_signature(t: Town, who: str) -> None:
    def kept(rid: Any, r: Response) -> None:
        assert (r.json()["signed"], r.json()["reason"], r.json()["note"]) == (False, "cannot_write", "手抖写不了字")

    check_targets(t, "POST /api/records/{record_id}/signature/none", who, lambda rid: t.client.post(
        f"/api/records/{rid}/signature/none", json={"reason": "cannot_write", "note": "手抖写不了字"},
        headers=t.h[who]), fresh_records(t), MISSING, ok=201, on_ok=kept, state=_signatures_of(t))


# -- entering a visit (last: it adds to the figures) -------------------------------------------------------


@check("POST /api/visits", GROUP)
def _add_visit(t: Town, who: str) -> None:
    targets_once(t)

    def visits_of(pid: Any) -> object:
        with t.runtime.store_scope() as store:
            return int(store.session.exec(select(func.count()).select_from(VisitEvent)
                                          .where(VisitEvent.person_id == pid)).one())

    def entered(pid: Any, r: Response) -> None:
        body = r.json()
        assert (body["person_id"], body["mode"], body["outcome"], body["note"]) == (pid, "home", "not_at_home", "锁门")

    targets = [Target(k, partial(t.person_id, NUMBERS[k]), PEOPLE[k]) for k in ("A", "B", "P")]
    check_targets(t, "POST /api/visits", who, lambda pid: t.client.post("/api/visits", json={
        "campaign": CAMPAIGN, "person_id": pid, "mode": "home", "outcome": "not_at_home", "note": "锁门"},
        headers=t.h[who]), targets, MISSING, ok=201, on_ok=entered, state=visits_of)
