"""The web chat's JSON API through the ASGI app: cookies, bad input, photos."""

from __future__ import annotations

import struct
import zlib

from fastapi.testclient import TestClient
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer, Blob
from tests.helpers import make_id


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(
        b"IDAT", raw) + chunk(b"IEND", b"")


def test_cookie_identifies_the_browser_and_bad_input_is_refused(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get("/chat/nope").status_code == 404
        first = client.get("/chat/veterans/resume")
        assert first.status_code == 200 and first.json()["replies"][0]["kind"] == "notice"
        assert "intake_web" in client.cookies
        assert client.post("/chat/veterans/messages", json={"text": ""}).status_code == 422
        assert client.post("/chat/veterans/messages", json={"text": "x" * 2001}).status_code == 422
        r = client.post("/chat/veterans/messages", json={"text": "同意", "message_id": "a1"})
        assert r.json()["replies"][-1]["question"] == "id_number"
        # the same browser resumes where it is; another browser starts afresh
        assert client.get("/chat/veterans/resume").json()["replies"][-1]["question"] == "id_number"
        with TestClient(create_app(runtime=runtime)) as other:
            assert other.get("/chat/veterans/resume").json()["replies"][0]["kind"] == "notice"
        health = client.get("/healthz").json()
        assert health["channels"] == {"web": True, "wechat": False, "telegram": False}


def test_photo_question_takes_an_uploaded_photo(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        client.get("/chat/veterans/resume")
        for text in ("同意", make_id(), "退役士兵"):
            client.post("/chat/veterans/messages", json={"text": text})
        png = _png()
        early = client.post("/chat/veterans/photo", files={"file": ("a.png", png, "image/png")})
        assert "不需要照片" in early.json()["replies"][0]["text"]  # not the photo question yet
        bad = client.post("/chat/veterans/photo", files={"file": ("a.txt", b"hello", "text/plain")})
        assert bad.status_code == 415
        # answer up to the photo question
        reply = client.post("/chat/veterans/messages", json={"text": "张三"}).json()["replies"][-1]
        answers = {"gender": "男", "ethnicity": "汉族", "birth_date": "1965年3月12日", "phone": "13912345678",
                   "political_status": "群众", "enlist_date": "1983年", "discharge_date": "1988年",
                   "service_role": "义务兵", "hukou": "兰州市", "placement": "自主就业", "employment": "务农",
                   "has_housing": "没有", "dibao": "没有"}
        for _ in range(40):
            if reply["question"] == "photo":
                break
            text = answers.get(reply["question"]) or ("跳过" if any(c["label"] == "跳过" for c in reply["choices"])
                                                      else reply["choices"][0]["value"])
            reply = client.post("/chat/veterans/messages", json={"text": text}).json()["replies"][-1]
        assert reply["question"] == "photo" and reply["expects"] == "photo"
        done = client.post("/chat/veterans/photo", files={"file": ("me.png", png, "image/png")}).json()
        assert done["replies"][0]["text"] == "照片已收到。"
    with runtime.store_scope() as store:
        blob = store.session.exec(select(Blob)).one()
        assert png not in blob.data_enc and store.blobs.read(blob.id or 0) == ("image/png", png)
        answer = store.session.exec(select(Answer).where(Answer.question_key == "photo")).one()
        assert answer.blob_id == blob.id
