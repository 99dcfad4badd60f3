"""Roster import: the people a campaign must reach, from CSV or XLSX, with a report of every rejected row.

The file is read by :mod:`admin.imports.tables` (CSV in UTF-8, UTF-8 with BOM or GB18030/GBK as Excel saves
it, or XLSX). Columns are matched by name: the ID number (身份证号 / id_number) is required; 姓名,
联系电话, 地区 (a region path, code or name) are recognised; any other column whose header is a
question key or a question's label becomes a prefilled value, confirmed with the person
("上次登记的是…，现在还是这样吗?") instead of asked from scratch.

Every data row is counted as added, updated or rejected (blank rows are skipped and counted apart);
a rejected row carries all its errors, each naming its line and column in English for staff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from admin.imports.tables import Row, Table, TableError, open_table
from bot.questionnaire import Questionnaire
from nlu.idcard import parse_id_number
from nlu.phone import parse_phone
from nlu.regions import RegionIndex
from nlu.result import NotUnderstood
from storage.errors import InvalidInput
from storage.models import Campaign
from storage.repo import Store

NEEDS_BATCH = 500  # persons whose need of a home visit is computed in one go

ID_HEADERS = ("id_number", "身份证号", "身份证号码", "公民身份号码")
NAME_HEADERS = ("name", "姓名")
PHONE_HEADERS = ("phone", "联系电话", "手机号", "手机号码", "电话")
REGION_HEADERS = ("region", "地区", "所在地", "村（社区）", "村(社区)", "行政区划")
ID_PROBLEMS = {
    "empty": "the cell is empty",
    "no_number": "no ID number in the cell",
    "bad_length": "not 18 characters long",
    "bad_format": "only the last character of an ID number may be X",
    "checksum": "the check character (the last one) does not match",
    "impossible_date": "the birth date in it does not exist",
    "future_date": "the birth date in it is after today",
    "unknown_province": "the first two digits are not a province code",
}
PHONE_PROBLEMS = {
    "empty": "the cell is empty",
    "no_number": "no phone number in the cell",
    "bad_number": "not a mobile number (the second digit is wrong)",
    "bad_length": "wrong number of digits (mobile numbers have 11)",
    "no_area_code": "a landline number needs its area code (0931-8862345)",
}
REGION_PROBLEMS = {
    "no_match": "no such region is loaded",
    "ambiguous": "several regions have this name; give the county or township as well",
}


class RosterFileError(InvalidInput, ValueError):
    """The roster file as a whole cannot be used (unreadable, no ID column)."""


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported, with all its errors."""

    line: int
    errors: tuple[TableError, ...]


@dataclass
class RosterReport:
    """What an import did: every data row is added, updated or rejected."""

    added: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    blank: int = 0  # blank rows skipped
    person_ids: list[int] = field(default_factory=list)  # the persons of the rows stored

    @property
    def total(self) -> int:
        """Data rows read."""
        return self.added + self.updated + len(self.rejected)


@dataclass(frozen=True)
class _Columns:
    """Where the recognised columns are, and which columns prefill which question."""

    id: int
    name: int | None
    phone: int | None
    region: int | None
    prefill: dict[int, str]

    @classmethod
    def of(cls, table: Table, questionnaire: Questionnaire) -> _Columns:
        """Find the columns in the header; no ID column is a RosterFileError."""
        header = table.header
        id_col = header.index(*ID_HEADERS)
        if id_col is None:
            raise RosterFileError(f"{table.name}: no ID number column (one of: {', '.join(ID_HEADERS)})")
        name_col, phone_col, region_col = (header.index(*NAME_HEADERS), header.index(*PHONE_HEADERS),
                                           header.index(*REGION_HEADERS))
        special = {id_col, name_col, phone_col, region_col}
        by_title = {q.title: q for q in questionnaire.questions}
        prefill: dict[int, str] = {}
        for i, h in enumerate(header.names):
            if i in special or not h:
                continue
            q = questionnaire.by_key.get(h) or by_title.get(h)
            if q is not None:
                prefill[i] = q.prefill or q.key
        return cls(id_col, name_col, phone_col, region_col, prefill)


