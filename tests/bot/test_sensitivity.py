"""Which answers are sealed at rest and how staff see them: decided by the question's type and the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.questionnaire import (
    CODED_TYPES,
    Mask,
    QType,
    Questionnaire,
    QuestionnaireError,
    load_all,
    load_questionnaire,
)
from bot.values import display, for_staff, mask_shown
from tests.bot.test_questionnaire_files import _base, _questions, _write
from tests.helpers import make_id

CERTIFICATE = make_id("622926", "19650312", "001") + "42"


@pytest.fixture(scope="module")
def qs() -> dict[str, Questionnaire]:
    """The three built-in questionnaires."""
    return load_all()


@pytest.mark.parametrize("name", ["veterans", "disabled_update", "village_services"])
def test_only_coded_questions_marked_sensitive_false_are_kept_in_clear(qs: dict[str, Questionnaire],
                                                                       name: str) -> None:
    for q in qs[name].questions:
        clear = q.type in CODED_TYPES and q.declared_sensitive is False
        assert q.sensitive is not clear, f"{name}.{q.key}"
        if q.type not in CODED_TYPES or q.derived_from_id or q.declared_sensitive is not False:
            assert q.sensitive, f"{name}.{q.key}"


def test_names_free_text_certificates_and_id_derived_fields_are_sealed(qs: dict[str, Questionnaire]) -> None:
    vets, disabled, village = qs["veterans"].by_key, qs["disabled_update"].by_key, qs["village_services"].by_key
    for by, keys in ((vets, ("id_number", "name", "gender", "birth_date", "phone", "employer", "service_unit",
                             "hukou", "appeals", "photo", "enlist_date", "dibao", "state_benefits")),
                     (disabled, ("certificate_number", "name", "gender", "birth_date", "hukou_type",
                                 "disability_category", "disability_level", "rehab_needs", "other_needs")),
                     (village, ("respondent_name", "respondent_phone", "difficulties"))):
        for key in keys:
            assert by[key].sensitive, key
    assert vets["gender"].derived_from_id and vets["birth_date"].derived_from_id
    assert disabled["certificate_number"].derived_from_id and not disabled["disability_category"].derived_from_id
    # statistics-friendly codes that identify nobody stay in clear where the file says so
    assert not vets["employment"].sensitive and not disabled["employment_form"].sensitive
    assert not village["population"].sensitive


def _add(data: dict[str, Any], question: dict[str, Any]) -> None:
    _questions(data).append({"prompt": "测试？", **question})


def test_a_new_question_is_sealed_unless_coded_and_marked(tmp_path: Path) -> None:
    data = _base()
    _add(data, {"key": "illness", "type": "single_choice", "options": [{"code": "1", "label": "有"},
                                                                      {"code": "2", "label": "无"}]})
    _add(data, {"key": "rooms", "type": "number", "unit": "间", "sensitive": False})
    _add(data, {"key": "income", "type": "number", "unit": "元"})
    by = load_questionnaire(_write(tmp_path, data)).by_key
    assert by["illness"].sensitive  # no mark: sealed
    assert not by["rooms"].sensitive  # a coded measure marked sensitive: false
    assert by["income"].sensitive and not by["income"].coded  # money
    assert by["employer"].sensitive and by["id_number"].sensitive and by["has_job"].sensitive  # unmarked


def _breaking(question: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data = _base()
    _add(data, question)
    if rules:
        data["rules"] = rules
    return data


@pytest.mark.parametrize(
    ("data", "key", "problem"),
    [
        (_breaking({"key": "nick", "type": "text", "sensitive": False}), "nick", "always sealed"),
        (_breaking({"key": "story", "type": "free_text", "sensitive": False}), "story", "always sealed"),
        (_breaking({"key": "born", "type": "date", "sensitive": False}), "born", "always sealed"),
        (_breaking({"key": "home", "type": "region", "sensitive": False}), "home", "always sealed"),
        (_breaking({"key": "tel", "type": "phone", "sensitive": False}), "tel", "always sealed"),
        (_breaking({"key": "pic", "type": "photo", "sensitive": False}), "pic", "always sealed"),
        (_breaking({"key": "pension", "type": "number", "unit": "元", "sensitive": False}), "pension", "money"),
        (_breaking({"key": "sex", "type": "single_choice", "sensitive": False,
                    "options": [{"code": "1", "label": "男"}, {"code": "2", "label": "女"}]},
                   [{"key": "sex_matches_id", "check": "id_gender(id_number) == sex", "message": "不对",
                     "questions": ["id_number", "sex"]}]), "sex", "sex_matches_id"),
        (_breaking({"key": "kids", "type": "number", "unit": "人", "mask": "name"}), "kids", "only text questions"),
        (_breaking({"key": "cert", "type": "text", "mask": "name",
                    "constraints": {"pattern": "[0-9]{17}[0-9Xx][1-7][1-4]"}}), "cert", "ID-like"),
    ],
)
def test_contradictions_are_refused(tmp_path: Path, data: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(_write(tmp_path, data))
    assert caught.value.question == key and problem in caught.value.problem


def test_masks_are_derived_from_the_question(qs: dict[str, Questionnaire]) -> None:
    vets, disabled, village = qs["veterans"].by_key, qs["disabled_update"].by_key, qs["village_services"].by_key
    assert disabled["certificate_number"].mask == Mask.ID_NUMBER and disabled["certificate_number"].id_like
    assert vets["id_number"].mask == Mask.ID_NUMBER and vets["phone"].mask == Mask.PHONE
    assert vets["name"].mask == Mask.NAME and village["respondent_name"].mask == Mask.NAME
    assert vets["birth_date"].mask == Mask.YEAR and vets["enlist_date"].mask == Mask.NONE
    assert vets["employer"].mask == Mask.HIDDEN and vets["appeals"].mask == Mask.HIDDEN
    assert disabled["disability_category"].mask == Mask.NONE and vets["hukou"].mask == Mask.NONE


def test_a_pattern_accepting_a_long_digit_string_is_id_like(tmp_path: Path) -> None:
    data = _base()
    _add(data, {"key": "card", "type": "text", "constraints": {"pattern": "[0-9]{19}"}})
    _add(data, {"key": "code", "type": "text", "constraints": {"pattern": "[A-Z]{2}[0-9]{4}"}})
    by = load_questionnaire(_write(tmp_path, data)).by_key
    assert by["card"].mask == Mask.ID_NUMBER and by["code"].mask == Mask.HIDDEN


def test_staff_see_values_masked_and_a_person_sees_their_certificate_masked(qs: dict[str, Questionnaire]) -> None:
    vets, disabled = qs["veterans"].by_key, qs["disabled_update"].by_key
    cert = disabled["certificate_number"]
    assert display(cert, CERTIFICATE, mask=True) == CERTIFICATE[:6] + "*" * 10 + CERTIFICATE[-4:]
    assert display(cert, CERTIFICATE) == CERTIFICATE
    assert display(vets["name"], "王建国", mask=True) == "王建国"  # a person's own read-back shows their name
    assert for_staff(vets["name"], "王建国") == "王**"
    assert for_staff(cert, CERTIFICATE) == CERTIFICATE[:6] + "*" * 10 + CERTIFICATE[-4:]
    birth = {"start": "1965-03-12", "end": "1965-03-12", "granularity": "day"}
    assert for_staff(vets["birth_date"], birth) == "1965年*月**日"
    assert for_staff(vets["appeals"], "我的身份证号是620102196503120018") == "（已隐藏）"
    assert for_staff(vets["employment"], "8") == "务农" and for_staff(vets["name"], None) == "（未填写）"
    assert mask_shown(Mask.YEAR, "1965-03-12") == "1965-**-**"
    assert mask_shown(Mask.PHONE, "13912345678") == "139****5678"
    assert QType.TEXT not in CODED_TYPES
