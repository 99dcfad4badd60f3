"""Cross-department reconciliation: compare another department's list with a campaign's roster and records.

The plans ask for the data of civil affairs (低保), social security, housing, poverty alleviation and
household registration to be cross-checked against what was collected. A list (CSV or XLSX) is read
with a column mapping: the ID-number column, and columns whose values answer questions of the
campaign's questionnaire. Rows are matched by ID number (the blind index); every department value is
read exactly as a typed answer would be and compared in stored form with our current answer.

Everything is seen from the importer's region: the roster and records considered are those placed in
it, so a person on a neighbouring county's roster is "not on the roster" here, as it would be for a
record of theirs (404). Findings, with their reason codes:

* problem data: ``value_mismatch`` (both values differ), ``unparseable_department_value`` (the
  department's value cannot be read as an answer to the question);
* missing data: ``not_collected`` (a roster person without a submitted record), ``field_missing``
  (the department has a value, our submitted record has none), ``not_on_roster`` (in the
  department's list, not on the roster).

Bad rows (an invalid or repeated ID number; ``bad_cells``: a cell that cannot be read, a row longer or
shorter than the header, as :mod:`admin.imports.tables` finds them) are reported with their line numbers and skipped.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from admin.imports.tables import Header, TableError, open_table
from admin.imports.tables import Row as TableRow
from bot.questionnaire import QType, Question, Questionnaire
from bot.understanding import Understanding
from bot.values import decode_date, display, encode, number_bounds
from nlu.idcard import parse_id_number
from nlu.result import NotUnderstood
from storage.errors import InvalidInput
from storage.models import Campaign, Person
from storage.reconcile import DEPARTMENTS, NewItem, ReconcileRun, ReconcileStore
from storage.reconcile_scratch import Scratch
from storage.repo import Store, StoredAnswer

NUMBER_TOLERANCE = 0.1  # approximate quantities ("约80平方米") agree within 10 %
BATCH = 500  # rows of the list matched at a time (one look-up of persons, roster, records, answers each)
MAX_REJECTED_LISTED = 1000  # rejected rows listed one by one with the run; more are counted
CHUNK = 1024 * 1024  # bytes read at a time from an upload


class ReconcileError(InvalidInput, ValueError):
    """The list or its mapping cannot be used; the message names the column, key or problem."""


class ColumnMapping(BaseModel):
    """Which column holds the ID number, and which columns answer which questions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_column: str = Field(min_length=1)
    columns: dict[str, str] = Field(default_factory=dict)  # column header -> question key
    name_column: str | None = None  # optional: names people not known to us (shown masked)


def parse_mapping(text: str) -> ColumnMapping:
    """Read the mapping JSON, e.g. ``{"id_column": "身份证号", "columns": {"是否低保": "dibao"}}``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReconcileError(f"the mapping is not valid JSON: {exc.msg} at character {exc.pos}") from None
    try:
        return ColumnMapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "mapping"
        raise ReconcileError(f"mapping: {where}: {first['msg']}") from None


def check_mapping(mapping: ColumnMapping, questionnaire: Questionnaire) -> dict[str, Question]:
    """The question of each mapped column; an unknown or unusable question key is an error naming it."""
    questions: dict[str, Question] = {}
    taken: dict[str, str] = {}
    for column, key in mapping.columns.items():
        q = questionnaire.by_key.get(key)
        if q is None:
            raise ReconcileError(f"column {column!r}: unknown question key {key!r} in questionnaire "
                                 f"{questionnaire.name!r}")
        if q.type == QType.PHOTO:
            raise ReconcileError(f"column {column!r}: question {key!r} is a photo and cannot be compared")
        if q.identifies or q.type == QType.ID_NUMBER:
            raise ReconcileError(f"column {column!r}: question {key!r} is the ID number; name its column "
                                 "as id_column instead")
        if key in taken:
            raise ReconcileError(f"columns {taken[key]!r} and {column!r} are both mapped to question {key!r}")
        taken[key] = column
        questions[column] = q
    return questions


def _missing_column(what: str, name: str, header: Header) -> ReconcileError:
    listed = "、".join(h for h in header.names if h) or "(none)"
    return ReconcileError(f"{what} {name!r} is not in the file; its columns are: {listed}")


@dataclass(frozen=True)
class Row:
    """A usable row of the department's list."""

    line: int
    id_number: str
    index: str
    cells: list[str]


@dataclass(frozen=True)
class _Rejected:
    """A row of the list that is skipped."""

    line: int
    code: str
    message: str


