"""The console page 审核上报: each level's queue, the county's spot checks, sending back, in pages and in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select
from starlette.routing import NoMatchFound

from admin.app import create_app
from admin.console import pages as console
from admin.console.workflow import workflow_pages
from admin.runtime import Runtime
from admin.services.workflow import draw_sample
from storage.models import Record, WorkflowEvent
from storage.staff import AuditEntry
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, ID_A, PW
from tests.admin.test_workflow_api import _submitted_elsewhere, _submitted_records
from tests.browser import browser_page
from tests.server import serve

PAGE = "/admin/workflow?campaign=veterans-2026"


@pytest.fixture(autouse=True)
def _workflow_script(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve static/workflow.js whether or not the console lists it yet."""
    monkeypatch.setitem(console.STATIC_TYPES, "workflow.js", "text/javascript; charset=utf-8")


def _app(runtime: Runtime) -> FastAPI:
    """The app, with the workflow page included unless create_app already does."""
    app = create_app(runtime=runtime)
    try:
        app.url_path_for("workflow_page")
    except NoMatchFound:
        app.include_router(workflow_pages())
    return app


def _as(client: TestClient, username: str) -> None:
    """Log in through the API; the client keeps the session cookie and sends the CSRF token, as the console does."""
    r = client.post("/api/auth/login", json={"username": username, "password": PW})
    assert r.status_code == 200, r.text
    client.headers.update({"Origin": str(client.base_url), "X-CSRF-Token": r.json()["csrf_token"]})


def _rows(html: str, attribute: str) -> list[int]:
    """The record ids of the table rows carrying a data attribute."""
    return [int(x) for x in re.findall(rf'<tr {attribute}="(\d+)"', html)]


def _submit(runtime: Runtime, record_id: int) -> None:
    with runtime.store_scope() as store:
        store.records.submit(store.records.get(record_id), 2026)


def _records_with_events(runtime: Runtime) -> set[int]:
    """The records that have any workflow event."""
    with runtime.store_scope() as store:
        return set(store.session.exec(select(WorkflowEvent.record_id)).all())


