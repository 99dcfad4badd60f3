"""The collector's console chooses its message ids: they are de-duplicated per interview, not across collectors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer
from tests.admin.conftest import login
from tests.admin.test_collect import open_a
from tests.helpers import default_answer, make_id


def test_two_collectors_using_the_same_message_id(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        collector, county = login(runtime, "collector", client), login(runtime, "dongxiang", client)
        mine = open_a(client, collector, runtime)
        theirs = client.post("/api/interviews", headers=county, json={  # another person, not on the roster
            "questionnaire": "veterans", "mode": "phone", "consent": True,
            "id_number": make_id("622926", "19690909", "091")}).json()
        assert mine["id"] != theirs["id"] and mine["record_id"] != theirs["record_id"]
        records = (mine["record_id"], theirs["record_id"])
        q = runtime.questionnaires["veterans"]
        mine_text, their_text = (default_answer(q, s["question"]["key"]) for s in (mine, theirs))
        before = _answers(runtime, records)
        a = client.post(f"/api/interviews/{mine['id']}/answer", json={"text": mine_text, "message_id": "same"},
                        headers=collector)
        b = client.post(f"/api/interviews/{theirs['id']}/answer", json={"text": their_text, "message_id": "same"},
                        headers=county)
        assert a.status_code == b.status_code == 200
        after = _answers(runtime, records)
        assert all(after[r] > before[r] for r in records), (before, after)  # each collector's answer was taken
        # a retry of the first collector's message is answered as before and stores nothing
        again = client.post(f"/api/interviews/{mine['id']}/answer", json={"text": mine_text, "message_id": "same"},
                            headers=collector)
        assert again.json()["replies"] == a.json()["replies"] and _answers(runtime, records) == after


def _answers(runtime: Runtime, records: tuple[int, int]) -> dict[int, int]:
    with runtime.store_scope() as store:
        return {r: len(store.session.exec(select(Answer).where(Answer.record_id == r)).all()) for r in records}