@dataclass
class Outcome:
    """What a comparison found (the findings themselves wait, sealed, in the run's Scratch)."""

    rows: int = 0
    matched: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, code, message): the first ones
    rejected_total: int = 0
    items: int = 0

    def reject(self, line: int, code: str, message: str) -> None:
        """Skip a row; only the first MAX_REJECTED_LISTED are listed, the others counted."""
        self.rejected_total += 1
        if len(self.rejected) < MAX_REJECTED_LISTED:
            self.rejected.append((line, code, message))

    def listed_rejections(self) -> list[tuple[int, str, str]]:
        """The rejected rows to store with the run, with a last line saying how many more there were."""
        more = self.rejected_total - len(self.rejected)
        if more <= 0:
            return list(self.rejected)
        return [*self.rejected, (0, "more_rejected", f"另有{more}行同样被跳过，未逐行列出")]


def read_rows(
    path: Path, mapping: ColumnMapping, questions: dict[str, Question]
) -> tuple[dict[str, int], Iterator[TableRow]]:
    """Open the list (admin.imports.tables), check its header against the mapping; the column positions and the rows.

    The rows raise ReconcileError when the file cannot be read to its end (a broken quote, a damaged
    workbook), naming the line and column.
    """
    try:
        table = open_table(path)
    except TableError as exc:
        raise ReconcileError(str(exc)) from None
    try:
        positions: dict[str, int] = {}
        header = table.header
        id_col = header.index(mapping.id_column)
        if id_col is None:
            raise _missing_column("the ID number column", mapping.id_column, header)
        positions[mapping.id_column] = id_col
        if mapping.name_column:
            name_col = header.index(mapping.name_column)
            if name_col is None:
                raise _missing_column("the name column", mapping.name_column, header)
            positions[mapping.name_column] = name_col
        for column, q in questions.items():
            at = header.index(column)
            if at is None:
                raise _missing_column(f"the column mapped to {q.key!r},", column, header)
            positions[column] = at
    except ReconcileError:
        table.close()
        raise
    return positions, _guarded(table.rows())


@dataclass
class _Context:
    """What the batches of one comparison share."""

    store: Store
    recon: ReconcileStore
    campaign_id: int
    questions: dict[str, Question]
    positions: dict[str, int]
    mapping: ColumnMapping
    understanding: Understanding
    region_ids: frozenset[int] | None
    home_region_id: int
    now: datetime
    low_confidence: float
    scratch: Scratch
    out: Outcome

    def covers(self, region_id: int | None) -> bool:
        """Whether a region lies in the importer's area."""
        return self.region_ids is None or (region_id is not None and region_id in self.region_ids)


def compare(
    store: Store,
    recon: ReconcileStore,
    campaign: Campaign,
    questionnaire: Questionnaire,
    understanding: Understanding,
    path: Path,
    mapping: ColumnMapping,
    region_ids: frozenset[int] | None,
    home_region_id: int,
    now: datetime,
    scratch: Scratch,
    low_confidence: float = 0.6,
) -> Outcome:
    """Compare a department's list with the roster and records in ``region_ids`` (all when None).

    The list is read and matched BATCH rows at a time; what must outlive a batch, and the findings,
    go to ``scratch`` (on disk), so memory stays the same whatever the size of the file.
    ``home_region_id`` places findings that no record or roster entry places (a person who is not
    on the roster and not known in the region): the importer's own region.
    """
    questions = check_mapping(mapping, questionnaire)
    positions, table = read_rows(path, mapping, questions)
    ctx = _Context(store, recon, campaign.id or 0, questions, positions, mapping, understanding, region_ids,
                   home_region_id, now, low_confidence, scratch, Outcome())
    batch: list[Row | _Rejected] = []  # in file order, so that rejections are listed in it
    for table_row in table:
        ctx.out.rows += 1
        line, cells = table_row.line, list(table_row.values)
        parsed = parse_id_number(cells[positions[mapping.id_column]], now.date())
        if table_row.errors:  # a cell that cannot be read, a row longer or shorter than the header
            batch.append(_Rejected(line, "bad_cells", "; ".join(f"{e.where}: {e.message}" for e in table_row.errors)))
        elif isinstance(parsed, NotUnderstood):
            batch.append(_Rejected(line, "bad_id_number", f"身份证号码无效：{parsed.message}"))
        else:
            number = parsed.value.number
            batch.append(Row(line, number, store.people.id_index(number), cells))
        if len(batch) >= BATCH:
            _match(ctx, batch)
            batch = []
    _match(ctx, batch)
    _not_collected(ctx)
    return ctx.out


