"""Loading of the packaged data tables (read once, kept immutable)."""

from __future__ import annotations

from importlib import resources


def read_table(name: str) -> tuple[tuple[str, ...], ...]:
    """Read a packaged TSV from nlu/data as rows of fields, header excluded."""
    text = resources.files("nlu").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(tuple(line.split("\t")) for line in lines[1:])
