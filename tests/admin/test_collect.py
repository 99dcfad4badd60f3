"""The collector's console: roster, interviews by phone and at the door, the live microphone over a WebSocket.

Speech is recognised by the real Vosk model from the real clips of ../shared/data/audio/answers.
"""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.websockets import WebSocketDisconnect

from admin.api.interview_live import EMPTY_TEXT, NO_VOICE, NOTHING_HEARD
from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer, Flag, Person, Record
from storage.staff import AuditEntry
from storage.staff_repo import StaffStore
from tests.admin.conftest import ID_A, ID_B, PW, login
from tests.conftest import shared_path
from tests.helpers import make_id, stored_value
from voice.audio import decode

CHUNK = 3200  # 100 ms, as the console's worklet sends it
ETHNIC = "ttskit-Aida/26_ethnic.wav"  # 汉族
BIRTH = "ttskit-Aida/01_birth.wav"  # 我是一九六五年三月出生的


def clip_pcm(name: str, silence: float = 1.5) -> bytes:
    """A spoken answer as 16 kHz PCM, followed by the pause after which Vosk ends the utterance."""
    pcm = decode(shared_path("data", "audio", "answers", name).read_bytes(), "wav")
    return pcm + b"\x00\x00" * int(16000 * silence)



def person_id(runtime: Runtime, id_number: str) -> int:
    with runtime.store_scope() as store:
        person = store.people.find(id_number)
        assert person is not None and person.id is not None
        return person.id


def staff_id(runtime: Runtime, username: str) -> int:
    with runtime.store_scope() as store:
        staff = StaffStore(store.session).by_username(username)
        assert staff is not None and staff.id is not None
        return staff.id


def current(runtime: Runtime, record_id: int, key: str) -> Answer:
    with runtime.store_scope() as store:
        return store.session.exec(select(Answer).where(Answer.record_id == record_id, Answer.question_key == key,
                                                       Answer.is_current == True)).one()  # noqa: E712


