"""签字确认 in a real headless Chromium: the person signs on the interview page with the mouse (Pointer Events),
the PNG is saved sealed, and the county's reviewer sees it in the record view; staff of another county and
nobody at all cannot fetch it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Blob
from storage.signatures import Signature
from tests.admin.conftest import ID_A, PW
from tests.admin.test_collect import person_id
from tests.browser import browser_page
from tests.server import serve


def _login(page: Any, base: str, who: str, target: str) -> None:
    page.goto(f"{base}/admin/login?next={target}")
    page.fill("#login input[name=username]", who)
    page.fill("#login input[name=password]", PW)
    page.click("#login button[type=submit]")
    page.wait_for_url(base + target)


@pytest.mark.browser
def test_the_person_signs_on_the_screen_and_the_reviewer_sees_it(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        token = httpx.post(f"{base}/api/auth/login", json={"username": "collector", "password": PW}).json()["token"]
        opened = httpx.post(f"{base}/api/interviews", headers={"Authorization": f"Bearer {token}"}, json={
            "questionnaire": "veterans", "mode": "visit", "consent": True, "person_id": person_id(runtime, ID_A)})
        assert opened.status_code == 201, opened.text
        interview, record_id = opened.json()["id"], opened.json()["record_id"]

        page.set_viewport_size({"width": 800, "height": 1200})
        _login(page, base, "collector", f"/admin/collect/{interview}")
        pad = page.locator("#sign-pad")
        pad.scroll_into_view_if_needed()
        page.click("#sign-save")  # nothing drawn yet
        expect(page.locator("#sign-msg")).to_have_text("请先请对方签名。")
        box = pad.bounding_box()
        assert box is not None
        x, y, w, h = box["x"], box["y"], box["width"], box["height"]
        page.mouse.move(x + 0.1 * w, y + 0.6 * h)
        page.mouse.down()
        for i in range(1, 21):  # a wave across the pad: 张
            page.mouse.move(x + (0.1 + 0.04 * i) * w, y + (0.6 - 0.3 * (i % 2)) * h, steps=3)
        page.mouse.up()
        expect(page.locator("#sign")).to_have_attribute("data-strokes", "1")
        page.screenshot(path=str(tmp_path / "signing.png"), full_page=True)
        page.click("#sign-save")
        expect(page.locator("#sign")).to_have_attribute("data-signed", "yes")
        expect(page.locator("#sign-state")).to_have_text("已签字，可以确认提交了。")

        reviewer = page.context.browser.new_context(viewport={"width": 900, "height": 1400}, locale="zh-CN")
        view = reviewer.new_page()
        _login(view, base, "dongxiang", f"/admin/records/{record_id}")
        image = view.locator("#signature-image")
        expect(image).to_be_visible()
        view.wait_for_function("() => { const i = document.getElementById('signature-image');"
                               " return i && i.complete && i.naturalWidth === 600 && i.naturalHeight === 240; }")
        image.scroll_into_view_if_needed()
        image.screenshot(path=str(tmp_path / "signature-in-record.png"))
        view.screenshot(path=str(tmp_path / "record-view.png"), full_page=True)
        # the image drawn has ink: some of its pixels are dark
        dark = view.evaluate("""() => { const i = document.getElementById('signature-image');
            const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
            const x = c.getContext('2d'); x.drawImage(i, 0, 0);
            const d = x.getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let k = 0; k < d.length; k += 4) if (d[k] < 80) n++; return n; }""")
        assert dark > 500

        address = f"{base}/api/records/{record_id}/signature.png"
        assert httpx.get(address).status_code == 401
        other = httpx.post(f"{base}/api/auth/login", json={"username": "jishishan", "password": PW}).json()["token"]
        assert httpx.get(address, headers={"Authorization": f"Bearer {other}"}).status_code == 404
        own = httpx.get(address, headers={"Authorization": f"Bearer {token}"})
        assert own.status_code == 200 and own.content.startswith(b"\x89PNG")
        (tmp_path / "signature.png").write_bytes(own.content)
        reviewer.close()
    with runtime.store_scope() as store:
        sig = store.session.exec(select(Signature).where(Signature.record_id == record_id)).one()
        blob = store.session.get(Blob, sig.blob_id)
        assert blob is not None and blob.kind == "signature" and b"IHDR" not in blob.data_enc  # sealed at rest
    print(f"screenshots in {tmp_path}")
