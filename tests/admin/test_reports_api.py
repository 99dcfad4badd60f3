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
from tests.admin.conftest import ID_A, login
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
        assert header[:4] == ["记录号", "回执号", "状态", "地区"]
        assert header[4:] == [question.title for question in q.questions]
        assert len(rows) == 2  # record A only
        cell = dict(zip(header, rows[1], strict=True))
        assert cell["记录号"] == str(world["A"]) and cell["状态"] == "已提交" and len(cell["回执号"]) == 12
        assert cell["地区"].endswith("东塬乡/东塬村")
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
