"""The staff console in a real headless Chromium: log in, review and correct, answer an appeal, download an export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.reconcile import ReconcileItem
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, ID_A, JISHISHAN, PW, login
from tests.browser import browser_page
from tests.conftest import Chat
from tests.helpers import make_id
from tests.server import serve

ID_F = make_id("622926", "19700404", "041")  # on a department's list only


def _masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]

def _laptop(page: Any) -> None:
    """A township office laptop screen."""
    page.set_viewport_size({"width": 1280, "height": 860})


def _login(page: Any, base: str | None, username: str, password: str = PW) -> None:
    """Fill the login form (of the login page, or of the page we are on when ``base`` is None)."""
    if base is not None:
        page.goto(base + "/admin/login")
    page.fill("#login input[name=username]", username)
    page.fill("#login input[name=password]", password)
    page.click("#login button[type=submit]")


def _logout(page: Any, base: str) -> None:
    page.click("#logout")
    page.wait_for_url(base + "/admin/login")


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"console-{name}.png"), full_page=True)


def _staff_id(runtime: Runtime, username: str) -> int:
    with runtime.store_scope() as store:
        staff = StaffStore(store.session).by_username(username)
        assert staff is not None and staff.id is not None
        return staff.id


@pytest.mark.browser
def test_reviewer_logs_in_corrects_one_flag_and_approves_another(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    a, b = world["A"], world["B"]
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        _laptop(page)
        # not logged in: the page sends us to the login form, and back after it
        page.goto(base + "/admin/review")
        assert page.url.startswith(base + "/admin/login?next=")
        _login(page, None, "prefecture", "not the password")
        expect(page.locator("#login .msg")).to_have_text("用户名或密码不正确，请重新输入。")
        assert page.url.startswith(base + "/admin/login")
        _shot(page, tmp_path, "login")
        page.fill("#login input[name=password]", PW)
        page.click("#login button[type=submit]")
        page.wait_for_url(base + "/admin/review")

        # the queue: both people's gender answers, flagged because they were unsure
        items = page.locator("article.item")
        expect(items).to_have_count(2)
        item_a = page.locator(f"article.item[data-record='{a}']")
        assert item_a.get_attribute("data-question") == "gender"
        text_a = item_a.inner_text()
        assert "性别" in text_a and "不好说呀" in text_a and "本人说不清楚" in text_a
        assert "张三" not in page.content() and ID_A not in page.content()  # nothing personal in the queue
        _shot(page, tmp_path, "review")

        # correct A with a reason
        item_a.locator("form.correct input[name=text]").fill("男")
        item_a.locator("form.correct input[name=reason]").fill("电话回访本人核实")
        item_a.locator("form.correct button[type=submit]").click()
        expect(page.locator(f"article.item[data-record='{a}']")).to_have_count(0)
        expect(page.locator("#flash")).to_have_text("已更正，保存为新版本。")

        # a correction the parser cannot read is refused with a Chinese message, nothing saved
        item_b = page.locator(f"article.item[data-record='{b}']")
        item_b.locator("form.correct input[name=text]").fill("不知道是啥")
        item_b.locator("form.correct input[name=reason]").fill("随便试试")
        item_b.locator("form.correct button[type=submit]").click()
        expect(item_b.locator("form.correct .msg")).to_contain_text("没能识别")

        # approve B as it is
        item_b.locator("form.approve button[type=submit]").click()
        expect(page.locator("article.item")).to_have_count(0)
        expect(page.locator(".empty")).to_have_text("没有待审核的回答。")

        # the record view: the new version in the history, with the reason and the reviewer
        page.goto(f"{base}/admin/records/{a}")
        gender = page.locator(".answer[data-key=gender]")
        expect(gender.locator(".value")).to_have_text("男")
        gender.locator("details summary").click()
        corrected = gender.locator("tr[data-status=corrected]")
        expect(corrected).to_have_count(1)
        assert "电话回访本人核实" in corrected.inner_text() and "prefecture" in corrected.inner_text()
        assert "已处理" in gender.inner_text()
        expect(page.locator("#stage")).to_have_text("未进入审核流程")
        # the ID number is masked until revealed (reviewers may, and it is audited)
        id_value = page.locator("#v-id_number")
        assert id_value.inner_text() == ID_A[:6] + "*" * 8 + ID_A[-4:]
        page.locator(".answer[data-key=id_number] form.reveal button").click()
        expect(id_value).to_have_text(ID_A)
        _shot(page, tmp_path, "record")

        # out of reach and unknown records get the same polite page
        missing = page.goto(f"{base}/admin/records/999999")
        assert missing is not None and missing.status == 404
        assert "不在您负责的地区范围内" in page.locator("#problem").inner_text()

        # the dashboard: who I am and the progress of each county
        page.goto(base + "/admin")
        assert "审核员" in page.locator("#me").inner_text()
        board = page.locator("section.progress[data-campaign='veterans-2026']")
        rows = board.locator("tbody tr")
        assert rows.count() >= 3
        assert rows.first.locator("td").nth(1).inner_text() == "2"  # the prefecture's roster
        assert board.locator(f"tr[data-region='{DONGXIANG}']").count() == 1
        assert board.locator(f"tr[data-region='{JISHISHAN}']").count() == 1
        assert board.locator(".chart-row").count() == 3  # regions with a roster: the prefecture and both counties
        assert board.locator(".chart-row svg.bar").count() == 6
        _shot(page, tmp_path, "dashboard")
        _logout(page, base)
        page.goto(base + "/admin")
        assert page.url.startswith(base + "/admin/login")

    reviewer = f"staff:{_staff_id(runtime, 'prefecture')}"
    with runtime.store_scope() as store:
        versions = store.records.answer_history(a, "gender")
        assert [v.status for v in versions][-1] == "corrected" and len(versions) == 2
        last = versions[-1]
        assert last.value == "1" and last.raw == "男" and last.reason == "电话回访本人核实"
        assert last.actor == reviewer and last.channel == "admin"
        assert store.records.flags(a) == [] and store.records.flags(b) == []
        assert all(f.status == "resolved" and f.resolved_by == reviewer for f in store.records.flags(a, status=None))
        assert store.records.answer_history(b, "gender")[-1].status != "corrected"  # approved, not changed


@pytest.mark.browser
def test_hotline_answers_an_appeal_and_the_answer_reaches_the_chat(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    chat = Chat(runtime, "veterans", user="A")
    chat.say("转人工，抚恤金没发")
    assert "人工" in chat.texts()
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        _laptop(page)
        _login(page, base, "hotline")
        page.wait_for_url(base + "/admin")
        nav = page.locator("nav.nav").inner_text()
        assert "诉求处理" in nav and "导出" not in nav and "审核队列" not in nav
        page.click("nav.nav a:has-text('诉求处理')")
        rows = page.locator("tr[data-appeal]")
        expect(rows).to_have_count(1)
        assert "对话转人工" in rows.first.inner_text() and "新诉求" in rows.first.inner_text()
        _shot(page, tmp_path, "appeals")
        rows.first.locator("a:has-text('办理')").click()
        expect(page.locator("#appeal-text")).to_contain_text("抚恤金没发")
        page.fill("form.note textarea[name=text]", "已联系县退役军人事务局核实")
        page.click("form.note button[type=submit]")
        expect(page.locator("#appeal-status")).to_have_text("处理中")
        page.fill("form.answer textarea[name=text]", "抚恤金已补发，请查收。")
        page.click("form.answer button[type=submit]")
        expect(page.locator("#appeal-status")).to_have_text("已答复")
        expect(page.locator("#thread li[data-kind=answer]")).to_contain_text("抚恤金已补发，请查收。")
        _shot(page, tmp_path, "appeal")
        # a page the role may not use: a polite refusal, not an error dump
        refused = page.goto(base + "/admin/exports")
        assert refused is not None and refused.status == 403
        assert "热线接线员" in page.locator("#problem").inner_text()
        assert "没有使用这个功能的权限" in page.locator("#problem").inner_text()
    replies = chat.start()  # the person opens the chat again
    assert replies[0].text == "工作人员回复您：抚恤金已补发，请查收。"


@pytest.mark.browser
def test_county_admin_downloads_the_xlsx_export_reconciles_and_reads_statistics(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    q = runtime.questionnaires["veterans"]
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        _laptop(page)
        _login(page, base, "dongxiang")
        page.wait_for_url(base + "/admin")
        rows = page.locator("section.progress[data-campaign='veterans-2026'] tbody tr")
        assert rows.first.get_attribute("data-region") == DONGXIANG
        assert rows.first.locator("td").nth(1).inner_text() == "1"  # A only: the other county is not ours
        page.click("nav.nav a:has-text('导出')")
        _shot(page, tmp_path, "exports")
        with page.expect_download() as info:
            page.click("tr[data-campaign='veterans-2026'] a[href='/api/exports/veterans-2026.xlsx']")
        download = info.value
        assert download.failure() is None and download.suggested_filename == "veterans-2026.xlsx"
        target = tmp_path / download.suggested_filename
        download.save_as(target)

        # reconciliation: import a department's list, see the tasks, settle one
        dept = tmp_path / "低保名单.csv"
        dept.write_text(f"公民身份号码,姓名,是否低保\n{ID_A},张三,是\n{ID_F},王二,是\n", encoding="utf-8")
        page.click("nav.nav a:has-text('部门比对')")
        page.select_option("#import select[name=department]", "dibao")
        page.set_input_files("#import input[name=file]", str(dept))
        page.fill("#import input[name=id_column]", "公民身份号码")
        page.fill("#import input[name=name_column]", "姓名")
        page.fill("#import input[name=map_col_0]", "是否低保")
        page.select_option("#import select[name=map_key_0]", "dibao")
        _shot(page, tmp_path, "reconcile-import")
        page.click("#import button[type=submit]")
        page.wait_for_url(base + "/admin/reconcile/*")
        expect(page.locator("#flash")).to_have_text("名单已导入并比对完成。")
        items = page.locator("tr[data-item]")
        reasons = sorted(items.nth(i).get_attribute("data-reason") for i in range(items.count()))
        assert reasons == ["not_collected", "not_on_roster"], reasons
        stranger = page.locator("tr[data-reason=not_on_roster]")
        assert ID_F not in stranger.inner_text() and _masked(ID_F) in stranger.inner_text()
        assert "王二" not in page.content()
        stranger.locator("input[name=note]").fill("已转乡镇核实，非本县退役军人")
        stranger.locator("button[type=submit]").click()
        expect(page.locator("tr[data-reason=not_on_roster]")).to_have_attribute("data-status", "resolved")
        expect(page.locator("#open-count")).to_have_text("1")
        _shot(page, tmp_path, "reconcile")

        page.click("nav.nav a:has-text('统计')")
        page.select_option("select[name=question]", "recipient_kind")
        page.select_option("select[name=by]", "gender")
        page.select_option("select[name=status]", "all")
        page.click("form.filters button[type=submit]")
        expect(page.locator("#result h2")).to_contain_text("共 1 人回答")
        assert "退役士兵" in page.locator("#result").inner_text()
        expect(page.locator("#crosstab")).to_be_visible()
        _shot(page, tmp_path, "stats")

    sheet = load_workbook(target).active
    assert sheet is not None
    table = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    header = table[0]
    assert header[:5] == ["记录号", "回执号", "状态", "地区", "问卷版本"]
    assert header[5:] == [question.title for question in q.questions]
    assert len(table) == 2  # record A only
    cell = dict(zip(header, table[1], strict=True))
    assert cell["记录号"] == str(world["A"]) and cell["状态"] == "填写中" and cell["回执号"] == ""
    assert cell["问卷版本"] == q.version
    assert cell["地区"] == DONGXIANG + "/东塬乡/东塬村"
    assert cell["身份证号"] == ID_A and cell["姓名"] == "张三" and cell["人员类别"] == "02"
    assert cell["性别"] == ""  # the person was unsure: kept empty and flagged
    with runtime.store_scope() as store:
        settled = store.session.exec(select(ReconcileItem).where(ReconcileItem.reason == "not_on_roster")).one()
        assert settled.status == "resolved" and settled.resolved_by == _staff_id(runtime, "dongxiang")


def test_pages_escape_text_send_strangers_to_login_and_refuse_politely(runtime: Runtime, world: dict[str, int]) -> None:
    """Without a browser: escaping, the login redirect (never off-site), headers, the static files."""
    with TestClient(create_app(runtime=runtime)) as client:
        r = client.get("/admin/records", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login?next=%2Fadmin%2Frecords"
        assert "no-store" in r.headers.get("cache-control", "") or r.status_code == 303
        page = client.get("/admin/login", params={"next": "//evil.example/admin"})
        assert page.status_code == 200 and 'data-next="/admin"' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/admin/static/console.js").status_code == 200
        assert client.get("/admin/static/..%2Fconsole.py").status_code == 404
        h = login(runtime, "hotline", client)
        made = client.post("/api/appeals", json={"text": "<script>alert(1)</script>住房漏雨"}, headers=h)
        assert made.status_code == 201
        html = client.get(f"/admin/appeals/{made.json()['id']}", headers=h)
        assert html.status_code == 200 and html.headers["cache-control"] == "no-store"
        assert "<script>alert(1)" not in html.text and "&lt;script&gt;alert(1)&lt;/script&gt;住房漏雨" in html.text
        refused = client.get("/admin/review", headers=h)
        assert refused.status_code == 403 and "没有使用这个功能的权限" in refused.text
        collector = login(runtime, "collector", client)
        other_county = client.get(f"/admin/records/{world['B']}", headers=collector)
        assert other_county.status_code == 404 and "不在您负责的地区范围内" in other_county.text
        assert "李四" not in other_county.text
