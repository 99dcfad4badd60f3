"""Every case of ../shared/data/nlu-cases, asserted (documented out-of-scope cases are xfail with reason)."""

from __future__ import annotations

import pytest

from nlu.ethnicity import ETHNICITIES, SHORT_FORMS, parse_ethnicity
from nlu.result import Parsed
from tests.nlu.cases import OUT_OF_SCOPE, check, params


def _run(kind: str, row: dict[str, str]) -> None:
    key = (kind, row["input"])
    if key in OUT_OF_SCOPE:
        pytest.xfail(OUT_OF_SCOPE[key])
    outcome = check(kind, row)
    assert outcome.ok, f"{row['input']!r} -> {outcome.got}; expected {row}"


@pytest.mark.parametrize("row", params("numbers.tsv"))
def test_number_case(row: dict[str, str]) -> None:
    _run("numbers", row)


@pytest.mark.parametrize("row", params("dates.tsv"))
def test_date_case(row: dict[str, str]) -> None:
    _run("dates", row)


@pytest.mark.parametrize("row", params("idcards.tsv"))
def test_idcard_case(row: dict[str, str]) -> None:
    _run("idcards", row)


@pytest.mark.parametrize("row", params("yesno.tsv"))
def test_yesno_case(row: dict[str, str]) -> None:
    _run("yesno", row)


@pytest.mark.parametrize("row", params("ethnic_gb3304.tsv"))
def test_ethnic_table_matches_packaged_copy(row: dict[str, str]) -> None:
    by_code = {e.code: e for e in ETHNICITIES}
    assert by_code[row["code"]].name == row["name"]
    assert SHORT_FORMS[row["code"]] == row["short_form"]
    for text in (row["name"], f"我是{row['name']}"):
        r = parse_ethnicity(text)
        assert isinstance(r, Parsed) and r.value.code == row["code"], text
    assert len(ETHNICITIES) == 56
