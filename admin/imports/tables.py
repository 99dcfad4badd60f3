"""One reader for the tables staff upload: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030/GBK) and XLSX.

Used by roster import (:mod:`admin.imports.roster`), reconciliation (:mod:`admin.imports.reconcile`) and region
import (:mod:`admin.imports.regions`). ``open_table(path)`` reads the header; ``Table.rows()`` streams the
data rows as :class:`Row` objects (line number, one text per header column, the problems of the row).

* Encoding: a byte-order mark decides; otherwise a file that is valid UTF-8 throughout is UTF-8, and
  any other is GB18030 (a superset of GBK: what Excel on Chinese Windows saves as "CSV"). The check is
  one pass over the file on disk, a chunk at a time. A UTF-8 file damaged in a few bytes is told
  from a GBK file by the UTF-8 characters before the damage, so it is not read as GBK gibberish.
* Delimiter: the one of comma, tab and semicolon that the header line has most of (outside quotes).
* Memory: CSV is read one physical line at a time, each at most ``MAX_LINE_BYTES``; XLSX through
  openpyxl's read-only (streaming) mode.

Problems that make the rest of the file unreadable (an empty or zero-byte file, a damaged workbook,
a quote never closed, a line or cell beyond the limits) raise :class:`TableError`; problems of one
row (an undecodable byte, too many or too few cells, an empty required cell, a long number Excel
rounded) are collected on the row as :class:`TableError` values, so the caller can reject the row
with all of them and go on. Every message names the file, the line and, where there is one, the column.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from storage.errors import InvalidInput

CHUNK = 1024 * 1024  # bytes read at a time when the encoding is checked
MAX_LINE_BYTES = 1024 * 1024  # a longer physical line is refused (memory stays bounded)
MAX_CELL_CHARS = csv.field_size_limit()  # the csv module's own limit (131,072 characters)
UTF8_EVIDENCE = 8  # non-ASCII characters read as UTF-8 before a bad byte: a damaged UTF-8 file, not GBK
DELIMITERS = (",", "\t", ";")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class TableError(InvalidInput, ValueError):
    """A problem of a table file, naming the file, the line and the column where there are ones."""

    def __init__(self, file: str, message: str, line: int | None = None, column: str | None = None) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    @property
    def where(self) -> str:
        """``line 4, column '联系电话'`` (or the part of it there is)."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        return f"{self.file}, {where}: {self.message}" if where else f"{self.file}: {self.message}"


class TableFormat(StrEnum):
    """How a table file is stored."""

    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Header:
    """The column names of a table, in file order (stripped; an unnamed column is ``""``)."""

    names: tuple[str, ...]

    def index(self, *names: str) -> int | None:
        """The position of the first of ``names`` present (exact, then ignoring case), or None."""
        for name in names:
            wanted = name.strip()
            if wanted in self.names:
                return self.names.index(wanted)
            lowered = [n.lower() for n in self.names]
            if wanted.lower() in lowered:
                return lowered.index(wanted.lower())
        return None

    def label(self, index: int) -> str:
        """How an error names a column: its header, or its position when it has none."""
        if index < len(self.names) and self.names[index]:
            return self.names[index]
        return f"#{index + 1}"

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file, one text per header column (stripped), and its problems."""

    line: int
    values: tuple[str, ...]
    header: Header = field(repr=False)
    errors: tuple[TableError, ...] = ()

    def __getitem__(self, key: int | str) -> str:
        if isinstance(key, int):
            return self.values[key]
        at = self.header.index(key)
        if at is None:
            raise KeyError(key)
        return self.values[at]

    @property
    def cells(self) -> dict[str, str]:
        """The row's texts by column name (the first of repeated names)."""
        out: dict[str, str] = {}
        for name, value in zip(self.header.names, self.values, strict=True):
            if name:
                out.setdefault(name, value)
        return out


@dataclass(frozen=True)
class Problem:
    """A problem found while reading a record: the line, the column position (if known), what."""

    line: int
    column: int | None
    message: str


@dataclass(frozen=True)
class RawRecord:
    """A record as read, before it is fitted to the header."""

    line: int
    cells: list[str]
    problems: list[Problem]