def test_each_level_sees_its_own_step_and_others_are_refused_politely(
    runtime: Runtime, world: dict[str, int]
) -> None:
    ids = _submitted_records(runtime, 3)
    wujia = _submitted_elsewhere(runtime, DONGXIANG + "/五家乡/上庄村", "19580202")  # another township
    _submit(runtime, world["A"])  # 东塬村, with an open flag
    _submit(runtime, world["B"])  # the other county
    with TestClient(_app(runtime)) as client:
        # the township reviewer: the collected records of 东塬乡 only, masked, with the flagged one marked
        _as(client, "township")
        page = client.get(PAGE)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        html = page.text
        assert sorted(_rows(html, "data-record")) == sorted([*ids, world["A"]])
        assert wujia not in _rows(html, "data-record") and world["B"] not in _rows(html, "data-record")
        assert 'data-step="township_reviewed"' in html and 'id="sample"' not in html and 'id="rate-form"' not in html
        assert "张三" not in html and ID_A not in html and "张*" in html and ID_A[:6] + "********" in html
        assert "有 1 项待审核，处理后才能上报" in html and f'href="/admin/records/{world["A"]}"' in html
        assert ">上报</button>" in html and 'data-workflow="return"' in html and "/admin/static/workflow.js" in html
        assert client.get("/admin/static/workflow.js").status_code == 200
        r = client.post("/api/workflow/advance", json={"record_ids": ids, "to": "township_reviewed"})
        assert r.json()["moved"] == ids

        # the county: its reproducible sample of what the township passed on, and what is left to check
        _as(client, "dongxiang")
        html = client.get(PAGE).text
        sample = client.get("/api/workflow/sample", params={"campaign": "veterans-2026"}).json()
        assert len(sample["sample"]) == 1 and sample["candidates"] == 3
        assert _rows(html, "data-sample") == sample["sample"]
        assert sorted(_rows(html, "data-record")) == ids and 'data-step="county_checked"' in html
        assert "还有 1 条抽查未完成" in html and "/api/workflow/spot-check" in html
        assert 'id="rate-form"' not in html and 'id="rate">10.0%' in html
        # sending one back: it appears under 已退回 with the reason, for the county and the township
        sent = [i for i in ids if i not in sample["sample"]][0]
        client.post("/api/workflow/return", json={"record_ids": [sent], "reason": "住房面积与入户不符"})
        html = client.get(PAGE).text
        assert _rows(html, "data-returned") == [sent] and "住房面积与入户不符" in html
        _as(client, "township")
        html = client.get(PAGE).text
        assert _rows(html, "data-returned") == [sent] and 'data-step="township_reviewed"' in html

        # the province sets the rate; the city has no records waiting yet
        _as(client, "province")
        html = client.get(PAGE).text
        assert 'id="rate-form"' in html and 'data-step="province_accepted"' in html and _rows(html, "data-record") == []
        _as(client, "prefecture")
        html = client.get(PAGE).text
        assert 'data-step="city_accepted"' in html and 'id="rate-form"' not in html and "没有等待办理的记录" in html

        # roles without the review permission get the console's polite refusal, not a list
        for who, role in (("collector", "采集员"), ("hotline", "热线接线员")):
            _as(client, who)
            refused = client.get(PAGE)
            assert refused.status_code == 403 and "没有使用这个功能的权限" in refused.text and role in refused.text
            assert _rows(refused.text, "data-record") == []
        client.cookies.clear()
        stranger = client.get(PAGE, follow_redirects=False)
        assert stranger.status_code == 303 and stranger.headers["location"].startswith("/admin/login?next=")
    with runtime.store_scope() as store:
        audited = store.session.exec(select(AuditEntry.action).where(AuditEntry.username == "dongxiang")).all()
    assert "workflow_queue" in audited and "workflow_sample" in audited


def _laptop_login(page: Any, base: str, username: str) -> None:
    """Log in on a laptop-sized window and land on the workflow page."""
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(base + PAGE)
    assert page.url.startswith(base + "/admin/login?next=")
    page.fill("#login input[name=username]", username)
    page.fill("#login input[name=password]", PW)
    page.click("#login button[type=submit]")
    page.wait_for_url(base + PAGE)


