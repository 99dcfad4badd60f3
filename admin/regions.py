"""Import of the administrative region tree from a TSV file (the format of shared/data/regions)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from storage.errors import InvalidInput

LEVELS = ("province", "prefecture", "county", "township", "village")
RegionRow = tuple[str, str | None, str, str | None, str]


class RegionFileError(InvalidInput, ValueError):
    """A region file cannot be read; the message names the line."""


def read_region_file(path: Path) -> Iterator[RegionRow]:
    """Rows (level, code, name, short_name, parent_path) of a region TSV with a header line."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = {"level", "code", "name", "short_name", "parent_path"} - set(reader.fieldnames or ())
        if missing:
            raise RegionFileError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            level = (row["level"] or "").strip()
            name = (row["name"] or "").strip()
            if level not in LEVELS:
                raise RegionFileError(f"{path.name}:{line}: unknown level {level!r}")
            if not name or "/" in name:
                raise RegionFileError(f"{path.name}:{line}: bad name {name!r}")
            code = (row["code"] or "").strip() or None
            if code is not None and not (code.isdigit() and len(code) in (6, 9, 12)):
                raise RegionFileError(f"{path.name}:{line}: bad code {code!r}")
            yield level, code, name, (row["short_name"] or "").strip() or None, (row["parent_path"] or "").strip()