class Table:
    """An open table file: its header, then its data rows once (a context manager that closes the file)."""

    def __init__(self, name: str, fmt: TableFormat, header: Header, raw: Iterator[RawRecord], closer: Any,
                 encoding: str | None = None, delimiter: str | None = None) -> None:
        self.name = name
        self.format = fmt
        self.header = header
        self.encoding = encoding
        self.delimiter = delimiter
        self.blank = 0  # blank rows skipped by rows()
        self._raw = raw
        self._closer = closer

    def rows(self, required: Iterable[int] = ()) -> Iterator[Row]:
        """The data rows, blank ones skipped (and counted in ``blank``); ``required`` columns must not be empty."""
        must = sorted(set(required))
        width = len(self.header)
        try:
            for raw in self._raw:
                cells = raw.cells
                if not any(cells):
                    self.blank += 1
                    continue
                errors = [TableError(self.name, p.message, p.line,
                                     self.header.label(p.column) if p.column is not None else None)
                          for p in raw.problems]
                extra = [i for i in range(width, len(cells)) if cells[i]]
                if extra:
                    errors.append(TableError(self.name, f"{_cells(len(cells))}, but the header has {width} "
                                             f"columns (a value at position {extra[0] + 1} has no column)",
                                             raw.line, self.header.label(extra[0])))
                elif len(cells) < width and self.format == TableFormat.CSV:
                    errors.append(TableError(self.name, f"only {_cells(len(cells))}, but the header has {width} "
                                             "columns (is a delimiter missing?)", raw.line))
                values = tuple(cells[:width]) + ("",) * (width - len(cells))
                errors += [TableError(self.name, "the cell is empty", raw.line, self.header.label(i))
                           for i in must if not values[i]]
                yield Row(raw.line, values, self.header, tuple(errors))
        finally:
            self.close()

    def close(self) -> None:
        """Release the file."""
        self._closer.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _cells(n: int) -> str:
    return "1 cell" if n == 1 else f"{n} cells"


def open_table(path: Path, name: str | None = None) -> Table:
    """Open a CSV or XLSX file (told apart by content, then suffix) and read its header line.

    ``name`` is how messages call the file (by default its file name).
    """
    shown = name or path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise TableError(shown, f"the file cannot be opened ({exc.strerror or type(exc).__name__})") from None
    suffix = path.suffix.lower()
    if not head:
        raise TableError(shown, "the file is empty (0 bytes)")
    if head.startswith(_OLE_MAGIC):
        raise TableError(shown, "this is an Excel 97-2003 workbook (.xls); save it as .xlsx or as CSV")
    if head.startswith(_ZIP_MAGIC) or suffix in XLSX_SUFFIXES:
        from admin.imports.tables_xlsx import open_xlsx

        return open_xlsx(path, shown)
    if suffix not in CSV_SUFFIXES:
        raise TableError(shown, f"only {', '.join(CSV_SUFFIXES + XLSX_SUFFIXES)} files can be read")
    if b"\0" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TableError(shown, "this is not a text file (it holds binary data); save the table as CSV or .xlsx")
    return _open_csv(path, shown)


# --- CSV -------------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: by its byte-order mark, else UTF-8 when valid throughout, else GB18030."""
    with path.open("rb") as fh:
        head = fh.read(4)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        seen = 0  # non-ASCII characters decoded so far
        try:
            while chunk := fh.read(CHUNK):
                seen += sum(1 for c in decoder.decode(chunk) if ord(c) > 127)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            good = exc.object[:exc.start].decode("utf-8", errors="ignore")
            seen += sum(1 for c in good if ord(c) > 127)
            return "utf-8" if seen >= UTF8_EVIDENCE else "gb18030"
    return "utf-8"


class _Lines:
    """The decoded physical lines of a CSV file (line endings kept), counted, each line decoded on its own.

    A line with bytes the encoding cannot read is decoded with replacement characters and noted,
    so that the record it belongs to can be rejected with the column; lines are split on ``\\n``,
    which is never part of a multi-byte character in UTF-8 or GB18030.
    """

    def __init__(self, fh: IO[bytes], encoding: str, name: str) -> None:
        self.fh = fh
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.name = name
        self.number = 0  # physical lines read
        self.bad: dict[int, str] = {}  # line -> what could not be read (for the current record)
        self.first_text = ""  # the first physical line of the current record
        self.mark = 1  # the line the current record starts on
        self._text = io.TextIOWrapper(fh, encoding="utf-16", newline="") if encoding == "utf-16" else None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._text is not None:
            try:
                text = self._text.readline(MAX_LINE_BYTES // 2)
            except UnicodeDecodeError:
                raise TableError(self.name, "the file cannot be read as UTF-16 text after this line",
                                 self.number or None) from None
            if not text:
                raise StopIteration
            self.number += 1
            if len(text) >= MAX_LINE_BYTES // 2 and not text.endswith("\n"):
                raise self._too_long()
        else:
            data = self.fh.readline(MAX_LINE_BYTES + 1)
            if not data:
                raise StopIteration
            self.number += 1
            if len(data) > MAX_LINE_BYTES:
                raise self._too_long()
            if self.number == 1 and data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8):]
            try:
                text = data.decode(self.encoding)
            except UnicodeDecodeError as exc:
                byte = data[exc.start:exc.start + 1].hex().upper()
                self.bad[self.number] = f"byte 0x{byte} cannot be read as {_encoding_name(self.encoding)} text"
                text = data.decode(self.encoding, errors="replace")
        if self.number == self.mark:
            self.first_text = text
        return text

    def _too_long(self) -> TableError:
        return TableError(self.name, f"the line is longer than {MAX_LINE_BYTES // 1024} KiB; "
                                     "is this a table with one row per line?", self.number)

    def close(self) -> None:
        """Close the file."""
        self.fh.close()


