"""Roster import: the people a campaign must reach, from CSV or XLSX, with a report of rejected rows.

Columns are matched by name: the ID number (身份证号 / id_number) is required; 姓名, 联系电话,
地区 (a region path, code or name) are recognised; any other column whose header is a
question key or a question's label becomes a prefilled value, confirmed with the person
("上次登记的是…，现在还是这样吗?") instead of asked from scratch.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.questionnaire import Questionnaire
from nlu.idcard import parse_id_number
from nlu.phone import parse_phone
from nlu.regions import RegionIndex
from nlu.result import NotUnderstood
from storage.errors import InvalidInput
from storage.models import Campaign
from storage.repo import Store

ID_HEADERS = ("id_number", "身份证号", "身份证号码", "公民身份号码")
NAME_HEADERS = ("name", "姓名")
PHONE_HEADERS = ("phone", "联系电话", "手机号", "手机号码", "电话")
REGION_HEADERS = ("region", "地区", "所在地", "村（社区）", "村(社区)", "行政区划")


class RosterFileError(InvalidInput, ValueError):
    """The roster file as a whole cannot be used (unreadable, no ID column)."""


@dataclass
class RosterReport:
    """What an import did."""

    added: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    @property
    def total(self) -> int:
        """Rows read."""
        return self.added + self.updated + len(self.rejected)


def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, cells) rows of a CSV (UTF-8, with or without BOM) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        fh = path.open(encoding="utf-8-sig", newline="")
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            fh.close()
            raise RosterFileError(f"{path.name}: the file is empty") from None

        def rows() -> Iterator[tuple[int, list[str]]]:
            with fh:
                for n, row in enumerate(reader, start=2):
                    yield n, [c.strip() for c in row]

        return header, rows()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            header = [_cell(c) for c in next(it)]
        except StopIteration:
            wb.close()
            raise RosterFileError(f"{path.name}: the sheet is empty") from None

        def xrows() -> Iterator[tuple[int, list[str]]]:
            try:
                for n, row in enumerate(it, start=2):
                    yield n, [_cell(c) for c in row]
            finally:
                wb.close()

        return header, xrows()
    raise RosterFileError(f"{path.name}: only .csv and .xlsx files can be imported")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.lower() for h in header]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    return None


def import_roster(
    store: Store,
    campaign: Campaign,
    questionnaire: Questionnaire,
    path: Path,
    regions: RegionIndex | None,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> RosterReport:
    """Load a roster file into a campaign; bad rows are reported, good rows stored."""
    header, rows = read_table(path)
    id_col = _find(header, ID_HEADERS)
    if id_col is None:
        raise RosterFileError(f"{path.name}: no ID number column (one of: {', '.join(ID_HEADERS)})")
    name_col = _find(header, NAME_HEADERS)
    phone_col = _find(header, PHONE_HEADERS)
    region_col = _find(header, REGION_HEADERS)
    special = {id_col, name_col, phone_col, region_col}
    prefill_cols: dict[int, str] = {}
    by_title = {q.title: q for q in questionnaire.questions}
    for i, h in enumerate(header):
        if i in special or not h:
            continue
        q = questionnaire.by_key.get(h) or by_title.get(h)
        if q is not None:
            prefill_cols[i] = q.prefill or q.key
    report = RosterReport()
    seen: set[str] = set()
    for line, cells in rows:
        if progress:
            progress(1)
        if not any(cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        parsed = parse_id_number(cells[id_col], today)
        if isinstance(parsed, NotUnderstood):
            report.rejected.append((line, f"身份证号码无效：{parsed.message}"))
            continue
        number = parsed.value.number
        if number in seen:
            report.rejected.append((line, "身份证号码在文件中重复"))
            continue
        seen.add(number)
        phone = None
        if phone_col is not None and cells[phone_col]:
            p = parse_phone(cells[phone_col])
            if isinstance(p, NotUnderstood):
                report.rejected.append((line, f"联系电话无效：{p.message}"))
                continue
            phone = p.value
        region_id = None
        if region_col is not None and cells[region_col]:
            if regions is None:
                report.rejected.append((line, "尚未导入行政区划，无法识别地区"))
                continue
            r = regions.resolve(cells[region_col])
            region = store.region_by_path(r.value) if not isinstance(r, NotUnderstood) else None
            if region is None:
                why = r.message if isinstance(r, NotUnderstood) else "地区不存在"
                report.rejected.append((line, f"地区无法识别：{why}"))
                continue
            region_id = region.id
        name = cells[name_col] if name_col is not None and cells[name_col] else None
        prefill = {col: cells[i] for i, col in prefill_cols.items() if cells[i]}
        if name:
            prefill.setdefault("name", name)
        if phone:
            prefill.setdefault("phone", phone)
        person = store.find_person(number)
        if person is None:
            person = store.create_person(number, source="roster", name=name, phone=phone, region_id=region_id)
        else:
            store.update_person(person, name=name, phone=phone, region_id=region_id)
        _, created = store.put_roster_entry(campaign.id or 0, person, region_id, prefill)
        if created:
            report.added += 1
        else:
            report.updated += 1
    return report
