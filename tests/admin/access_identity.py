"""The access-table checks of the identification routes (change requests, blocks, link codes, unplaced
persons, declarations), registered into :mod:`tests.admin.test_access_table` and run with it.

Their targets are made on first need in the group's own world (group "identity"), so that they never
spoil the counts of the other groups' checks. Declarations here are made where their person lives;
one made in another county is seen by both counties, the person's with the link to the person
(tests/admin/test_persons_and_declarations_api.py), so it has no single region for this matrix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from httpx2 import Response
from sqlmodel import func, select

from storage.changes import ChangeRequest, ChangeStore
from storage.identity import Declaration, DeclarationSource, IdentityChallenge, IdentityStore, person_key
from storage.models import Person
from tests.admin.factories import stored
from tests.admin.test_access_table import (
    DONGYUAN,
    EAST,
    ID_A,
    ID_B,
    ID_C,
    ID_D,
    ID_P,
    ID_U,
    INTERVIEWS,
    MISSING,
    NO,
    OK,
    PROVINCE,
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

GROUP = "identity"
#: the stage whose change requests each principal's level decides (collectors and hotline staff decide none)
DECIDES = {"dongxiang": "township_reviewed", "jishishan": "township_reviewed", "prefecture": "county_checked",
           "collector": "collected", "hotline": "collected"}
CHANGES = {"change_C": EAST, "change_D": WEST, "change_P": TOP}  # on records C, D and P (township_reviewed)
BLOCKED = {"blocked_A": EAST, "blocked_B": WEST, "blocked_P": TOP}  # the persons of A, B and P
DECLARATIONS = {"decl_east": EAST, "decl_west": WEST, "decl_top": TOP}  # made where their person lives
PLACE = {"east": DONGYUAN, "west": ZHONGJULING, "top": PROVINCE}
PEOPLE = {"east": ID_C, "west": ID_D, "top": ID_P}


def change(t: Town, record_id: int) -> int:
    """A person's change request on a record (their employment, given after submitting)."""
    with t.runtime.store_scope() as store:
        row = ChangeStore(store).request(store.records.get(record_id), "employment", stored(t.runtime, "employment", "个体"),
                                         raw="就业情况改成个体", confidence=1.0, channel="web", actor="self:web")
        return row.id or 0


def block(t: Town, person_id: int) -> int:
    """Block a person's identification, as repeated failures do."""
    with t.runtime.store_scope() as store:
        identity = IdentityStore(store)
        row = identity.throttle(person_key(person_id))
        row.failures, row.blocked = 5, True
        identity.save_throttle(row, datetime.now(UTC))
    return person_id


def declaration(t: Town, path: str, number: str) -> int:
    """A declaration made in a chat at ``path`` under the ID number of a registered person."""
    with t.runtime.store_scope() as store:
        campaign, region, person = store.campaigns.by_key("veterans-2026"), store.regions.by_path(path), \
            store.people.find(number)
        assert campaign is not None and region is not None and person is not None
        record = IdentityStore(store).open_declaration(
            campaign, person, source=DeclarationSource.SELF, channel="web", opened_by="self:web", region_id=region.id,
            flag_key="id_number")
        found = IdentityStore(store).declaration_of(record.id or 0)
        assert found is not None
        return found.id or 0


def targets_once(t: Town) -> None:
    """The fixed targets of this group: change requests, blocks, declarations and a person placed nowhere."""
    if "change_C" in t.ids:
        return
    for key in ("C", "D", "P"):
        t.ids["change_" + key] = change(t, t.ids[key])
    for key, number in (("A", ID_A), ("B", ID_B), ("P", ID_P)):
        t.ids["blocked_" + key] = block(t, t.person_id(number))
    for side in ("east", "west", "top"):
        t.ids["decl_" + side] = declaration(t, PLACE[side], PEOPLE[side])
    t.ids["unplaced"] = t.record(None, number=ID_U, name="冯四", stage="collected")


def fresh(t: Town, make: Callable[[str], int]) -> list[Target]:
    """A new target in each county and at the province, per request."""
    seen = {"east": EAST, "west": WEST, "top": TOP}
    return [Target(side, partial(make, PLACE[side]), seen[side]) for side in ("east", "west", "top")]