def _encoding_name(encoding: str) -> str:
    return {"utf-8": "UTF-8", "gb18030": "GB18030 (GBK)", "utf-16": "UTF-16"}.get(encoding, encoding)


def _delimiter(line: str) -> str:
    """The candidate delimiter the header line has most of outside quotes (comma when it has none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in counts:
            counts[c] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open_csv(path: Path, name: str) -> Table:
    try:
        encoding = detect_encoding(path)
    except OSError as exc:
        raise TableError(name, f"the file cannot be read ({exc.strerror or type(exc).__name__})") from None
    lines = _Lines(path.open("rb"), encoding, name)
    try:
        first = next(lines, None)
        if first is None:
            raise TableError(name, "the file is empty")
        delimiter = _delimiter(first)
        reader = csv.reader(_chain(first, lines), delimiter=delimiter, strict=True)
        header_box: list[Header] = []
        raw = _csv_records(reader, lines, name, delimiter, header_box)
        header_raw = next(raw, None)
        if header_raw is None:
            raise TableError(name, "the file is empty")
        if header_raw.problems:
            raise TableError(name, f"the header cannot be read: {header_raw.problems[0].message}", 1)
        names = tuple(h.strip() for h in header_raw.cells)
        if not any(names):
            raise TableError(name, "the header line is empty", 1)
    except BaseException:
        lines.close()
        raise
    header_box.append(Header(names))
    return Table(name, TableFormat.CSV, header_box[0], raw, lines, encoding=encoding, delimiter=delimiter)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _csv_records(reader: Any, lines: _Lines, name: str, delimiter: str, header: list[Header]) -> Iterator[RawRecord]:
    """The records of a CSV file with the line each starts on; a broken one raises TableError naming it."""
    while True:
        start = reader.line_num + 1
        lines.mark = start
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _broken(name, str(exc), start, lines.first_text, delimiter, header) from None
        problems: list[Problem] = []
        if lines.bad:
            first_bad = min(lines.bad)
            why = lines.bad[first_bad]
            problems = [Problem(first_bad, at, why) for at, cell in enumerate(cells) if "\ufffd" in cell]
            problems = problems or [Problem(first_bad, None, why)]
            lines.bad = {}  # (the first line is read ahead, for the delimiter: its problems are kept till here)
        yield RawRecord(start, [c.strip() for c in cells], problems)


def _broken(name: str, why: str, line: int, text: str, delimiter: str, header: list[Header]) -> TableError:
    """The error of a record the csv module refused, naming the cell where its quoting goes wrong."""
    at = _quote_cell(text, delimiter)
    long = [i for i, cell in enumerate(text.split(delimiter)) if len(cell) > MAX_CELL_CHARS]
    if "field larger than field limit" in why and long:
        at = long[0]
    column = header[0].label(at) if header else f"#{at + 1}"
    if "field larger than field limit" in why:
        hint = "" if long else " (a quoted cell that runs on: is a closing quote missing?)"
        return TableError(name, f"a cell is longer than {MAX_CELL_CHARS} characters{hint}", line, column)
    if "unexpected end of data" in why:
        return TableError(name, "a quoted cell starts here and is never closed (a missing \")", line, column)
    if "new-line character" in why:
        return TableError(name, "a line ends in a carriage return alone (\\r); save the file again as CSV",
                          line, column)
    if "expected after" in why:
        return TableError(name, "text follows the closing quote of a cell (a quote inside a quoted cell "
                                "must be doubled: \"\")", line, column)
    return TableError(name, f"the line cannot be read as CSV ({why})", line, column)


def _quote_cell(text: str, delimiter: str) -> int:
    """The position of the cell of a line where quoting goes wrong (the last cell opening a quote)."""
    cell = culprit = i = 0
    n = len(text)
    while i < n:
        if text[i] == '"':  # a quoted cell
            culprit = cell
            i += 1
            while i < n and not (text[i] == '"' and text[i + 1:i + 2] != '"'):
                i += 2 if text[i] == '"' else 1
            if i >= n:
                return culprit  # not closed on this line
            i += 1
            if i < n and text[i] not in (delimiter, "\r", "\n"):
                return cell  # text after the closing quote
        j = text.find(delimiter, i)
        if j < 0:
            return culprit
        cell += 1
        i = j + 1
    return culprit
