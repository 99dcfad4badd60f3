"""The console's side of identification: change requests on the record page and on 审核上报, declarations,
the hotline's blocked persons on the appeals page, the collector's link code; as pages and in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from admin.app import create_app
from admin.runtime import Runtime
from tests.admin.conftest import ID_A, PW
from tests.admin.factories import JISHISHAN_VILLAGE, TOWNSHIP, VILLAGE, Maker, add_staff
from tests.admin.test_collect import person_id
from tests.browser import browser_page
from tests.server import serve


def _as(client: TestClient, username: str) -> None:
    r = client.post("/api/auth/login", json={"username": username, "password": PW})
    assert r.status_code == 200, r.text


def _section(html: str, element_id: str) -> str:
    """The HTML of the section with this id ('' when the page has none)."""
    found = re.search(rf'<section[^>]*id="{element_id}"[\s\S]*?</section>', html)
    return found.group(0) if found else ""


def test_change_requests_on_the_record_page_the_list_and_the_workflow_page(runtime: Runtime,
                                                                          world: dict[str, int]) -> None:
    add_staff(runtime, "township", "reviewer", TOWNSHIP)
    make = Maker(runtime)
    record = make.record(VILLAGE, stage="township_reviewed", name="王五")
    gender, phone = make.change(record, "gender", "女"), make.change(record, "phone", "13100002222")
    with TestClient(create_app(runtime=runtime)) as client:
        _as(client, "dongxiang")  # the county decides at township_reviewed
        page = client.get(f"/admin/records/{record}")
        changes = _section(page.text, "changes")
        assert "本人修改申请（2 条待审核）" in changes and f'data-api="/api/changes/{gender}/approve"' in changes
        assert f'data-api="/api/changes/{phone}/reject"' in changes and "13100002222" not in page.text
        assert f'data-api="/api/changes/{phone}/reveal"' in changes  # the sensitive one: shown on request
        assert "本人修改申请 2 条" in page.text
        listing = client.get("/admin/records")
        row = re.search(rf'<tr data-record="{record}">[\s\S]*?</tr>', listing.text)
        assert row is not None and '<td class="num">2</td>' in row.group(0)
        flow = client.get("/admin/workflow?campaign=veterans-2026")
        assert 'data-count="2"' in _section(flow.text, "changes") and f"/admin/records/{record}#changes" in flow.text
        _as(client, "township")  # the township sees them, and who decides
        page = client.get(f"/admin/records/{record}")
        changes = _section(page.text, "changes")
        assert "由县级审核人员办理" in changes and "/approve" not in changes
        assert 'data-count="0"' in _section(client.get("/admin/workflow?campaign=veterans-2026").text, "changes")
        _as(client, "collector")  # no review: no change requests
        assert _section(client.get(f"/admin/records/{record}").text, "changes") == ""


def test_declarations_on_the_record_pages(runtime: Runtime, world: dict[str, int]) -> None:
    make = Maker(runtime)
    own = make.record(VILLAGE, name="王五")
    declared, _ = make.declaration(make.person_of(own), JISHISHAN_VILLAGE, name="赵六")
    with TestClient(create_app(runtime=runtime)) as client:
        _as(client, "jishishan")  # where it was made: marked, nothing of the registered person
        page = client.get(f"/admin/records/{declared}")
        section = _section(page.text, "declaration")
        assert "身份未核实（申报）" in section and "由已登记人员所在地区的工作人员核实办理" in section
        assert "王" not in page.text and "/merge" not in page.text and "赵*" in page.text
        assert f"/api/records/{declared}/reveal" in page.text
        listing = client.get("/admin/records").text
        assert re.search(rf'<tr data-record="{declared}">[\s\S]*?身份未核实（申报）', listing)
        _as(client, "dongxiang")  # the registered person's county: the link, and the decision
        page = client.get(f"/admin/records/{declared}")
        section = _section(page.text, "declaration")
        assert "王*" in section and f'href="/admin/records/{own}"' in section and "/merge" in section
        assert f"/api/records/{declared}/reveal" not in page.text  # the declaration's own region reveals, not they
        person_page = _section(client.get(f"/admin/records/{own}").text, "declared")
        assert f'href="/admin/records/{declared}"' in person_page and "待核实" in person_page


def test_the_appeals_page_lists_blocked_persons_for_the_hotline(runtime: Runtime, world: dict[str, int]) -> None:
    make = Maker(runtime)
    east = make.person_of(make.record(VILLAGE, name="王五"))
    make.block(east)
    with TestClient(create_app(runtime=runtime)) as client:
        _as(client, "hotline")
        section = _section(client.get("/admin/appeals").text, "blocks")
        assert 'data-count="1"' in section and "王*" in section and "王五" not in section
        assert f'data-api="/api/identity/blocks/{east}/lift"' in section
        _as(client, "prefecture")  # reads appeals, does not lift
        assert _section(client.get("/admin/appeals").text, "blocks") == ""


@pytest.mark.browser
def test_decide_changes_lift_a_block_make_a_link_code_and_dismiss_a_declaration(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    make = Maker(runtime)
    record = make.record(VILLAGE, stage="township_reviewed", name="王五")
    approve, reject = make.change(record, "gender", "女"), make.change(record, "phone", "13100002222")
    make.block(make.person_of(record))
    declared, _ = make.declaration(make.person_of(record), JISHISHAN_VILLAGE, name="赵六")
    page: Any
    with serve(create_app(runtime=runtime)) as base:
        with browser_page() as page:
            _login(page, base, "dongxiang", "/admin/workflow?campaign=veterans-2026")
            expect(page.locator(f"#changes tr[data-change='{approve}']")).to_have_count(1)
            expect(page.locator(f"#waiting tr[data-record='{record}'] a.tag")).to_have_text("本人修改申请 2 条")
            page.screenshot(path=str(tmp_path / "changes-workflow.png"), full_page=True)
            page.goto(f"{base}/admin/records")
            page.screenshot(path=str(tmp_path / "changes-records.png"), full_page=True)
            page.goto(f"{base}/admin/records/{record}")
            page.click(f"tr[data-change='{reject}'] form.reveal button")
            expect(page.locator(f"#ch-{reject}")).to_have_text("13100002222")
            page.screenshot(path=str(tmp_path / "changes-record.png"), full_page=True)
            page.fill(f"tr[data-change='{approve}'] form.approve input[name=reason]", "已电话核实")
            page.click(f"tr[data-change='{approve}'] form.approve button")
            expect(page.locator("#flash")).to_have_text("已批准，修改已生效。")
            expect(page.locator("div.answer[data-key='gender'] .value")).to_have_text("女")
            page.fill(f"tr[data-change='{reject}'] form.reject input[name=reason]", "号码不对")
            page.click(f"tr[data-change='{reject}'] form.reject button")
            expect(page.locator("#flash")).to_have_text("已驳回，原内容不变。")
            expect(page.locator("#changes")).to_have_count(0)
            expect(page.locator("table.grid td", has_text="批准本人修改")).to_have_count(1)
            # the declaration made in the other county under this person's number: not this person
            page.goto(f"{base}/admin/records/{declared}")
            page.fill("#declaration form.dismiss input[name=reason]", "重名，不是同一人")
            page.screenshot(path=str(tmp_path / "declaration.png"), full_page=True)
            page.click("#declaration form.dismiss button")
            expect(page.locator("#flash")).to_have_text("已确认不是本人。")
            expect(page.locator("#declaration")).to_have_attribute("data-status", "dismissed")

        with browser_page() as page:
            _login(page, base, "hotline", "/admin/appeals")
            page.screenshot(path=str(tmp_path / "blocks.png"), full_page=True)
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#blocks form.lift button")
            expect(page.locator("#flash")).to_have_text("已解除锁定，对方可以重新核验身份。")
            expect(page.locator("#blocks")).to_have_attribute("data-count", "0")

        with browser_page() as page:
            _login(page, base, "collector", "/admin/collect")
            page.check("#consent")
            page.click(f"#roster button.start[data-person='{person_id(runtime, ID_A)}']")
            page.wait_for_url(re.compile(r".*/admin/collect/\d+$"))
            page.click("#make-link")
            expect(page.locator("#link-shown")).to_have_text(re.compile(
                r"^绑定码 \d{8}，15分钟内有效。请对方在微信或网页里发送：绑定 \d{8}$"))
            expect(page.locator("#make-link")).to_have_text("重新生成绑定码")
            page.screenshot(path=str(tmp_path / "link-code.png"), full_page=True)


def _login(page: Any, base: str, username: str, target: str) -> None:
    """Log in on a laptop-sized window and land on ``target``."""
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(base + target)
    page.fill("#login input[name=username]", username)
    page.fill("#login input[name=password]", PW)
    page.click("#login button[type=submit]")
    page.wait_for_url(base + target)