def _change_state(t: Town) -> Callable[[Any], object]:
    def state(cid: Any) -> object:
        with t.runtime.store_scope() as store:
            row = store.session.get(ChangeRequest, cid)
            if row is None:
                return None
            return row.status, len(store.records.answer_history(row.record_id)), len(store.records.workflow_events([row.record_id]))
    return state


# -- change requests ---------------------------------------------------------------------------------------


@check("GET /api/changes", GROUP)
def _changes(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/changes", headers=t.h[who])
    if not refused_list("GET /api/changes", who, r):
        body = clean(who, r)
        assert {i["id"] for i in body["items"]} == visible(t, who, CHANGES) and body["total"] == len(body["items"])
        assert all(i["decides"] == (DECIDES[who] == "township_reviewed") for i in body["items"]), who


@check("GET /api/changes/{change_id}", GROUP)
def _change(t: Town, who: str) -> None:
    targets_once(t)

    def same(cid: Any, r: Response) -> None:
        assert r.json()["id"] == cid and r.json()["requested"] == "个体"

    check_targets(t, "GET /api/changes/{change_id}", who,
                  lambda cid: t.client.get(f"/api/changes/{cid}", headers=t.h[who]), fixed(t, CHANGES), MISSING,
                  on_ok=same)


@check("POST /api/changes/{change_id}/reveal", GROUP)
def _reveal_change(t: Town, who: str) -> None:
    targets_once(t)

    def shown(cid: Any, r: Response) -> None:
        assert (r.json()["current"], r.json()["requested"]) == (None, "个体")

    check_targets(t, "POST /api/changes/{change_id}/reveal", who,
                  lambda cid: t.client.post(f"/api/changes/{cid}/reveal", headers=t.h[who]), fixed(t, CHANGES),
                  MISSING, on_ok=shown)


def _decide(action: str) -> Callable[[Town, str], None]:
    route = f"POST /api/changes/{{change_id}}/{action}"
    status = {"approve": "approved", "reject": "rejected"}[action]

    def run(t: Town, who: str) -> None:
        def send(cid: Any) -> Response:
            return t.client.post(f"/api/changes/{cid}/{action}", json={"reason": "已电话核实"}, headers=t.h[who])

        def decided(cid: Any, r: Response) -> None:
            assert r.json()["status"] == status and send(cid).status_code == 409  # once only

        stage = DECIDES[who]
        check_targets(t, route, who, send, fresh(t, lambda path: change(t, t.record(path, stage=stage))), MISSING,
                      on_ok=decided, state=_change_state(t))
        if TABLE[route][who] == OK:  # a stage another level decides, in the caller's own area: 403
            other = "collected" if stage != "collected" else "county_checked"
            cid = change(t, t.record(DONGYUAN if who in EAST else ZHONGJULING, stage=other))
            before = _change_state(t)(cid)
            r = send(cid)
            assert r.status_code == 403 and _change_state(t)(cid) == before, (who, r.text)
    return run


check("POST /api/changes/{change_id}/approve", GROUP)(_decide("approve"))
check("POST /api/changes/{change_id}/reject", GROUP)(_decide("reject"))


# -- blocked identification, link codes -------------------------------------------------------------------


@check("GET /api/identity/blocks", GROUP)
def _blocks(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/identity/blocks", headers=t.h[who])
    if not refused_list("GET /api/identity/blocks", who, r):
        assert {b["person_id"] for b in clean(who, r)} == visible(t, who, BLOCKED)


@check("POST /api/identity/blocks/{person_id}/lift", GROUP)
def _lift(t: Town, who: str) -> None:
    def blocked(pid: Any) -> object:
        with t.runtime.store_scope() as store:
            row = IdentityStore(store).peek_throttle(person_key(pid))
            return None if row is None else (row.failures, row.blocked)

    def lifted(pid: Any, r: Response) -> None:
        assert blocked(pid) == (0, False)

    def person_at(path: str) -> int:
        record = t.record(path)
        with t.runtime.store_scope() as store:
            return block(t, store.records.get(record).person_id or 0)

    check_targets(t, "POST /api/identity/blocks/{person_id}/lift", who,
                  lambda pid: t.client.post(f"/api/identity/blocks/{pid}/lift", headers=t.h[who]),
                  fresh(t, person_at), MISSING, ok=204, on_ok=lifted, state=blocked)


@check("POST /api/interviews/{interview_id}/link-code", GROUP)
def _link_code(t: Town, who: str) -> None:
    def codes(_: Any) -> object:
        with t.runtime.store_scope() as store:
            return store.session.exec(select(func.count()).select_from(IdentityChallenge)).one()

    def made(iid: Any, r: Response) -> None:
        assert re.fullmatch(r"\d{8}", r.json()["code"]) and r.json()["code"] in r.json()["message"]

    check_targets(t, "POST /api/interviews/{interview_id}/link-code", who,
                  lambda iid: t.client.post(f"/api/interviews/{iid}/link-code", headers=t.h[who]),
                  fixed(t, INTERVIEWS), MISSING, ok=201, on_ok=made, state=codes)


# -- persons no region places --------------------------------------------------------------------------------


@check("GET /api/persons/unplaced", GROUP)
def _unplaced(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/persons/unplaced", headers=t.h[who])
    if not refused_list("GET /api/persons/unplaced", who, r):
        assert clean(who, r) == {"total": 0, "items": []}  # only the root sees them: none of the five is there


@check("POST /api/persons/{person_id}/claim", GROUP)
def _claim(t: Town, who: str) -> None:
    """Nobody of the five claims anyone: the unplaced person is out of reach (404 as if missing); a person
    placed in the caller's own area is there already (409); the table's OK means only "may ask"."""
    targets_once(t)
    route = "POST /api/persons/{person_id}/claim"

    def send(pid: Any) -> Response:
        return t.client.post(f"/api/persons/{pid}/claim", json={"region": DONGYUAN}, headers=t.h[who])

    def placed(pid: int) -> object:
        with t.runtime.store_scope() as store:
            person = store.session.get(Person, pid)
            return None if person is None else person.region_id

    unplaced = t.person_id(ID_U)
    own, other = (ID_A, ID_B) if who in EAST else (ID_B, ID_A)
    targets = [unplaced, t.person_id(own), t.person_id(other), t.person_id(ID_P)]
    before = [placed(pid) for pid in targets]
    gone = send(MISSING)
    if TABLE[route][who] == NO:
        assert gone.status_code == 403 and all(send(pid).status_code == 403 for pid in targets), who
    else:
        assert gone.status_code == 404
        for pid in (unplaced, t.person_id(other), t.person_id(ID_P)):
            r = send(pid)
            assert r.status_code == 404 and _detail(r, pid) == _detail(gone, MISSING), (who, pid)
        assert send(t.person_id(own)).status_code == 409
    assert [placed(pid) for pid in targets] == before


# -- declarations --------------------------------------------------------------------------------------------


@check("GET /api/declarations", GROUP)
def _declarations(t: Town, who: str) -> None:
    targets_once(t)
    r = t.client.get("/api/declarations", headers=t.h[who])
    if not refused_list("GET /api/declarations", who, r):
        body = clean(who, r)
        assert {d["id"] for d in body["items"]} == visible(t, who, DECLARATIONS) and body["total"] == len(body["items"])


def _close(action: str) -> Callable[[Town, str], None]:
    route = f"POST /api/declarations/{{declaration_id}}/{action}"
    status = {"merge": "merged", "dismiss": "dismissed"}[action]

    def run(t: Town, who: str) -> None:
        def state(did: Any) -> object:
            with t.runtime.store_scope() as store:
                row = store.session.get(Declaration, did)
                return None if row is None else (row.status, len(store.records.flags(row.record_id)))

        def closed(did: Any, r: Response) -> None:
            assert r.json()["status"] == status

        people = {DONGYUAN: ID_C, ZHONGJULING: ID_D, PROVINCE: ID_P}
        check_targets(t, route, who, lambda did: t.client.post(f"/api/declarations/{did}/{action}", json={
            "reason": "已核实"}, headers=t.h[who]), fresh(t, lambda path: declaration(t, path, people[path])), MISSING,
            on_ok=closed, state=state)
    return run


check("POST /api/declarations/{declaration_id}/merge", GROUP)(_close("merge"))
check("POST /api/declarations/{declaration_id}/dismiss", GROUP)(_close("dismiss"))