def _match(ctx: _Context, batch: list[Row | _Rejected]) -> None:
    """Match a batch of rows by ID number; their findings go to the scratch."""
    rows = [r for r in batch if isinstance(r, Row)]
    earlier = dict(zip((r.line for r in rows), ctx.scratch.first_seen([(r.index, r.line) for r in rows]), strict=True))
    valid: list[Row] = []
    for row in batch:
        if isinstance(row, _Rejected):
            ctx.out.reject(row.line, row.code, row.message)
        elif (first := earlier[row.line]) is not None:
            ctx.out.reject(row.line, "duplicate", f"身份证号码与第{first}行重复")
        else:
            valid.append(row)
    if not valid:
        return
    persons = ctx.recon.persons_by_number([r.id_number for r in valid])  # under any key: a rotation may run
    person_ids = sorted({p.id for p in persons.values() if p.id is not None})
    roster = ctx.recon.roster_of(ctx.campaign_id, person_ids, ctx.region_ids)
    records = ctx.recon.records_of(ctx.campaign_id, person_ids)
    answers = ctx.store.records.current_answers_for([r.id for r in records.values() if r.status == "submitted"
                                             and r.id is not None and ctx.covers(r.region_id)])
    found: list[NewItem] = []
    for row in valid:
        person = persons.get(row.id_number)
        pid = person.id if person is not None else None
        entry = roster.get(pid) if pid is not None else None
        record = records.get(pid) if pid is not None else None
        visible = record is not None and ctx.covers(record.region_id)
        known = entry is not None or visible or (person is not None and ctx.covers(person.region_id))
        mapping = ctx.mapping
        listed = row.cells[ctx.positions[mapping.name_column]] or None if mapping.name_column else None
        name = (_name(ctx.store, person) if known else None) or listed  # nobody else's data leaks in
        if entry is None:
            if visible and record is not None:
                region_id = record.region_id
            elif person is not None and ctx.covers(person.region_id):
                region_id = person.region_id
            else:
                region_id = ctx.home_region_id
            found.append(NewItem("not_on_roster", region_id, line=row.line, person_id=pid,
                                 record_id=record.id if visible and record is not None else None,
                                 id_number=row.id_number, name=name))
        else:
            ctx.out.matched += 1
            ctx.scratch.matched(entry.person_id, row.line)
        if visible and record is not None and record.status == "submitted":
            mine = answers.get(record.id or 0, {})
            for column, q in ctx.questions.items():
                text = row.cells[ctx.positions[column]]
                finding = _check_value(q, mine.get(q.key), text, ctx.understanding, ctx.now, ctx.low_confidence)
                if finding is not None:
                    reason, ours, theirs = finding
                    found.append(NewItem(
                        reason, record.region_id, line=row.line, question_key=q.key, person_id=pid,
                        record_id=record.id, roster_entry_id=entry.id if entry else None,
                        id_number=row.id_number, name=name, ours=ours, theirs=theirs, theirs_raw=text))
    _keep(ctx, found)


def _not_collected(ctx: _Context) -> None:
    """The roster people of the area without a submitted record, page by page in roster order."""
    after = 0
    while page := ctx.recon.roster_page(ctx.campaign_id, ctx.region_ids, after=after, limit=BATCH):
        after = page[-1].id or 0
        records = ctx.recon.records_of(ctx.campaign_id, [e.person_id for e in page])
        uncollected = [e for e in page if (rec := records.get(e.person_id)) is None or rec.status != "submitted"]
        people = ctx.recon.persons_by_id([e.person_id for e in uncollected])
        lines = ctx.scratch.lines_of([e.person_id for e in uncollected])
        found = []
        for entry in uncollected:
            person = people[entry.person_id]
            rec = records.get(entry.person_id)
            found.append(NewItem(
                "not_collected", entry.region_id, line=lines.get(entry.person_id), person_id=entry.person_id,
                record_id=rec.id if rec is not None and ctx.covers(rec.region_id) else None,
                roster_entry_id=entry.id, id_number=ctx.store.people.id_number(person),
                name=_name(ctx.store, person)))
        _keep(ctx, found)


def _keep(ctx: _Context, found: list[NewItem]) -> None:
    ctx.scratch.add_items([ctx.recon.sealed(new) for new in found])
    ctx.out.items += len(found)


