"""The disabled-persons update and the village form, driven end to end."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from admin.imports.regions import read_region_file
from admin.runtime import Runtime
from storage.models import Record
from tests.conftest import Chat, shared_path
from tests.helpers import ANY_COLLECTOR, complete, make_id


def _load_dongxiang(runtime: Runtime, tmp_path: Path) -> None:
    """Load the part of the Gansu tree around 东乡族自治县 and rebuild the region index."""
    src = shared_path("data", "regions", "gansu.tsv")
    lines = src.read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:]
                         if "临夏回族自治州" in ln or ln.startswith("province")]
    small = tmp_path / "linxia.tsv"
    small.write_text("\n".join(keep) + "\n", encoding="utf-8")
    with runtime.store_scope() as store:
        store.regions.add(read_region_file(small))
    assert runtime.reload_regions() == len(keep) - 1


def test_disabled_update_happy_path(runtime: Runtime) -> None:
    q = runtime.questionnaires["disabled_update"]
    id_number = make_id("622926", "19800615", "013")
    chat = Chat(runtime, "disabled_update")
    chat.start()
    chat.say("同意")
    assert chat.asking == "id_number"
    chat.say(id_number)
    answers = {"certificate_number": id_number + "42", "disability_category": "肢体",
               "disability_level": "二级", "gender": "男", "birth_date": "1980年6月15日"}
    asked = complete(chat, answers)
    assert {"disability_category", "disability_level", "certificate_number"} <= set(asked)
    chat.say("确认提交")
    assert chat.last.kind == "receipt"
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        values = {k: a.value for k, a in store.records.current_answers(rec.id or 0).items()}
        campaign = store.campaigns.get(rec.campaign_id)
    assert values["disability_category"] == next(o.code for o in q.by_key["disability_category"].options
                                                 if o.label.startswith("肢体"))
    assert campaign.reference_date is not None and campaign.reference_date.isoformat() == "2026-06-30"


def test_village_form_picks_a_village_from_the_tree(runtime: Runtime, tmp_path: Path) -> None:
    _load_dongxiang(runtime, tmp_path)
    chat = Chat(runtime, "village_services", user="collector-7", staff=ANY_COLLECTOR)
    chat.start()
    chat.say("同意")
    assert "村" in chat.last.text
    chat.say("东乡族自治县")  # too coarse: asked to name the village
    assert chat.last.kind == "error"
    chat.say("东塬乡东塬村")
    assert "东塬村" in chat.texts()
    complete(chat, {})
    chat.say("确认提交")
    assert chat.last.kind == "receipt"
    with runtime.store_scope() as store:
        rec = store.session.exec(select(Record)).one()
        region = store.regions.by_path("甘肃省/临夏回族自治州/东乡族自治县/东塬乡/东塬村")
        assert region is not None and rec.region_id == region.id and rec.person_id is None
        assert rec.subject_key == f"region:{region.id}"


def test_village_form_without_regions_says_so(runtime: Runtime) -> None:
    chat = Chat(runtime, "village_services", staff=ANY_COLLECTOR)
    chat.start()
    chat.say("同意")
    chat.say("东塬村")
    assert "行政区划" in chat.last.text
