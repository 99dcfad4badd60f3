"""The store on SQLite and PostgreSQL: versions, flags, de-duplication, regions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from admin.imports.regions import read_region_file
from admin.runtime import Runtime
from storage.models import Answer, Region
from storage.repo import DuplicateMessage, StorageError
from tests.conftest import shared_path


def test_answers_are_versioned_never_overwritten(runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        campaign = store.campaigns.ensure("veterans", "1", 2026, "t", None)
        person = store.people.create("11010519491231002X", name="张三")
        record, created = store.records.ensure(campaign, f"person:{person.id}", channel="web", person_id=person.id)
        assert created
        store.records.save_answer(record, "name", "张三", raw="我叫张三", confidence=1, status="new", channel="web",
                          actor="self:web", sensitive=False)
        store.records.save_answer(record, "name", "张叁", raw="改成张叁", confidence=1, status="changed", channel="web",
                          actor="self:web", sensitive=False)
        store.records.save_answer(record, "id_number", "11010519491231002X", raw=None, confidence=1, status="new",
                          channel="web", actor="self:web", sensitive=True)
    with runtime.store_scope() as store:
        assert store.people.find("11010519491231002x") is not None  # case of the check character ignored
        rows = store.session.exec(select(Answer).order_by(col(Answer.id))).all()
        assert [(a.question_key, a.version, a.is_current) for a in rows] == [
            ("name", 1, False), ("name", 2, True), ("id_number", 1, True)]
        assert rows[2].value_json is None and rows[2].value_enc is not None
        current = store.records.current_answers(record.id or 0)
        assert current["name"].value == "张叁" and current["name"].raw == "改成张叁"
        assert current["id_number"].value == "11010519491231002X"


def test_message_claimed_twice_raises(runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        store.messages.remember("wechat", "m1", [{"text": "hi"}])
    with pytest.raises(DuplicateMessage), runtime.store_scope() as store:
        store.messages.remember("wechat", "m1", [])
    with runtime.store_scope() as store:
        assert store.messages.seen("wechat", "m1") == [{"text": "hi"}]
        assert store.messages.seen("wechat", "m2") is None


def test_regions_import_subset_of_gansu(runtime: Runtime, tmp_path: Path) -> None:
    src = shared_path("data", "regions", "gansu.tsv")
    lines = src.read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if "东乡族自治县" in ln or ln.split("\t")[0] in ("province",)
                         or ln.split("\t")[2] in ("临夏回族自治州",)]
    small = tmp_path / "small.tsv"
    small.write_text("\n".join([keep[0], *reversed(keep[1:])]) + "\n", encoding="utf-8")
    with runtime.store_scope() as store:
        added, skipped = store.regions.add(read_region_file(small))  # children listed before parents
        assert added == len(keep) - 1 and skipped == 0
    with runtime.store_scope() as store:
        again = store.regions.add(read_region_file(small))
        assert again == (0, len(keep) - 1)
        village = store.regions.by_path("甘肃省/临夏回族自治州/东乡族自治县/东塬乡/东塬村")
        assert village is not None and village.level == "village"
        county = store.session.exec(select(Region).where(Region.code == "622926")).one()
        assert county.name == "东乡族自治县"
    orphan = tmp_path / "orphan.tsv"
    orphan.write_text("level\tcode\tname\tshort_name\tparent_path\nvillage\t\t某村\t\t甘肃省/不存在县\n",
                      encoding="utf-8")
    with pytest.raises(StorageError), runtime.store_scope() as store:
        store.regions.add(read_region_file(orphan))
