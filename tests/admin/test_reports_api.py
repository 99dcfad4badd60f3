"""Exports opened with openpyxl and csv and checked cell by cell; statistics; progress against the roster."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import select

from admin.app import create_app
from admin.runtime import Runtime
from storage.staff import AuditEntry
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, ID_A, JISHISHAN, login
from tests.conftest import Chat
from tests.helpers import complete


def _finish_a(runtime: Runtime) -> None:
    """Person A finishes and submits (the fixture left them at the gender question)."""
    chat = Chat(runtime, "veterans", user="A")
    chat.start()
    chat.say("把性别改成男")
    complete(chat, {"birth_date": "1965年3月12日", "enlist_date": "1983年10月", "discharge_date": "1988年",
                    "employment": "务农", "has_housing": "有", "housing_area": "七十来平",
                    "social_insurance": "医保和新农保", "hukou": "东乡县东塬乡东塬村"})
    chat.say("确认提交")
    assert chat.last.kind == "receipt"


def test_xlsx_and_csv_exports_cell_by_cell(runtime: Runtime, world: dict[str, int]) -> None:
    _finish_a(runtime)
    q = runtime.questionnaires["veterans"]
    with TestClient(create_app(runtime=runtime)) as client:
        admin = login(runtime, "dongxiang", client)  # region admin: ID numbers in clear, own county only
        r = client.get("/api/exports/veterans-2026.xlsx", headers=admin)
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
        header = rows[0]
        assert header[:5] == ["记录号", "回执号", "状态", "地区", "问卷版本"]
        assert header[5:] == [question.title for question in q.questions]
        assert len(rows) == 2  # record A only
        cell = dict(zip(header, rows[1], strict=True))
        assert cell["记录号"] == str(world["A"]) and cell["状态"] == "已提交" and len(cell["回执号"]) == 12
        assert cell["地区"].endswith("东塬乡/东塬村") and cell["问卷版本"] == "2026.1"
        assert cell["身份证号"] == ID_A
        assert cell["人员类别"] == "02" and cell["姓名"] == "张三" and cell["性别"] == "1"
        assert cell["出生日期"] == "1965-03-12" and cell["入伍时间"] == "1983-10" and cell["退伍时间"] == "1988"
        assert cell["有无住房"] == "1" and cell["住房面积"] == "70"
        assert cell[q.by_key["social_insurance"].title] == "1;5"
        assert cell[q.by_key["employer"].title] == ""  # not asked: not employed
        reviewer = login(runtime, "prefecture", client)  # may export, but sees ID numbers masked
        text = client.get("/api/exports/veterans-2026.csv", headers=reviewer).content.decode("utf-8")
        assert text.startswith("\ufeff")
        table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert table[0] == header and len(table) == 3  # both counties
        by_id = {row[0]: dict(zip(header, row, strict=True)) for row in table[1:]}
        assert by_id[str(world["A"])]["身份证号"] == ID_A[:6] + "********" + ID_A[-4:]
        assert by_id[str(world["A"])]["联系电话"] == "139****5678"
        assert by_id[str(world["B"])]["状态"] == "填写中"
        hotline = login(runtime, "hotline", client)
        assert client.get("/api/exports/veterans-2026.csv", headers=hotline).status_code == 403
        assert client.get("/api/exports/nothing-2026.csv", headers=admin).status_code == 404
    with runtime.store_scope() as store:
        exports = [(a.username, a.detail) for a in store.session.exec(select(AuditEntry)).all() if a.action == "export"]
    assert ("dongxiang", "xlsx; id numbers shown") in exports and ("prefecture", "csv; id numbers masked") in exports


def test_statistics_and_progress(runtime: Runtime, world: dict[str, int]) -> None:
    _finish_a(runtime)
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "prefecture", client)
        s = client.get("/api/stats", params={"campaign": "veterans-2026", "question": "recipient_kind",
                                             "by": "gender"}, headers=h).json()
        assert s["total"] == 1 and s["counts"] == {"退役士兵": 1} and s["shares"] == {"退役士兵": 1.0}
        assert s["crosstab"] == {"退役士兵": {"男": 1}}
        both = client.get("/api/stats", params={"campaign": "veterans-2026", "question": "recipient_kind",
                                                "status": "in_progress"}, headers=h).json()
        assert both["total"] == 1  # record B, still in progress
        bad = client.get("/api/stats", params={"campaign": "veterans-2026", "question": "name"}, headers=h)
        assert bad.status_code == 422
        rows = {r["region"]: r for r in client.get("/api/progress", params={"campaign": "veterans-2026"},
                                                     headers=h).json()}
        top = rows["甘肃省/临夏回族自治州"]
        assert (top["roster"], top["started"], top["submitted"]) == (2, 2, 1) and top["reach_rate"] == 0.5
        assert top["visit_rate"] == 0.0 and top["visit_target_met"] is False
        assert rows["甘肃省/临夏回族自治州/东乡族自治县"]["submitted"] == 1
        assert rows["甘肃省/临夏回族自治州/积石山保安族东乡族撒拉族自治县"]["open_flags"] == 1


DONGYUAN = DONGXIANG + "/东塬乡"
WUJIA = DONGXIANG + "/五家乡"
#: (region path, recipient kind, gender, employment) of generated submitted records
SEEDED = (
    (DONGYUAN + "/东塬村", "02", "1", "5"),
    (DONGYUAN + "/刘牙村", "02", "2", "5"),
    (WUJIA + "/上庄村", "01", "1", "7"),
    (DONGXIANG, "02", "1", None),  # placed at the county itself: the person named only the county
    (JISHISHAN + "/中咀岭乡/大山村", "01", "1", "8"),
)


def _seed(runtime: Runtime) -> dict[str, int]:
    """Submitted veterans records placed in the regions of SEEDED; returns record id by region path."""
    q = runtime.questionnaires["veterans"]
    ids: dict[str, int] = {}
    with runtime.store_scope() as store:
        campaign = store.campaigns.by_key("veterans-2026")
        assert campaign is not None
        staff = StaffStore(store.session)
        for i, (path, kind, gender, employment) in enumerate(SEEDED):
            region = staff.region_by_path(path)
            assert region is not None, path
            record, _ = store.records.ensure(campaign, f"test:{i}", channel="visit", region_id=region.id)
            for key, value in (("recipient_kind", kind), ("gender", gender), ("employment", employment)):
                if value is not None:
                    store.records.save_answer(record, key, value, raw=None, confidence=1.0, status="new", channel="visit",
                                      actor="collector:test", sensitive=q.by_key[key].sensitive)
            store.records.submit(record, 2026)
            ids[path] = record.id or 0
    return ids


def _audit(runtime: Runtime, action: str) -> list[tuple[str | None, str, str | None, str]]:
    with runtime.store_scope() as store:
        return [(a.username, a.result, a.target_id, a.detail)
                for a in store.session.exec(select(AuditEntry)).all() if a.action == action]


def test_statistics_of_a_region_and_per_sub_region(runtime: Runtime, world: dict[str, int]) -> None:
    _finish_a(runtime)  # A: 退役士兵, 男, 务农, in 东塬乡/东塬村
    _seed(runtime)
    with runtime.store_scope() as store:
        staff = StaffStore(store.session)
        county = staff.region_by_path(DONGXIANG)
        assert county is not None
        townships = [r.path for r in store.regions.children(county.id or 0)]
        villages = [r.path for r in store.regions.children(staff.region_by_path(DONGYUAN).id or 0)]  # type: ignore[union-attr]
    assert len(townships) == 24 and len(villages) > 2
    params = {"campaign": "veterans-2026", "question": "recipient_kind"}
    with TestClient(create_app(runtime=runtime)) as client:
        h = login(runtime, "dongxiang", client)
        whole = client.get("/api/stats", params=params, headers=h).json()
        assert whole["region"] == DONGXIANG and whole["total"] == 5
        assert whole["counts"] == {"退役军官": 1, "退役士兵": 4}
        # every township side by side, in the tree's order; the record placed at the county under its own path
        assert list(whole["by_region"]) == [*townships, DONGXIANG]
        assert whole["by_region"][DONGYUAN] == {"退役士兵": 3}
        assert whole["by_region"][WUJIA] == {"退役军官": 1}
        assert whole["by_region"][DONGXIANG] == {"退役士兵": 1}
        assert {k: v for k, v in whole["by_region"].items() if v} == {
            DONGYUAN: {"退役士兵": 3}, WUJIA: {"退役军官": 1}, DONGXIANG: {"退役士兵": 1}}
        assert {k: v for k, v in whole["region_totals"].items() if v} == {DONGYUAN: 3, WUJIA: 1, DONGXIANG: 1}
        assert set(whole["region_totals"]) == set(whole["by_region"])

        # one township: its figures only, its villages side by side, the cross-tabulation limited too
        town = client.get("/api/stats", params={**params, "region": DONGYUAN, "by": "employment"}, headers=h).json()
        assert town["region"] == DONGYUAN and town["total"] == 3
        assert town["counts"] == {"退役士兵": 3} and town["shares"] == {"退役士兵": 1.0}
        assert town["crosstab"] == {"退役士兵": {"无业": 2, "务农": 1}}
        assert list(town["by_region"]) == villages
        assert {k: v for k, v in town["by_region"].items() if v} == {
            DONGYUAN + "/东塬村": {"退役士兵": 2}, DONGYUAN + "/刘牙村": {"退役士兵": 1}}
        assert town["region_totals"][DONGYUAN + "/东塬村"] == 2
        gender = client.get("/api/stats", params={"campaign": "veterans-2026", "question": "gender",
                                                  "region": DONGYUAN}, headers=h).json()
        assert gender["counts"] == {"男": 2, "女": 1} and gender["shares"] == {"男": 0.6667, "女": 0.3333}
        assert gender["by_region"][DONGYUAN + "/刘牙村"] == {"女": 1}
        # a village: nothing under it, its records counted under its own path
        village = client.get("/api/stats", params={**params, "region": DONGYUAN + "/东塬村"}, headers=h).json()
        assert village["total"] == 2 and village["by_region"] == {DONGYUAN + "/东塬村": {"退役士兵": 2}}
        # in-progress records of the region only
        assert client.get("/api/stats", params={**params, "region": DONGYUAN, "status": "in_progress"},
                          headers=h).json()["total"] == 0

        # the city: its counties side by side
        city = client.get("/api/stats", params=params, headers=login(runtime, "prefecture", client)).json()
        assert city["region"] == "甘肃省/临夏回族自治州" and city["total"] == 6 and len(city["by_region"]) == 8
        assert city["by_region"][DONGXIANG] == {"退役军官": 1, "退役士兵": 4}
        assert city["by_region"][JISHISHAN] == {"退役军官": 1}
        assert city["region_totals"] == {**dict.fromkeys(city["by_region"], 0), DONGXIANG: 5, JISHISHAN: 1}
        other = client.get("/api/stats", params={**params, "region": JISHISHAN},
                           headers=login(runtime, "prefecture", client)).json()
        assert other["total"] == 1 and other["counts"] == {"退役军官": 1}

        # outside the caller's area (the neighbour, the city above), or unknown: 404 like any other region filter
        for outside in (JISHISHAN, "甘肃省/临夏回族自治州", DONGXIANG + "/没有这个乡", "东塬乡"):
            r = client.get("/api/stats", params={**params, "region": outside}, headers=h)
            assert r.status_code == 404 and r.json()["detail"] == f"no region {outside}"
        # a question that is not countable is still refused first
        assert client.get("/api/stats", params={"campaign": "veterans-2026", "question": "name",
                                                "region": DONGYUAN}, headers=h).status_code == 422
    refused = [(who, target) for who, result, target, _ in _audit(runtime, "read_region") if result == "not_found"]
    assert refused == [("dongxiang", JISHISHAN), ("dongxiang", "甘肃省/临夏回族自治州"),
                       ("dongxiang", DONGXIANG + "/没有这个乡"), ("dongxiang", "东塬乡")]
    stats = [detail for who, _, _, detail in _audit(runtime, "stats") if who == "dongxiang"]
    assert stats[:2] == ["recipient_kind", "recipient_kind; region " + DONGYUAN]


def test_exports_of_a_sub_region(runtime: Runtime, world: dict[str, int]) -> None:
    _finish_a(runtime)
    seeded = _seed(runtime)
    with TestClient(create_app(runtime=runtime)) as client:
        admin = login(runtime, "dongxiang", client)
        r = client.get("/api/exports/veterans-2026.csv", params={"region": DONGYUAN}, headers=admin)
        assert r.status_code == 200
        assert r.headers["content-disposition"] == \
            "attachment; filename*=utf-8''veterans-2026-%E4%B8%9C%E5%A1%AC%E4%B9%A1.csv"  # veterans-2026-东塬乡.csv
        table = list(csv.reader(io.StringIO(r.content.decode("utf-8").lstrip("\ufeff"))))
        header = table[0]
        rows = [dict(zip(header, row, strict=True)) for row in table[1:]]
        assert sorted(int(row["记录号"]) for row in rows) == sorted(
            [world["A"], seeded[DONGYUAN + "/东塬村"], seeded[DONGYUAN + "/刘牙村"]])
        assert all(row["地区"].startswith(DONGYUAN + "/") for row in rows)
        assert {row["身份证号"] for row in rows} == {ID_A, ""}  # the region admin sees ID numbers in clear

        r = client.get("/api/exports/veterans-2026.xlsx", params={"region": WUJIA, "status": "submitted"},
                       headers=admin)
        assert r.status_code == 200 and "filename*=utf-8''veterans-2026-" in r.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None
        xrows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
        assert xrows[0] == header and len(xrows) == 2
        cell = dict(zip(header, xrows[1], strict=True))
        assert cell["记录号"] == str(seeded[WUJIA + "/上庄村"]) and cell["地区"] == WUJIA + "/上庄村"
        assert cell["人员类别"] == "01" and cell["就业状态"] == "7" and cell["状态"] == "已提交"

        # the city's reviewer exports the neighbouring county alone: its two records, ID numbers masked
        reviewer = login(runtime, "prefecture", client)
        r = client.get("/api/exports/veterans-2026.csv", params={"region": JISHISHAN}, headers=reviewer)
        lines = list(csv.reader(io.StringIO(r.content.decode("utf-8").lstrip("\ufeff"))))[1:]
        assert sorted(int(row[0]) for row in lines) == sorted([world["B"], seeded[JISHISHAN + "/中咀岭乡/大山村"]])
        assert all(row[3].startswith(JISHISHAN + "/") for row in lines)

        # outside the area or unknown: 404, audited, and no export written
        for outside in (JISHISHAN, "甘肃省/临夏回族自治州/没有这个县"):
            for fmt in ("csv", "xlsx"):
                r = client.get(f"/api/exports/veterans-2026.{fmt}", params={"region": outside}, headers=admin)
                assert r.status_code == 404 and r.json()["detail"] == f"no region {outside}"
        # a collector may not export at all, whatever the region
        assert client.get("/api/exports/veterans-2026.csv", params={"region": DONGYUAN},
                          headers=login(runtime, "collector", client)).status_code == 403
    exports = [(who, detail) for who, _, _, detail in _audit(runtime, "export")]
    assert exports == [("dongxiang", f"csv; region {DONGYUAN}; id numbers shown"),
                       ("dongxiang", f"xlsx; region {WUJIA}; id numbers shown"),
                       ("prefecture", f"csv; region {JISHISHAN}; id numbers masked")]
    refused = [(who, target) for who, result, target, _ in _audit(runtime, "read_region") if result == "not_found"]
    assert refused == [("dongxiang", JISHISHAN)] * 2 + [("dongxiang", "甘肃省/临夏回族自治州/没有这个县")] * 2
