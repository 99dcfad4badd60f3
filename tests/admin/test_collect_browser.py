"""The collector's console in a real headless Chromium whose fake microphone plays a real spoken answer.

Chromium starts the fake capture file from its beginning each time the page opens the microphone,
so every "开始说话" hears the whole clip: a short pause, “汉族”, then silence.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer
from storage.staff_repo import StaffStore
from tests.admin.conftest import PW
from tests.admin.test_collect import ETHNIC
from tests.browser import browser_page
from tests.conftest import shared_path
from tests.helpers import stored_value
from tests.server import serve
from voice.audio import decode


def microphone_file(tmp_path: Path) -> Path:
    """The fake microphone's WAV: 0.4 s of quiet, the spoken answer, 3 s of quiet."""
    pcm = decode(shared_path("data", "audio", "answers", ETHNIC).read_bytes(), "wav")
    path = tmp_path / "microphone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(int(0.4 * 32000)) + pcm + bytes(3 * 32000))
    return path


@pytest.mark.browser
def test_a_collector_interviews_by_phone_with_the_microphone(
    voice_runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    rt = voice_runtime
    mic = microphone_file(tmp_path)
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={mic}"]
    page: Any
    with serve(create_app(runtime=rt)) as base, browser_page(args) as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "/admin/login?next=/admin/collect")
        page.fill("#login input[name=username]", "collector")
        page.fill("#login input[name=password]", PW)
        page.click("#login button[type=submit]")
        page.wait_for_url(base + "/admin/collect")
        assert "电话/入户采集" in page.locator("nav.nav").inner_text()

        # the roster of the collector's village, masked; consent must be ticked first
        row = page.locator("#roster tr[data-person]")
        expect(row).to_have_count(1)
        assert "张*" in row.inner_text() and "张三" not in page.content()
        row.locator("button.start").click()
        expect(page.locator("#open-msg")).to_contain_text("征得同意")
        page.check("#consent")
        page.check("input[name=mode][value=phone]")
        row.locator("button.start").click()
        page.wait_for_url(base + "/admin/collect/*")
        expect(page.locator("#interview")).to_have_attribute("data-connected", "yes")
        expect(page.locator("#ask")).to_have_attribute("data-question", "ethnicity")
        expect(page.locator("#p-name")).to_have_text("张三")  # the collector needs the name to call
        expect(page.locator("#mode")).to_have_text("电话采集")
        page.screenshot(path=str(tmp_path / "collect-question.png"), full_page=True)

        # the person answers aloud: the live transcript, then the answer filled in when they stop
        page.click("#listen")
        expect(page.locator("#heard")).to_contain_text("将填为：汉族", timeout=20000)
        expect(page.locator("#answer-text")).to_have_value("汉族")
        expect(page.locator("#listen")).to_be_visible()  # the microphone was closed at the end of speech
        expect(page.locator("#stop")).to_be_hidden()
        page.screenshot(path=str(tmp_path / "collect-heard.png"), full_page=True)
        page.click("#submit")
        expect(page.locator("#ask")).to_have_attribute("data-question", "birth_date")
        expect(page.locator("#log")).to_contain_text("民族：汉族")

        # the next answer typed, as a correction would be
        page.fill("#answer-text", "1965年3月12日")
        page.click("#submit")
        expect(page.locator("#ask")).not_to_have_attribute("data-question", "birth_date")
        expect(page.locator("#answered")).not_to_have_text("0")

        # the record view tells how and by whom the answer was collected
        page.goto(f"{base}/admin/collect?questionnaire=veterans")
        expect(page.locator("#roster tr[data-person]")).to_contain_text("填写中")

    with rt.store_scope() as store:
        collector = StaffStore(store.session).by_username("collector")
        assert collector is not None
        rows = {a.question_key: a for a in store.session.exec(
            select(Answer).where(Answer.record_id == world["A"], Answer.is_current == True)).all()}  # noqa: E712
    ethnicity, birth = rows["ethnicity"], rows["birth_date"]
    assert stored_value(rt.vault, ethnicity)["code"] == "01"
    assert ethnicity.channel == "phone" and ethnicity.actor == f"collector:{collector.id}"
    assert ethnicity.blob_id is not None  # the spoken answer is kept as evidence
    assert birth.channel == "phone" and birth.blob_id is None and stored_value(rt.vault, birth)["start"] \
        == "1965-03-12"
