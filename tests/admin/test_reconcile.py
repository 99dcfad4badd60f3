"""Cross-department reconciliation on generated department lists (CSV and XLSX): every finding and reason,
region scoping of runs and tasks, resolution tracking, mapping errors, sealing and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import select

from admin.app import create_app
from admin.imports.roster import import_roster
from admin.runtime import Runtime
from bot.values import encode
from nlu.result import Parsed
from storage.reconcile import ReconcileItem
from storage.staff import AuditEntry
from tests.admin.conftest import DONGXIANG, ID_A, ID_B, JISHISHAN, login
from tests.conftest import Chat
from tests.helpers import complete, make_id

PREFECTURE = "甘肃省/临夏回族自治州"
DONGYUAN = DONGXIANG + "/东塬乡/东塬村"  # the collector's village
SHANGZHUANG = DONGXIANG + "/五家乡/上庄村"
ZHONGJULING = JISHISHAN + "/中咀岭乡/中咀岭村"
ID_C = make_id("622926", "19600202", "021")  # 上庄村, collected, no social insurance answer
ID_D = make_id("622927", "19620303", "031")  # 中咀岭村 (积石山), collected
ID_E = make_id("622926", "19580101", "011")  # 东塬村, on the roster, not in the list, not collected
ID_F = make_id("622926", "19700404", "041")  # in the department's list only
MAPPING = '{"id_column": "公民身份号码", "name_column": "姓名", "columns": {"是否低保": "dibao", "参保类型": "social_insurance"}}'


def _masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def _finish_a(runtime: Runtime) -> None:
    """Person A finishes and submits through the chat (the fixture left them at the gender question)."""
    chat = Chat(runtime, "veterans", user="A")
    chat.start()
    chat.say("把性别改成男")
    complete(chat, {"birth_date": "1965年3月12日", "enlist_date": "1983年10月", "discharge_date": "1988年",
                    "employment": "务农", "has_housing": "有", "housing_area": "七十来平",
                    "social_insurance": "医保和新农保", "dibao": "有", "hukou": "东乡县东塬乡东塬村"})
    chat.say("确认提交")
    assert chat.last.kind == "receipt"


def _more_people(runtime: Runtime, tmp_path: Path) -> None:
    """Put C, D, E on the roster; C and D submit a visit record (answers read as typed answers)."""
    roster = tmp_path / "more.csv"
    roster.write_text("身份证号,姓名,地区\n"
                      f"{ID_C},王五,{SHANGZHUANG}\n{ID_D},赵六,{ZHONGJULING}\n{ID_E},孙七,{DONGYUAN}\n",
                      encoding="utf-8")
    q = runtime.questionnaires["veterans"]
    now = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
    with runtime.store_scope() as store:
        campaign = store.campaigns.by_key("veterans-2026")
        assert campaign is not None
        report = import_roster(store, campaign, q, roster, runtime.understanding.regions, date(2026, 7, 1))
        assert report.rejected == []
        for number, answers in ((ID_C, {"dibao": "是"}), (ID_D, {"dibao": "没有", "social_insurance": "新农合"})):
            person = store.people.find(number)
            assert person is not None and person.id is not None
            entry = store.campaigns.roster_entry(campaign.id or 0, person.id)
            assert entry is not None
            record, _ = store.records.ensure(campaign, f"person:{person.id}", channel="visit", person_id=person.id,
                                         region_id=entry.region_id)
            for key, text in answers.items():
                question = q.by_key[key]
                parsed = runtime.understanding.parse(question, text, now)
                assert isinstance(parsed, Parsed)
                store.records.save_answer(record, key, encode(question, parsed.value), raw=text, confidence=1.0,
                                  status="new", channel="visit", actor="collector:1", sensitive=question.sensitive)
            store.records.submit(record, 2026)


def _dibao_csv(tmp_path: Path) -> Path:
    path = tmp_path / "低保名单.csv"
    rows = [
        "序号,姓名,公民身份号码,是否低保,参保类型",
        f"1,张三,{ID_A},否,新农保、城乡居民医保",  # 2: dibao disagrees, insurance agrees (another order)
        f"2,李四,{ID_B},是,",  # 3: on the roster, record not submitted
        f"3,王五,{ID_C},是,新农保",  # 4: dibao agrees, insurance missing in our record
        f"4,赵六,{ID_D},A类,",  # 5: a value that cannot be read as yes/no
        f"5,王小二,{ID_F},是,",  # 6: not on the roster
        "6,错号,62292619650404041,是,",  # 7: 17 characters
        f"7,张三,{ID_A},否,",  # 8: repeated
        ",,,,",  # blank: ignored
    ]
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _post(client: TestClient, headers: dict[str, str], path: Path, department: str, mapping: str,
          campaign: str = "veterans-2026") -> Any:
    with path.open("rb") as fh:
        return client.post("/api/reconcile", headers=headers, files={"file": (path.name, fh.read())},
                           data={"campaign": campaign, "department": department, "mapping": mapping})


def _items(client: TestClient, headers: dict[str, str], run_id: int, **params: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/reconcile/runs/{run_id}/items", headers=headers, params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(page["items"])
    return list(page["items"])


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    return (item["kind"], item["reason"], item["id_number"], item["question"], item["ours"], item["theirs"],
            item["region"], item["line"], item["person"])


def test_dibao_list_problem_and_missing_data_scoped_and_resolved(runtime: Runtime, world: dict[str, int],
                                                                 tmp_path: Path) -> None:
    _finish_a(runtime)
    _more_people(runtime, tmp_path)
    with TestClient(create_app(runtime=runtime)) as client:
        pref = login(runtime, "prefecture", client)
        r = _post(client, pref, _dibao_csv(tmp_path), "dibao", MAPPING)
        assert r.status_code == 201, r.text
        run = r.json()
        assert run["department"] == "dibao" and run["campaign"] == "veterans-2026"
        assert run["imported_by"] == "prefecture" and run["region"] == PREFECTURE
        assert run["file_name"] == "低保名单.csv"
        assert (run["rows"], run["matched"]) == (7, 4)
        assert [(x["line"], x["code"]) for x in run["rejected"]] == [(7, "bad_id_number"), (8, "duplicate")]
        assert run["rejected"][1]["message"] == "身份证号码与第2行重复"
        assert run["counts"] == {
            "problem": {"value_mismatch": 1, "unparseable_department_value": 1},
            "missing": {"not_collected": 2, "field_missing": 1, "not_on_roster": 1},
        }
        assert (run["open"], run["resolved"]) == (6, 0)

        everything = _items(client, pref, run["id"])
        assert sorted(_key(i) for i in everything) == sorted([
            ("problem", "value_mismatch", _masked(ID_A), "dibao", "是", "否", DONGYUAN, 2, "张*"),
            ("missing", "not_collected", _masked(ID_B), None, None, None, ZHONGJULING, 3, "李*"),
            ("missing", "field_missing", _masked(ID_C), "social_insurance", None, "新型农村养老保险",
             SHANGZHUANG, 4, "王*"),
            ("problem", "unparseable_department_value", _masked(ID_D), "dibao", "否", "A类", ZHONGJULING, 5, "赵*"),
            ("missing", "not_on_roster", _masked(ID_F), None, None, None, PREFECTURE, 6, "王**"),
            ("missing", "not_collected", _masked(ID_E), None, None, None, DONGYUAN, None, "孙*"),
        ])
        by_reason = {i["reason"]: i for i in everything if i["reason"] != "not_collected"}
        assert by_reason["value_mismatch"]["label"] == "低保"
        assert by_reason["value_mismatch"]["record_id"] == world["A"]
        assert by_reason["unparseable_department_value"]["theirs_raw"] == "A类"
        assert all(i["status"] == "open" and i["resolved_by"] is None for i in everything)
        problems = _items(client, pref, run["id"], kind="problem")
        assert {i["reason"] for i in problems} == {"value_mismatch", "unparseable_department_value"}
        assert [i["id_number"] for i in _items(client, pref, run["id"], reason="not_on_roster")] == [_masked(ID_F)]
        ids = {(i["reason"], i["id_number"]): i["id"] for i in everything}

        # each county sees its own part of the run, counted within its region; the other's items answer 404
        dx = login(runtime, "dongxiang", client)
        runs = client.get("/api/reconcile/runs", headers=dx).json()
        assert [x["id"] for x in runs] == [run["id"]]
        assert runs[0]["counts"] == {
            "problem": {"value_mismatch": 1, "unparseable_department_value": 0},
            "missing": {"not_collected": 1, "field_missing": 1, "not_on_roster": 0},
        }
        assert {(i["reason"], i["id_number"]) for i in _items(client, dx, run["id"])} == {
            ("value_mismatch", _masked(ID_A)), ("field_missing", _masked(ID_C)), ("not_collected", _masked(ID_E))}
        jss = login(runtime, "jishishan", client)
        assert {(i["reason"], i["id_number"]) for i in _items(client, jss, run["id"])} == {
            ("unparseable_department_value", _masked(ID_D)), ("not_collected", _masked(ID_B))}
        d_item = ids[("unparseable_department_value", _masked(ID_D))]
        r = client.post(f"/api/reconcile/items/{d_item}/resolve", json={"note": "已核实"}, headers=dx)
        assert r.status_code == 404
        r = client.post("/api/reconcile/items/999999/resolve", json={"note": "已核实"}, headers=dx)
        assert r.status_code == 404  # the same answer as for the other county's item

        # the village collector sees and settles the tasks of their village only
        col = login(runtime, "collector", client)
        mine = _items(client, col, run["id"])
        assert {(i["reason"], i["id_number"]) for i in mine} == {
            ("value_mismatch", _masked(ID_A)), ("not_collected", _masked(ID_E))}
        a_item = ids[("value_mismatch", _masked(ID_A))]
        r = client.post(f"/api/reconcile/items/{a_item}/resolve", json={"note": "入户核实：已于六月退出低保"},
                        headers=col)
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["status"] == "resolved" and done["resolved_by"] == "collector"
        assert done["note"] == "入户核实：已于六月退出低保" and done["resolved_at"] is not None
        again = client.post(f"/api/reconcile/items/{a_item}/resolve", json={"note": "再次"}, headers=col)
        assert again.status_code == 409
        c_item = ids[("field_missing", _masked(ID_C))]
        assert client.post(f"/api/reconcile/items/{c_item}/resolve", json={"note": "补录"},
                           headers=col).status_code == 404  # 上庄村 is not their village
        assert client.post(f"/api/reconcile/items/{c_item}/resolve", json={"note": "已补录社保"},
                           headers=dx).status_code == 200  # the county admin may
        assert [i["id"] for i in _items(client, col, run["id"], status="resolved")] == [a_item]
        assert _post(client, col, _dibao_csv(tmp_path), "dibao", MAPPING).status_code == 403  # no review.act
        f_item = ids[("not_on_roster", _masked(ID_F))]
        assert client.post(f"/api/reconcile/items/{f_item}/resolve", json={"note": "x"},
                           headers=dx).status_code == 422  # a note of at least two characters
        assert client.post(f"/api/reconcile/items/{f_item}/resolve", json={"note": "不在本县"},
                           headers=dx).status_code == 404  # placed at the prefecture

        # hotline staff have no part in reconciliation
        hot = login(runtime, "hotline", client)
        assert client.get("/api/reconcile/runs", headers=hot).status_code == 403
        assert client.get(f"/api/reconcile/runs/{run['id']}/items", headers=hot).status_code == 403
        assert client.post(f"/api/reconcile/items/{a_item}/resolve", json={"note": "已核实"},
                           headers=hot).status_code == 403
        final = client.get(f"/api/reconcile/runs/{run['id']}", headers=pref).json()
        assert (final["open"], final["resolved"]) == (4, 2)

    personal = (ID_A, ID_B, ID_C, ID_D, ID_E, ID_F, "张三", "李四", "王五", "赵六", "孙七", "王小二", "A类",
                "入户核实", "新型农村养老保险")
    with runtime.store_scope() as store:
        rows = store.session.exec(select(ReconcileItem)).all()
        assert len(rows) == 6
        for row in rows:  # personal values are sealed
            for blob in (row.id_number_enc, row.name_enc, row.ours_enc, row.theirs_enc, row.theirs_raw_enc,
                         row.note_enc):
                assert blob is None or not any(p.encode() in blob for p in personal)
        audit = store.session.exec(select(AuditEntry)).all()
    actions = {(a.username, a.action, a.result) for a in audit}
    assert {("prefecture", "reconcile_import", "ok"), ("prefecture", "read_reconcile_items", "ok"),
            ("dongxiang", "list_reconcile_runs", "ok"), ("dongxiang", "read_reconcile_item", "not_found"),
            ("collector", "resolve_reconcile_item", "ok"), ("collector", "resolve_reconcile_item", "failed"),
            ("collector", "denied", "denied"), ("hotline", "denied", "denied")} <= actions
    for entry in audit:
        assert not any(p in entry.detail for p in personal), entry.detail


def test_xlsx_list_from_a_county_and_mapping_errors(runtime: Runtime, world: dict[str, int],
                                                    tmp_path: Path) -> None:
    _finish_a(runtime)
    _more_people(runtime, tmp_path)
    path = tmp_path / "社保参保.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["身份证号", "参保类型", "备注"])
    ws.append([ID_A, "新农合", ""])  # ours: 基本医疗保险、新型农村养老保险
    ws.append([ID_C, "新农保", ""])  # we have no answer
    ws.append([ID_D, "新农合", ""])  # 积石山's person: not on 东乡's roster, as far as 东乡 can see
    ws.append([None, None, None])
    ws.append(["12345", "新农合", ""])
    wb.save(path)
    mapping = '{"id_column": "身份证号", "columns": {"参保类型": "social_insurance"}}'
    with TestClient(create_app(runtime=runtime)) as client:
        dx = login(runtime, "dongxiang", client)
        r = _post(client, dx, path, "social_security", mapping)
        assert r.status_code == 201, r.text
        run = r.json()
        assert (run["rows"], run["matched"], run["region"]) == (4, 2, DONGXIANG)
        assert [(x["line"], x["code"]) for x in run["rejected"]] == [(6, "bad_id_number")]
        items = _items(client, dx, run["id"])
        assert sorted(_key(i) for i in items) == sorted([
            ("problem", "value_mismatch", _masked(ID_A), "social_insurance", "基本医疗保险、新型农村养老保险",
             "新型农村合作医疗", DONGYUAN, 2, "张*"),
            ("missing", "field_missing", _masked(ID_C), "social_insurance", None, "新型农村养老保险",
             SHANGZHUANG, 3, "王*"),
            ("missing", "not_on_roster", _masked(ID_D), None, None, None, DONGXIANG, 4, None),
            ("missing", "not_collected", _masked(ID_E), None, None, None, DONGYUAN, None, "孙*"),
        ])
        jss = login(runtime, "jishishan", client)
        assert client.get("/api/reconcile/runs", headers=jss).json() == []  # nothing of it lies in 积石山
        assert client.get(f"/api/reconcile/runs/{run['id']}/items", headers=jss).status_code == 404
        jss_item = items[0]["id"]
        assert client.post(f"/api/reconcile/items/{jss_item}/resolve", json={"note": "已核实"},
                           headers=jss).status_code == 404

        # a wrong mapping is refused with a message naming the column or key; nothing is stored
        cases = {
            '{"id_column": "身份证号码", "columns": {}}': "the ID number column '身份证号码' is not in the file",
            '{"id_column": "身份证号", "columns": {"参保情况": "social_insurance"}}':
                "the column mapped to 'social_insurance', '参保情况' is not in the file; "
                "its columns are: 身份证号、参保类型、备注",
            '{"id_column": "身份证号", "columns": {"参保类型": "insurance"}}':
                "column '参保类型': unknown question key 'insurance' in questionnaire 'veterans'",
            '{"id_column": "身份证号", "columns": {"参保类型": "photo"}}': "is a photo and cannot be compared",
            '{"id_column": "身份证号", "columns": {"参保类型": "id_number"}}': "is the ID number",
            '{"columns": {}}': "mapping: id_column: Field required",
            "{not json": "the mapping is not valid JSON",
        }
        for bad, message in cases.items():
            r = _post(client, dx, path, "social_security", bad)
            assert r.status_code == 422, (bad, r.text)
            assert message in r.json()["detail"], (bad, r.json())
        r = _post(client, dx, path, "tax", mapping)
        assert r.status_code == 422 and "unknown department 'tax'" in r.json()["detail"]
        r = _post(client, dx, path, "social_security", mapping, campaign="veterans-1999")
        assert r.status_code == 422 and r.json()["detail"] == "no campaign 'veterans-1999'"
        text = tmp_path / "list.txt"
        text.write_text("x", encoding="utf-8")
        r = _post(client, dx, text, "social_security", mapping)
        assert r.status_code == 422 and "only .csv, .xlsx, .xlsm files" in r.json()["detail"]
        assert [x["id"] for x in client.get("/api/reconcile/runs", headers=dx).json()] == [run["id"]]

        # a CSV saved by Excel on Chinese Windows (GBK) is read as well
        gbk = tmp_path / "住房.csv"
        gbk.write_bytes(f"身份证号,有无住房\n{ID_A},无\n".encode("gb18030"))
        r = _post(client, dx, gbk, "housing", '{"id_column": "身份证号", "columns": {"有无住房": "has_housing"}}')
        assert r.status_code == 201, r.text
        housing = r.json()
        assert {(i["reason"], i["id_number"], i["ours"], i["theirs"]) for i in _items(client, dx, housing["id"])} == {
            ("value_mismatch", _masked(ID_A), "是", "否"), ("not_collected", _masked(ID_E), None, None)}
        listed = client.get("/api/reconcile/runs", params={"department": "housing"}, headers=dx).json()
        assert [x["id"] for x in listed] == [housing["id"]]
        assert client.get("/api/reconcile/runs", params={"campaign": "nope-2026"}, headers=dx).json() == []
    with runtime.store_scope() as store:
        failed = store.session.exec(select(AuditEntry).where(AuditEntry.action == "reconcile_import",
                                                             AuditEntry.result == "failed")).all()
        assert len(failed) == len(cases) + 3
