"""The statistics and exports pages in a real headless Chromium: choosing a region updates the tables and charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from admin.app import create_app
from admin.runtime import Runtime
from tests.admin.conftest import DONGXIANG
from tests.admin.test_reports_api import DONGYUAN, WUJIA, _finish_a, _seed
from tests.browser import browser_page
from tests.server import serve


def _cells(page: Any, table: str) -> list[list[str]]:
    """The texts of the cells of a table's body rows."""
    rows = page.locator(f"{table} tbody tr")
    return [[t.strip() for t in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def _by_region(page: Any) -> dict[str, list[str]]:
    """The rows of the sub-region comparison by their region path."""
    rows = page.locator("#by-region tbody tr")
    return {rows.nth(i).get_attribute("data-region"): cells
            for i, cells in enumerate(_cells(page, "#by-region"))}


def _bars(page: Any, scope: str) -> list[tuple[float, float]]:
    """(drawn width of the filled part, drawn width of the whole bar) of every bar under ``scope``."""
    bars = page.locator(f"{scope} svg.bar")
    out = []
    for i in range(bars.count()):
        whole = bars.nth(i).locator("rect.bar-bg").bounding_box()
        fill = bars.nth(i).locator("rect.bar-fill").bounding_box()
        out.append((fill["width"] if fill else 0.0, whole["width"] if whole else 0.0))
    return out


@pytest.mark.browser
def test_county_admin_compares_townships_and_narrows_statistics_and_exports_to_one(
    runtime: Runtime, world: dict[str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    _finish_a(runtime)
    seeded = _seed(runtime)
    problems: list[str] = []
    page: Any
    with serve(create_app(runtime=runtime)) as base, browser_page() as page:
        # a refused inline script or style (the console's CSP) or a failing script shows up here
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
                and not m.location.get("url", "").endswith("/favicon.ico") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.set_viewport_size({"width": 1280, "height": 860})
        page.goto(base + "/admin/login")
        page.fill("#login input[name=username]", "dongxiang")
        page.fill("#login input[name=password]", "a long enough password")
        page.click("#login button[type=submit]")
        page.wait_for_url(base + "/admin")

        page.click("nav.nav a:has-text('统计')")
        region = page.locator("select#region")
        assert region.locator("option:checked").inner_text().strip() == "东乡族自治县（全部）"
        assert region.locator("option").count() == 25  # the county and its 24 townships
        page.select_option("select[name=question]", "recipient_kind")
        page.select_option("select[name=by]", "gender")
        page.click("form.filters button[type=submit]")
        expect(page.locator("#result h2")).to_contain_text("共 5 人回答")
        assert page.locator("#scope").inner_text() == "统计范围：" + DONGXIANG
        assert [cells[:3] for cells in _cells(page, "#result")] == [["退役军官", "1", "20.0%"], ["退役士兵", "4", "80.0%"]]
        drawn = _bars(page, "#result")
        assert len(drawn) == 2 and all(whole > 100 for _, whole in drawn)
        assert drawn[0][0] == pytest.approx(0.2 * drawn[0][1], abs=1.5)
        assert drawn[1][0] == pytest.approx(0.8 * drawn[1][1], abs=1.5)
        expect(page.locator("#by-region h2")).to_contain_text("各乡镇对比")
        townships = _by_region(page)
        assert len(townships) == 25  # 24 townships and the county itself
        assert townships[DONGYUAN] == ["东塬乡", "0（0.0%）", "3（100.0%）", "3"]
        assert townships[WUJIA] == ["五家乡", "1（100.0%）", "0（0.0%）", "1"]
        assert townships[DONGXIANG] == ["东乡族自治县（本级）", "0（0.0%）", "1（100.0%）", "1"]
        assert len(_bars(page, "#by-region")) == 6  # bars only in the rows with answers
        expect(page.locator("#crosstab")).to_be_visible()
        page.screenshot(path=str(tmp_path / "stats-county.png"), full_page=True)

        # choosing a township in the selector narrows everything to it at once
        page.select_option("select#region", DONGYUAN)
        page.wait_for_url("**region=*")
        expect(page.locator("#result h2")).to_contain_text("共 3 人回答")
        assert parse_qs(urlsplit(page.url).query)["region"] == [DONGYUAN]
        assert page.locator("#scope").inner_text() == "统计范围：" + DONGYUAN
        assert [cells[:3] for cells in _cells(page, "#result")] == [["退役士兵", "3", "100.0%"]]
        fill, whole = _bars(page, "#result")[0]
        assert fill == pytest.approx(whole, abs=1.5)
        expect(page.locator("#by-region h2")).to_contain_text("各村（社区）对比")
        villages = _by_region(page)
        assert villages[DONGYUAN + "/东塬村"] == ["东塬村", "2（100.0%）", "2"]
        assert villages[DONGYUAN + "/刘牙村"] == ["刘牙村", "1（100.0%）", "1"]
        assert _cells(page, "#crosstab") == [["退役士兵", "1（33.3%）", "2（66.7%）", "3"]]  # 女 1, 男 2
        chosen = page.locator("select#region option:checked")
        assert chosen.inner_text().strip() == "东塬乡（全部）"
        page.screenshot(path=str(tmp_path / "stats-township.png"), full_page=True)

        # a village's name in the comparison leads further down; the selector leads back up
        page.click(f"#by-region tr[data-region='{DONGYUAN}/东塬村'] a")
        expect(page.locator("#result h2")).to_contain_text("共 2 人回答")
        expect(page.locator("#by-region")).to_have_count(0)  # a village has nothing under it to compare
        assert page.locator("select#region option").all_inner_texts()[0].strip() == "东乡族自治县"
        page.select_option("select#region", "")
        expect(page.locator("#result h2")).to_contain_text("共 5 人回答")

        # the exports page: one township only
        page.click("nav.nav a:has-text('导出')")
        page.select_option("select#region", WUJIA)
        page.wait_for_url("**region=*")
        assert page.locator("#scope").inner_text() == "导出范围：" + WUJIA
        link = page.locator("tr[data-campaign='veterans-2026'] a").first
        assert parse_qs(urlsplit(link.get_attribute("href")).query)["region"] == [WUJIA]
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.failure() is None and download.suggested_filename == "veterans-2026-五家乡.xlsx"
        target = tmp_path / "wujia.xlsx"
        download.save_as(target)
        page.screenshot(path=str(tmp_path / "exports-township.png"), full_page=True)
    assert problems == []
    sheet = load_workbook(target).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    assert len(table) == 2 and table[1][0] == str(seeded[WUJIA + "/上庄村"]) and table[1][3] == WUJIA + "/上庄村"
