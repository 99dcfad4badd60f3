"""The web chat page in a real headless Chromium: a whole questionnaire by clicking and typing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.models import Answer, Record
from tests.browser import browser_page
from tests.helpers import default_answer, make_id
from tests.server import serve

pytestmark = pytest.mark.browser

TYPED = {
    "id_number": make_id("620102", "19650312", "001"),
    "name": "李四",
    "birth_date": "1965年3月12日",
    "enlist_date": "1983年10月",
    "discharge_date": "1988年12月",
    "phone": "13912345678",
    "housing_area": "七十来平",
    "appeals": "没有",
}
CLICKED = {"recipient_kind": "退役士兵", "gender": "男", "employment": "务农", "has_housing": "是",
           "service_role": "义务兵", "placement": "自主就业"}


def _last_question(page: Any) -> tuple[str | None, str | None, bool]:
    bubbles = page.locator("#log .msg.bot")
    last = bubbles.nth(bubbles.count() - 1)
    return last.get_attribute("data-question"), last.get_attribute("data-kind"), bool(
        last.get_attribute("data-multiple"))


def test_web_chat_full_questionnaire(runtime: Runtime, tmp_path: Path) -> None:
    q = runtime.questionnaires["veterans"]
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        page.goto(base + "/")
        page.click("a[data-questionnaire=veterans]")
        page.wait_for_selector(".choices button")
        assert "同意" in page.locator(".choices").inner_text()
        page.click(".choices button:has-text('同意')")
        # locators, not wait_for_function: the page's CSP refuses the eval a string predicate needs
        page.locator("#log .msg.bot").nth(1).wait_for()
        clicks = 0
        for _ in range(80):
            count = page.locator("#log .msg.bot").count()
            key, kind, multiple = _last_question(page)
            if kind == "summary":
                break
            assert key is not None, page.locator("#log").inner_text()
            if kind == "confirm":
                answer = "是"
            elif key in CLICKED:
                answer = CLICKED[key]
            elif key in TYPED:
                answer = TYPED[key]
            else:
                answer = default_answer(q, key)
            buttons = page.locator(f".choices button:text-is('{answer}')")
            if buttons.count():
                buttons.first.click()
                clicks += 1
                if multiple and answer != "跳过":  # a multiple choice: tap the options, then send
                    assert page.input_value("#text") == answer
                    page.click("#send")
            else:
                page.fill("#text", answer)
                page.click("#send")
            page.locator("#log .msg.bot").nth(count).wait_for()
        else:
            raise AssertionError("never reached the read-back: " + page.locator("#log").inner_text())
        assert clicks >= 5
        assert "李四" in page.locator("#log .msg.bot").last.inner_text()
        page.click(".choices button:has-text('确认提交')")
        page.wait_for_selector("#log .msg.bot[data-kind=receipt]")
        receipt_text = page.locator("#log .msg.bot[data-kind=receipt]").inner_text()
        page.screenshot(path=str(tmp_path / "webchat.png"))
        # a reload resumes where we are: the read-back with the receipt
        page.reload()
        page.wait_for_selector("#log .msg.bot")
        assert "已提交" in page.locator("#log").inner_text()
    with runtime.store_scope() as store:
        record = store.session.exec(select(Record)).one()
        assert record.status == "submitted" and record.receipt in receipt_text
        answers = store.records.current_answers(record.id or 0)
        assert answers["name"].value == "李四" and answers["name"].channel == "web"
        assert answers["housing_area"].value == {"value": 70, "unit": "平方米", "approximate": True}
        assert answers["id_number"].value == TYPED["id_number"]
        assert len(store.session.exec(select(Answer)).all()) >= 15
