"""The XLSX side of :mod:`admin.imports.tables`: the first sheet of a workbook, streamed by openpyxl's read-only mode."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from admin.imports.tables import Header, Problem, RawRecord, Table, TableError, TableFormat

EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number; an ID number typed as one loses its end
_XLSX_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, KeyError, ParseError, EOFError, OSError,
                                                  ValueError, TypeError, IndexError)


def open_xlsx(path: Path, name: str) -> Table:
    """Open the first sheet of a workbook (read-only: streamed) and read its header row."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    damaged = (*_XLSX_ERRORS, InvalidFileException)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except damaged as exc:
        raise TableError(name, f"the workbook cannot be read: not an .xlsx file, or damaged ({type(exc).__name__})"
                         ) from None
    try:
        if not wb.worksheets:
            raise TableError(name, "the workbook has no sheet")
        raw = _xlsx_records(wb.worksheets[0].iter_rows(values_only=True), name, damaged)
        first = next(raw, None)
        if first is None:
            raise TableError(name, "the sheet is empty")
        if first.problems:
            raise TableError(name, f"the header cannot be read: {first.problems[0].message}", 1)
        names = tuple(first.cells)
        while names and not names[-1]:
            names = names[:-1]
        if not names:
            raise TableError(name, "the header row is empty", 1)
    except BaseException:
        wb.close()
        raise
    return Table(name, TableFormat.XLSX, Header(names), raw, wb)


def _xlsx_records(rows: Iterator[tuple[Any, ...]], name: str,
                  damaged: tuple[type[BaseException], ...]) -> Iterator[RawRecord]:
    """The rows of a sheet as texts; a part of the workbook that cannot be read raises TableError."""
    line = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except damaged as exc:
            raise TableError(name, f"the sheet cannot be read after this row; the workbook is damaged "
                                   f"({type(exc).__name__})", line or None) from None
        line += 1
        problems = [Problem(line, at, "a number of more than 15 digits, which Excel has rounded (an ID number "
                                       "typed as a number?); format the column as text and type it again")
                    for at, v in enumerate(values) if _rounded(v)]
        yield RawRecord(line, [_cell(v) for v in values], problems)


def _rounded(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) >= 10 ** EXACT_DIGITS


def _cell(value: object) -> str:
    """The text of a spreadsheet cell: whole numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