@pytest.mark.browser
def test_township_reports_up_county_spot_checks_sends_one_back_and_moves_the_rest_on(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ids = _submitted_records(runtime, 4)
    flagged = world["A"]
    _submit(runtime, flagged)
    page: Any
    with serve(_app(runtime)) as base:
        with browser_page() as page:
            # the province sets the spot-check rate to 50%
            _laptop_login(page, base, "province")
            page.fill("#rate-form input[name=percent]", "50")
            page.click("#rate-form button[type=submit]")
            expect(page.locator("#flash")).to_have_text("抽查比例已保存。")
            expect(page.locator("#rate")).to_have_text("50.0%")

        with browser_page() as page:
            # the township ticks every record and reports them up: the flagged one is refused, in Chinese
            _laptop_login(page, base, "township")
            rows = page.locator("#waiting tr[data-record]")
            expect(rows).to_have_count(5)
            expect(page.locator(f"tr[data-record='{flagged}'] .tag.warn")).to_contain_text("有 1 项待审核")
            page.click("#advance button")
            expect(page.locator("#advance .msg")).to_have_text("请先勾选要办理的记录。")
            page.check("#waiting input[data-check-all]")
            page.click("#advance button:has-text('上报')")
            expect(page.locator("#flash")).to_have_text("已上报 4 条。1 条未能办理，原因见列表中的说明。")
            expect(rows).to_have_count(1)
            refusal = page.locator(f"tr[data-record='{flagged}'] .refusal")
            expect(refusal).to_have_text("还有待审核的问题，请先在审核队列处理后再上报。")
            page.screenshot(path=str(tmp_path / "workflow-township.png"), full_page=True)

        with browser_page() as page:
            _laptop_login(page, base, "dongxiang")
            rows = page.locator("#waiting tr[data-record]")
            expect(rows).to_have_count(4)
            # one record is sent back with a reason, and is listed under 已退回
            back = ids[0]
            page.check(f"tr[data-record='{back}'] input[name=record_id]")
            page.fill("#send-back input[name=reason]", "住房面积与入户不符")
            page.click("#send-back button")
            expect(page.locator("#flash")).to_have_text("已退回 1 条。")
            expect(page.locator(f"#returned tr[data-returned='{back}'] .reason")).to_have_text("住房面积与入户不符")
            expect(rows).to_have_count(3)

            # the sample over the remaining three, drawn reproducibly; nothing moves before it is checked
            rest = ids[1:]
            with runtime.store_scope() as store:
                campaign = store.campaigns.by_key("veterans-2026")
                assert campaign is not None
                expected = draw_sample(campaign, DONGXIANG, rest, 0.5)
            sampled = page.locator("#sample tr[data-sample]")
            expect(sampled).to_have_count(len(expected))
            assert [int(sampled.nth(i).get_attribute("data-sample") or 0) for i in range(sampled.count())] == expected
            expect(page.locator("#sample-status")).to_contain_text(f"还有 {len(expected)} 条抽查未完成")
            page.check("#waiting input[data-check-all]")
            page.click("#advance button:has-text('上报')")
            expect(page.locator("#flash")).to_have_text("已上报 0 条。3 条未能办理，原因见列表中的说明。")
            expect(page.locator(f"tr[data-record='{rest[0]}'] .refusal")).to_contain_text("县级抽查还没有全部通过")
            page.screenshot(path=str(tmp_path / "workflow-county.png"), full_page=True)

            # pass each sampled record, then every record moves on
            for rid in expected:
                page.click(f"#sample tr[data-sample='{rid}'] form.pass button")
                expect(page.locator(f"#sample tr[data-sample='{rid}']")).to_have_attribute("data-checked", "passed")
            expect(page.locator("#sample-status")).to_have_text("抽查已全部通过，可以上报市级。")
            page.check("#waiting input[data-check-all]")
            page.click("#advance button:has-text('上报')")
            expect(page.locator("#flash")).to_have_text("已上报 3 条。")
            expect(page.locator("#waiting .empty")).to_have_text("没有等待办理的记录。")
            expect(page.locator("#returned tr[data-returned]")).to_have_count(1)

    with runtime.store_scope() as store:
        who = {u: s.id for u in ("township", "dongxiang") if (s := StaffStore(store.session).by_username(u))}
        stages = {r.id: r.stage for r in store.session.exec(select(Record)).all()}
        events = store.session.exec(select(WorkflowEvent).where(col(WorkflowEvent.record_id).in_(ids))
                                    .order_by(col(WorkflowEvent.id))).all()
        rate = store.campaigns.by_key("veterans-2026")
        assert rate is not None and rate.spot_check_rate == 0.5
    assert stages[flagged] == "collected" and stages[back] == "returned"
    assert all(stages[i] == "county_checked" for i in rest)
    town, county = who["township"], who["dongxiang"]
    trail: dict[int, list[tuple[str, str | None, int | None, str]]] = {}
    for e in events:
        trail.setdefault(e.record_id, []).append((e.action, e.to_stage, e.staff_id, e.reason))
    assert trail[back] == [("advance", "township_reviewed", town, ""),
                           ("return", "returned", county, "住房面积与入户不符")]
    for rid in rest:
        checked = [("spot_check_passed", None, county, "")] if rid in expected else []
        assert trail[rid] == [("advance", "township_reviewed", town, ""), *checked,
                              ("advance", "county_checked", county, "")]
    assert flagged not in _records_with_events(runtime)