def open_a(client: TestClient, headers: dict[str, str], runtime: Runtime, mode: str = "phone") -> dict[str, Any]:
    r = client.post("/api/interviews", json={"questionnaire": "veterans", "mode": mode, "consent": True,
                                             "person_id": person_id(runtime, ID_A)}, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


class Socket:
    """The console's side of the interview socket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.partials: list[str] = []

    def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = self.ws.receive_json()
        return message

    def command(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.ws.send_text(json.dumps({"type": kind, **fields}))
        return self.receive()

    def speak(self, pcm: bytes) -> dict[str, Any]:
        """Stream audio in 100 ms frames until the server says what it heard."""
        started = self.command("listen")
        assert started["type"] == "listening", started
        for i in range(0, len(pcm), CHUNK):
            self.ws.send_bytes(pcm[i:i + CHUNK])
        while True:
            message = self.receive()
            if message["type"] == "partial":
                self.partials.append(message["text"])
                continue
            return message


def test_the_roster_shows_the_collectors_region_masked(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        collector = login(runtime, "collector", client)
        r = client.get("/api/interviews/roster", params={"questionnaire": "veterans"}, headers=collector)
        assert r.status_code == 200
        body = r.json()
        assert body["total"] == 1
        item = body["items"][0]
        assert item["name"] == "张*" and item["id_number"] == ID_A[:6] + "********" + ID_A[-4:]
        assert item["phone"] == "139****5678" and item["status"] == "in_progress"
        assert "张三" not in r.text and ID_A not in r.text
        county = client.get("/api/interviews/roster", params={"questionnaire": "veterans"},
                            headers=login(runtime, "jishishan", client)).json()
        assert [i["name"] for i in county["items"]] == ["李*"]  # the neighbouring county sees its own only
        hotline = login(runtime, "hotline", client)
        assert client.get("/api/interviews/roster", params={"questionnaire": "veterans"},
                          headers=hotline).status_code == 403
        village = client.get("/api/interviews/roster", params={"questionnaire": "village_services"},
                             headers=collector)
        assert village.status_code == 422 and "villages" in village.json()["detail"]
    with runtime.store_scope() as store:
        reads = store.session.exec(select(AuditEntry).where(AuditEntry.action == "roster_read")).all()
        assert {a.username for a in reads} == {"collector", "jishishan"}  # every roster read is audited
        denied = store.session.exec(select(AuditEntry).where(AuditEntry.username == "hotline",
                                                             AuditEntry.action == "denied")).all()
        assert [a.target_type for a in denied] == ["collect"]


def test_an_interview_by_phone_continues_the_record_and_stores_the_collector(
    runtime: Runtime, world: dict[str, int]
) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        state = open_a(client, h, runtime)
        # the collector needs the name and number to call; the ID number stays masked
        assert state["person"]["name"] == "张三" and state["person"]["phone"] == "13912345678"
        assert state["person"]["id_number"] == ID_A[:6] + "********" + ID_A[-4:]
        assert state["record_id"] == world["A"] and state["mode"] == "phone"
        assert state["phase"] == "asking" and state["question"]["key"] == "ethnicity"  # where the chat stopped
        assert state["question"]["voice"] == "none" and state["voice"] is False
        assert "欢迎回来" in state["replies"][0]["text"]
        after = client.post(f"/api/interviews/{state['id']}/answer", json={"text": "汉族"}, headers=h).json()
        assert after["question"]["key"] == "birth_date" and after["answered"] == state["answered"] + 1
        # opening again continues the same interview
        again = open_a(client, h, runtime)
        assert again["id"] == state["id"] and again["question"]["key"] == "birth_date"
        read = client.get(f"/api/interviews/{state['id']}", headers=h).json()
        assert read["question"]["key"] == "birth_date"
    answer = current(runtime, world["A"], "ethnicity")
    assert answer.channel == "phone" and answer.actor == f"collector:{staff_id(runtime, 'collector')}"
    assert stored_value(runtime.vault, answer)["code"] == "01"
    with runtime.store_scope() as store:
        audit = {(a.action, a.result) for a in store.session.exec(select(AuditEntry)
                                                                  .where(AuditEntry.username == "collector"))}
    assert ("interview_open", "ok") in audit


def test_opening_is_refused_without_consent_or_outside_the_region(runtime: Runtime, world: dict[str, int]) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        base = {"questionnaire": "veterans", "mode": "visit"}
        a = person_id(runtime, ID_A)
        no_consent = client.post("/api/interviews", json={**base, "consent": False, "person_id": a}, headers=h)
        assert no_consent.status_code == 422 and "consent" in no_consent.json()["detail"]
        both = client.post("/api/interviews", json={**base, "consent": True, "person_id": a, "id_number": ID_A},
                           headers=h)
        assert both.status_code == 422
        bad = client.post("/api/interviews", json={**base, "consent": True, "id_number": "62010219650312001"},
                          headers=h)
        assert bad.status_code == 422 and bad.json()["detail"].startswith("id_number")
        # B lives in the neighbouring county: the same answer as a person that does not exist (B's ID
        # number opens a declaration instead: tests/admin/test_collect_declarations.py)
        for body in ({"person_id": person_id(runtime, ID_B)}, {"person_id": 99999}):
            r = client.post("/api/interviews", json={**base, "consent": True, **body}, headers=h)
            assert r.status_code == 404, body
        hotline = login(runtime, "hotline", client)
        assert client.post("/api/interviews", json={**base, "consent": True, "person_id": a},
                           headers=hotline).status_code == 403
        # another collector's interview is not theirs to read
        state = open_a(client, h, runtime)
        county = login(runtime, "dongxiang", client)
        assert client.get(f"/api/interviews/{state['id']}", headers=county).status_code == 404
    with runtime.store_scope() as store:
        conversations = store.session.exec(select(Record)).all()
        assert len(conversations) == 2  # nothing was created by the refused requests
        refused = store.session.exec(select(AuditEntry).where(AuditEntry.result == "not_found")).all()
        assert {a.target_type for a in refused} >= {"person", "interview"}


def test_a_new_person_met_at_the_door_is_placed_in_the_collectors_village(
    runtime: Runtime, world: dict[str, int]
) -> None:
    new_id = make_id("622926", "19580808", "113")
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        r = client.post("/api/interviews", json={"questionnaire": "veterans", "mode": "visit", "consent": True,
                                                 "id_number": new_id}, headers=h)
        assert r.status_code == 201, r.text
        state = r.json()
        assert state["question"]["key"] == "recipient_kind" and state["person"]["region"].endswith("东塬村")
        client.post(f"/api/interviews/{state['id']}/answer", json={"text": "退役士兵"}, headers=h)
        # the county above sees the new record; the neighbouring county does not
        county = login(runtime, "dongxiang", client)
        assert client.get(f"/api/records/{state['record_id']}", headers=county).status_code == 200
        other = login(runtime, "jishishan", client)
        assert client.get(f"/api/records/{state['record_id']}", headers=other).status_code == 404
    with runtime.store_scope() as store:
        person = store.session.exec(select(Person).where(Person.source == "collector")).one()
        assert store.people.id_number(person) == new_id
        record = store.records.get(state["record_id"])
        assert record.first_channel == "visit" and record.region_id == person.region_id is not None
        ids = store.records.current_answers(state["record_id"])
        assert ids["id_number"].channel == "visit" and ids["recipient_kind"].value == "02"  # 退役士兵


# -- the live microphone ---------------------------------------------------------------------


def test_a_spoken_answer_fills_the_form_and_is_stored_with_its_clip(
    voice_runtime: Runtime, world: dict[str, int]
) -> None:
    rt = voice_runtime
    pcm = clip_pcm(ETHNIC)
    with TestClient(create_app(runtime=rt)) as client:
        h = login(rt, "collector", client)
        state = open_a(client, h, rt)
        assert state["voice"] is True and state["question"]["voice"] == "grammar"
        with client.websocket_connect(f"/api/interviews/{state['id']}/listen", headers=h) as ws:
            sock = Socket(ws)
            opening = sock.receive()
            assert opening["type"] == "turn" and opening["question"]["key"] == "ethnicity"
            heard = sock.speak(pcm)
            assert heard["type"] == "heard", heard
            assert heard["text"] == "汉族" and heard["value"] == "汉族" and not heard["unknown"]
            assert not heard["doubtful"] and heard["problem"] is None
            assert sock.partials and sock.partials[-1] in ("汉族", "汉")  # the live transcript came first
            turn = sock.command("accept")
            assert turn["type"] == "turn" and turn["question"]["key"] == "birth_date"
            assert not any("您说的是" in r["text"] for r in turn["replies"])  # the collector checked it: no read-back
            assert "民族：汉族" in turn["replies"][0]["text"]
            assert sock.command("accept") == {"type": "error", "message": NOTHING_HEARD}  # taken once only
    answer = current(rt, world["A"], "ethnicity")
    assert answer.channel == "phone" and answer.actor == f"collector:{staff_id(rt, 'collector')}"
    assert answer.blob_id is not None and answer.confidence >= 0.6
    with rt.store_scope() as store:
        kind, clip = store.blobs.read(answer.blob_id)
        raw = store.records.current_answers(world["A"])["ethnicity"].raw
        assert not store.session.exec(select(Flag).where(Flag.question_key == "ethnicity")).all()
    assert kind == "audio/wav" and raw == "汉族"
    with wave.open(io.BytesIO(clip)) as w:
        assert (w.getframerate(), w.getnchannels()) == (16000, 1)
        kept = w.readframes(w.getnframes())
    assert pcm.startswith(kept)  # the utterance as heard, up to the end of speech
    again = rt.transcriber.transcribe(clip, "wav", ["汉族", "回族", "藏族"])  # type: ignore[union-attr]
    assert again.text == "汉族"
    with TestClient(create_app(runtime=rt)) as client:  # reviewers play the clip back
        county = login(rt, "dongxiang", client)
        played = client.get(f"/api/records/{world['A']}/blobs/{answer.blob_id}", headers=county)
        assert played.status_code == 200 and played.content == clip


def test_a_misheard_answer_is_corrected_by_typing_and_keeps_the_clip(
    voice_runtime: Runtime, world: dict[str, int]
) -> None:
    rt = voice_runtime
    with TestClient(create_app(runtime=rt)) as client:
        h = login(rt, "collector", client)
        state = open_a(client, h, rt)
        client.post(f"/api/interviews/{state['id']}/answer", json={"text": "汉族"}, headers=h)
        with client.websocket_connect(f"/api/interviews/{state['id']}/listen", headers=h) as ws:
            sock = Socket(ws)
            assert sock.receive()["question"]["key"] == "birth_date"
            heard = sock.speak(clip_pcm(BIRTH))
            assert heard["type"] == "heard" and heard["text"]
            assert sock.command("text", text="   ") == {"type": "error", "message": EMPTY_TEXT}
            # the empty text dropped nothing: the hearing is corrected with the full date the person gave
            heard = sock.speak(clip_pcm(BIRTH))
            turn = sock.command("text", text="1965年3月12日")
            assert turn["question"]["key"] != "birth_date", turn["replies"]
    answer = current(rt, world["A"], "birth_date")
    assert stored_value(rt.vault, answer)["start"] == "1965-03-12"
    assert answer.blob_id is not None and answer.actor.startswith("collector:")
    with rt.store_scope() as store:
        assert store.records.current_answers(world["A"])["birth_date"].raw == "1965年3月12日"


def test_repeat_drops_a_hearing_and_unrelated_speech_is_never_taken(
    voice_runtime: Runtime, world: dict[str, int]
) -> None:
    rt = voice_runtime
    unrelated = decode(shared_path("data", "audio", "paddlespeech_zh.wav").read_bytes(), "wav") + bytes(32000)
    with TestClient(create_app(runtime=rt)) as client:
        h = login(rt, "collector", client)
        state = open_a(client, h, rt)
        with client.websocket_connect(f"/api/interviews/{state['id']}/listen", headers=h) as ws:
            sock = Socket(ws)
            sock.receive()
            heard = sock.speak(unrelated)  # "我认为跑步最重要的就是..." to the ethnicity question
            assert heard["type"] == "heard"
            assert heard["unknown"] or heard["doubtful"] or heard["value"] is None, heard
            heard = sock.speak(clip_pcm(ETHNIC))
            assert heard["value"] == "汉族"
            assert sock.command("repeat") == {"type": "ready"}
            assert sock.command("accept") == {"type": "error", "message": NOTHING_HEARD}
            sock.command("listen")
            stopped = sock.command("stop")  # stopped before anything was said
            assert stopped["type"] == "heard" and stopped["unknown"] is True
    with rt.store_scope() as store:
        assert "ethnicity" not in store.records.current_answers(world["A"])


def test_the_socket_refuses_strangers_other_sites_and_works_without_voice(
    runtime: Runtime, world: dict[str, int]
) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "collector", client)
        state = open_a(client, h, runtime)
        url = f"/api/interviews/{state['id']}/listen"
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, login(runtime, "dongxiang", client),
                        {**h, "Origin": "https://evil.example"}):
            with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url, headers=headers):
                pass
            assert refused.value.code == 1008
        with client.websocket_connect(url, headers={**h, "Origin": "http://testserver"}) as ws:
            sock = Socket(ws)
            assert sock.receive()["type"] == "turn"
            assert sock.command("listen") == {"type": "error", "message": NO_VOICE}
            ws.send_bytes(b"\x00" * 3200)  # audio without listening is ignored
            turn = sock.command("text", text="回族")
            assert turn["type"] == "turn" and turn["question"]["key"] == "birth_date"
            assert sock.command("dance")["type"] == "error"
            ws.send_text("{not json")
            assert sock.receive()["type"] == "error"
    assert stored_value(runtime.vault, current(runtime, world["A"], "ethnicity"))["code"] == "03"


def test_the_interview_pages_need_a_login_and_show_the_person(runtime: Runtime, world: dict[str, int],
                                                             tmp_path: Path) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        page = client.get("/admin/collect", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
        client.post("/api/auth/login", json={"username": "collector", "password": PW})  # the cookie
        picker = client.get("/admin/collect")
        assert picker.status_code == 200 and "张*" in picker.text and "张三" not in picker.text
        assert "电话/入户采集" in picker.text and "对方同意登记" in picker.text
        h = login(runtime, "collector", client)
        state = open_a(client, h, runtime)
        interview = client.get(f"/admin/collect/{state['id']}")
        assert interview.status_code == 200 and "张三" in interview.text and "13912345678" in interview.text
        assert interview.headers["cache-control"] == "no-store"
        assert client.get("/admin/static/collect-worklet.js").status_code == 200
        client.post(f"/api/interviews/{state['id']}/answer", json={"text": "汉族"}, headers=h)
        # the record view tells that the answer was collected by phone, and by whom
        client.post("/api/auth/login", json={"username": "dongxiang", "password": PW})
        record = client.get(f"/admin/records/{state['record_id']}")
        assert record.status_code == 200
        row = record.text[record.text.index('data-key="ethnicity"'):]
        meta = row[row.index('<span class="meta">'):row.index("</span>", row.index('<span class="meta">'))]
        assert "电话" in meta and "collector" in meta  # channel and collector of the current answer
        client.post("/api/auth/login", json={"username": "hotline", "password": PW})
        assert client.get("/admin/collect").status_code == 403