def run_import(
    store: Store,
    recon: ReconcileStore,
    campaign: Campaign,
    questionnaire: Questionnaire,
    understanding: Understanding,
    path: Path,
    *,
    department: str,
    mapping: ColumnMapping,
    file_name: str,
    staff_id: int | None,
    home_region_id: int,
    region_ids: frozenset[int] | None,
    now: datetime,
    low_confidence: float = 0.6,
) -> tuple[ReconcileRun, Outcome]:
    """Compare a department's list and store the run with its items (each a task for its region).

    The findings are staged in a scratch file next to ``path`` and written at the end, in batches.
    """
    if department not in DEPARTMENTS:
        raise ReconcileError(f"unknown department {department!r}; one of: {', '.join(DEPARTMENTS)}")
    with Scratch(path.with_name(path.name + ".scratch")) as scratch:
        outcome = compare(store, recon, campaign, questionnaire, understanding, path, mapping, region_ids,
                          home_region_id, now, scratch, low_confidence)
        run = recon.create_run(
            campaign_id=campaign.id or 0, department=department, file_name=file_name,
            mapping=mapping.model_dump(), staff_id=staff_id, region_id=home_region_id, rows=outcome.rows,
            matched=outcome.matched, rejected=outcome.listed_rejections(),
        )
        for rows in scratch.items():
            recon.insert_sealed(run, rows)
    return run, outcome


def _guarded(rows: Iterator[TableRow]) -> Iterator[TableRow]:
    """The rows of a table, a file that cannot be read to its end becoming a ReconcileError naming the line."""
    try:
        yield from rows
    except TableError as exc:
        raise ReconcileError(str(exc)) from None


class ListTooLarge(ReconcileError):
    """The uploaded list is larger than the limit."""


def receive_list(source: BinaryIO, path: Path, limit: int) -> None:
    """Copy an upload to ``path`` a chunk at a time; ListTooLarge as soon as it passes ``limit`` bytes."""
    size = 0
    with path.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ListTooLarge(f"the list is larger than {limit // (1024 * 1024)} MiB")
            out.write(chunk)


def _name(store: Store, person: Person | None) -> str | None:
    return store.people.name(person) if person is not None else None


def _check_value(
    q: Question, ours: StoredAnswer | None, text: str, understanding: Understanding, now: datetime,
    low_confidence: float,
) -> tuple[str, str | None, str] | None:
    """(reason, our value, their value) as display text when a department's value is a finding, else None."""
    if not text.strip():
        return None  # the department says nothing about this field
    have = ours.value if ours is not None else None
    parsed = understanding.parse(q, text, now)
    if isinstance(parsed, NotUnderstood) or parsed.confidence < low_confidence:
        return ("unparseable_department_value", display(q, have) if have is not None else None, text.strip())
    theirs = encode(q, parsed.value)
    if have is None:
        return "field_missing", None, display(q, theirs)
    if same_value(q, have, theirs):
        return None
    return "value_mismatch", display(q, have), display(q, theirs)


def _norm_text(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()


def same_value(q: Question, a: Any, b: Any) -> bool:
    """Whether two stored values of a question say the same thing (sets, spans and quantities compared loosely)."""
    t = q.type
    if t == QType.MULTI and isinstance(a, list) and isinstance(b, list):
        return {str(x) for x in a} == {str(x) for x in b}
    if t == QType.DATE:
        sa, sb = decode_date(a), decode_date(b)
        if sa is not None and sb is not None:  # "1965年3月" agrees with 1965-03-12
            return sa.start <= sb.end and sb.start <= sa.end
    if t == QType.NUMBER and isinstance(a, dict) and isinstance(b, dict):
        va, vb = a.get("value"), b.get("value")
        if (a.get("unit") or q.unit) != (b.get("unit") or q.unit) or va is None or vb is None:
            return False
        ra, rb = number_bounds(a), number_bounds(b)
        if ra and rb and (a.get("range") or b.get("range")):  # a range agrees with what lies in it
            return ra[0] <= rb[1] and rb[0] <= ra[1]
        if a.get("approximate") or b.get("approximate"):
            return abs(float(va) - float(vb)) <= NUMBER_TOLERANCE * max(abs(float(va)), abs(float(vb)))
        return float(va) == float(vb)
    if t == QType.ETHNICITY and isinstance(a, dict) and isinstance(b, dict):
        return a.get("code") == b.get("code")
    if t in (QType.TEXT, QType.FREE_TEXT, QType.REGION, QType.PHONE, QType.ID_NUMBER):
        return _norm_text(a) == _norm_text(b)
    return bool(a == b)
