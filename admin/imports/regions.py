"""Import of the administrative region tree from a table (the TSV format of shared/data/regions; CSV or XLSX too).

The file is read by :mod:`admin.imports.tables` (any of its encodings and delimiters) and needs the columns
level, code, name, short_name and parent_path. Every row is checked; when any is wrong, the import
stops with a RegionFileError listing each error with its line and column (nothing is stored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from admin.imports.tables import TableError, open_table
from storage.errors import InvalidInput

LEVELS = ("province", "prefecture", "county", "township", "village")
COLUMNS = ("level", "code", "name", "short_name", "parent_path")
MAX_LISTED = 50  # errors listed in the message; more are counted
RegionRow = tuple[str, str | None, str, str | None, str]


class RegionFileError(InvalidInput, ValueError):
    """A region file cannot be read; the message names the line."""


def read_region_file(path: Path) -> Iterator[RegionRow]:
    """Rows (level, code, name, short_name, parent_path) of a region table with a header line.

    Rows are yielded as they are read; a wrong row makes the iteration end in a RegionFileError
    naming every wrong row, so a caller inside one transaction stores nothing of a bad file.
    """
    try:
        table = open_table(path)
    except TableError as exc:
        raise RegionFileError(str(exc)) from None
    with table:
        at = {c: table.header.index(c) for c in COLUMNS}
        missing = [c for c, i in at.items() if i is None]
        if missing:
            raise RegionFileError(f"{table.name}: missing column(s) {', '.join(missing)}")
        cols = {c: i for c, i in at.items() if i is not None}
        errors: list[TableError] = []
        try:
            for row in table.rows(required=[cols["level"], cols["name"]]):
                problems = list(row.errors)
                level, name, code = row[cols["level"]], row[cols["name"]], row[cols["code"]] or None
                if level and level not in LEVELS:
                    problems.append(TableError(table.name, f"unknown level {level!r} (one of: {', '.join(LEVELS)})",
                                               row.line, "level"))
                if "/" in name:
                    problems.append(TableError(table.name, f"a name cannot contain '/': {name!r}", row.line, "name"))
                if code is not None and not (code.isdigit() and len(code) in (6, 9, 12)):
                    problems.append(TableError(table.name, f"bad code {code!r} (6, 9 or 12 digits)", row.line,
                                               "code"))
                if problems:
                    errors += problems
                    continue
                yield level, code, name, row[cols["short_name"]] or None, row[cols["parent_path"]]
        except TableError as exc:
            errors.append(exc)
        if errors:
            raise RegionFileError(_listed(table.name, errors))


def _listed(name: str, errors: list[TableError]) -> str:
    """One message for all the errors of a file: the first MAX_LISTED of them, one a line."""
    if len(errors) == 1:
        return str(errors[0])
    lines = [f"{e.where}: {e.message}" if e.where else e.message for e in errors[:MAX_LISTED]]
    more = len(errors) - MAX_LISTED
    if more > 0:
        lines.append(f"… and {more} more")
    return f"{name}: {len(errors)} errors:\n  " + "\n  ".join(lines)