def import_roster(
    store: Store,
    campaign: Campaign,
    questionnaire: Questionnaire,
    path: Path,
    regions: RegionIndex | None,
    today: date,
    progress: Callable[[int], None] | None = None,
    name: str | None = None,
) -> RosterReport:
    """Load a roster file into a campaign; bad rows are reported with all their errors, good rows stored.

    A file that cannot be read to its end raises TableError (or RosterFileError without an ID
    column); the caller's transaction should then store nothing.
    """
    with open_table(path, name) as table:
        cols = _Columns.of(table, questionnaire)
        report = RosterReport()
        seen: dict[str, int] = {}  # ID number -> first line
        for row in table.rows(required=[cols.id]):
            if progress:
                progress(1)
            _import_row(store, campaign, table.name, row, cols, regions, today, seen, report)
        report.blank = table.blank
    for start in range(0, len(report.person_ids), NEEDS_BATCH):  # who needs a home visit: 80+, disabled, no phone
        store.visits.refresh_needs(campaign, report.person_ids[start:start + NEEDS_BATCH])
    return report


def _import_row(store: Store, campaign: Campaign, file: str, row: Row, cols: _Columns, regions: RegionIndex | None,
                today: date, seen: dict[str, int], report: RosterReport) -> None:
    """Check one row completely; store it when it has no error, else add it to the rejected."""
    errors = list(row.errors)
    header = row.header

    def error(col: int, message: str) -> None:
        errors.append(TableError(file, message, row.line, header.label(col)))

    number = None
    if row[cols.id]:
        parsed = parse_id_number(row[cols.id], today)
        if isinstance(parsed, NotUnderstood):
            error(cols.id, f"not a valid ID number: {ID_PROBLEMS.get(parsed.reason, parsed.reason)}")
        elif (first := seen.get(parsed.value.number)) is not None:
            error(cols.id, f"the same ID number as line {first}")
        else:
            number = parsed.value.number
            seen[number] = row.line
    phone = None
    if cols.phone is not None and row[cols.phone]:
        p = parse_phone(row[cols.phone])
        if isinstance(p, NotUnderstood):
            error(cols.phone, f"not a valid phone number: {PHONE_PROBLEMS.get(p.reason, p.reason)}")
        else:
            phone = p.value
    region_id = None
    if cols.region is not None and row[cols.region]:
        if regions is None:
            error(cols.region, "no regions are loaded yet (intake regions import), so no region can be recognised")
        else:
            r = regions.resolve(row[cols.region])
            region = store.regions.by_path(r.value) if not isinstance(r, NotUnderstood) else None
            if region is None:
                why = REGION_PROBLEMS.get(r.reason, r.reason) if isinstance(r, NotUnderstood) else "no such region"
                error(cols.region, f"the region cannot be recognised: {why}")
            else:
                region_id = region.id
    if errors or number is None:
        report.rejected.append(RejectedRow(row.line, tuple(errors)))
        return
    name = row[cols.name] if cols.name is not None and row[cols.name] else None
    prefill = {key: row[i] for i, key in cols.prefill.items() if row[i]}
    if name:
        prefill.setdefault("name", name)
    if phone:
        prefill.setdefault("phone", phone)
    person = store.people.find(number)
    if person is None:
        person = store.people.create(number, source="roster", name=name, phone=phone, region_id=region_id)
    else:
        store.people.update(person, name=name, phone=phone, region_id=region_id)
    _, created = store.campaigns.put_roster_entry(campaign.id or 0, person, region_id, prefill)
    report.person_ids.append(person.id or 0)
    if created:
        report.added += 1
    else:
        report.updated += 1
