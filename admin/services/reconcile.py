"""Cross-department reconciliation: import a department's list, the problem and missing data lists, resolve tasks.

Importing and resolving need "review.act"; a collector may also resolve the tasks of their own village.
Reading needs "review.read" or "collect". Runs and items are limited to the caller's region: an item
placed elsewhere answers 404, and a run is listed with the counts of the items the caller can see.
The list itself is read by :mod:`admin.imports.reconcile`; the routes are :mod:`admin.api.reconcile`.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel

from admin.imports.reconcile import (
    ListTooLarge,
    ReconcileError,
    parse_mapping,
    receive_list,
    run_import,
)
from admin.runtime import Runtime
from admin.services.access import PERMISSIONS, Scope, not_found, refusal, require, scope_of
from admin.services.uow import UnitOfWork
from bot.values import mask_shown
from storage.crypto import mask_id_number, mask_name
from storage.errors import Conflict, IntakeError, InvalidInput, TooLarge
from storage.reconcile import (
    DEPARTMENTS,
    KINDS,
    REASONS,
    OpenedItem,
    ReconcileItem,
    ReconcileRun,
    ReconcileStore,
)
from storage.staff import Staff

_FAILED: dict[int, type[IntakeError]] = {409: Conflict, 413: TooLarge, 422: InvalidInput}

MAX_LIST_BYTES = 50 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx", ".xlsm")


class RejectedRow(BaseModel):
    """A row of the department's list that was skipped, and why (no personal data)."""

    line: int
    code: str
    message: str


class RunOut(BaseModel):
    """A reconciliation run with the counts of the items the caller can see."""

    id: int
    campaign: str
    department: str
    file_name: str
    imported_by: str | None
    region: str | None
    created_at: datetime
    rows: int | None  # the whole list's totals: only for staff whose area covers the importer's region
    matched: int | None
    rejected: list[RejectedRow]
    counts: dict[str, dict[str, int]]  # kind -> reason -> items
    open: int
    resolved: int


class ItemOut(BaseModel):
    """One finding: a task for the collector of its region. ID numbers and names masked."""

    id: int
    run_id: int
    kind: str
    reason: str
    line: int | None
    question: str | None
    label: str | None
    person: str | None
    id_number: str | None
    region: str | None
    record_id: int | None
    ours: str | None
    theirs: str | None
    theirs_raw: str | None
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    note: str | None


class ItemPage(BaseModel):
    """A page of items."""

    total: int
    items: list[ItemOut]


def may_read(uow: UnitOfWork, staff: Staff) -> None:
    if staff.role not in PERMISSIONS["collect"]:
        require(uow.staff, staff, "review.read")


def _failed(uow: UnitOfWork, staff: Staff, action: str, status: int, message: str,
            target_type: str | None = None, target_id: int | None = None) -> IntakeError:
    """The error of a refused request, audited (the message names columns and keys, never personal data)."""
    error = _FAILED[status](message)
    return error.audited(refusal(staff, action, target_type, target_id, result="failed", detail=message))


def _run_out(uow: UnitOfWork, recon: ReconcileStore, run: ReconcileRun, scope: Scope) -> RunOut:
    counts: dict[str, dict[str, int]] = {k: {r: 0 for r, kind in REASONS.items() if kind == k} for k in KINDS}
    open_ = resolved = 0
    for kind, reason, status, n in recon.counts(run.id or 0, scope.region_ids):
        counts[kind][reason] += n
        if status == "open":
            open_ += n
        else:
            resolved += n
    campaign = uow.store.campaigns.get(run.campaign_id)
    who = uow.staff.get(run.staff_id) if run.staff_id else None
    region = uow.staff.region(run.region_id)
    whole = scope.covers(run.region_id)  # a county seeing a city's run through its own items gets no totals
    rejected = [RejectedRow(line=line, code=code, message=msg)
                for line, code, msg in json.loads(run.rejected_json)] if whole else []
    return RunOut(
        id=run.id or 0, campaign=campaign.key, department=run.department, file_name=run.file_name,
        imported_by=who.username if who else None, region=region.path if region else None,
        created_at=run.created_at, rows=run.rows if whole else None, matched=run.matched if whole else None,
        rejected=rejected, counts=counts, open=open_, resolved=resolved,
    )


def _item_out(uow: UnitOfWork, rt: Runtime, recon: ReconcileStore, item: ReconcileItem) -> ItemOut:
    opened: OpenedItem = recon.opened(item)
    run = recon.get_run(item.run_id)
    campaign = uow.store.campaigns.get(run.campaign_id) if run else None
    q = rt.questionnaires.get(campaign.questionnaire) if campaign else None
    question = q.by_key.get(item.question_key) if q and item.question_key else None
    ours, theirs, raw = opened.ours, opened.theirs, opened.theirs_raw
    if question is not None:  # both values masked as the question says (names, ID-like numbers, phones, text)
        ours, theirs, raw = (mask_shown(question.mask, v) if v else v for v in (ours, theirs, raw))
    region = uow.staff.region(item.region_id) if item.region_id else None
    resolver = uow.staff.get(item.resolved_by) if item.resolved_by else None
    return ItemOut(
        id=item.id or 0, run_id=item.run_id, kind=item.kind, reason=item.reason, line=item.line,
        question=item.question_key, label=question.title if question else None,
        person=mask_name(opened.name) if opened.name else None,
        id_number=mask_id_number(opened.id_number) if opened.id_number else None,
        region=region.path if region else None, record_id=item.record_id, ours=ours, theirs=theirs,
        theirs_raw=raw, status=item.status, resolved_by=resolver.username if resolver else None,
        resolved_at=item.resolved_at, note=opened.note,
    )


def _visible_run(uow: UnitOfWork, recon: ReconcileStore, staff: Staff, scope: Scope, run_id: int) -> ReconcileRun:
    run = recon.get_run(run_id)
    if run is None or not recon.run_visible(run, scope.region_ids):
        raise not_found(uow.staff, staff, "reconcile_run", run_id)
    return run


def import_list(uow: UnitOfWork, rt: Runtime, staff: Staff, stream: BinaryIO, filename: str | None,
                campaign: str, department: str, mapping: str) -> RunOut:
    """Compare a department's list with the roster and records of the caller's region; the run's summary."""
    require(uow.staff, staff, "review.act", "reconcile")
    scope = scope_of(uow.staff, staff)
    if department not in DEPARTMENTS:
        raise _failed(uow, staff, "reconcile_import", 422,
                      f"unknown department {department!r}; one of: {', '.join(DEPARTMENTS)}")
    found = uow.store.campaigns.by_key(campaign)
    if found is None:
        raise _failed(uow, staff, "reconcile_import", 422, f"no campaign {campaign!r}")
    questionnaire = rt.questionnaires.get(found.questionnaire)
    if questionnaire is None:
        raise IntakeError(f"questionnaire {found.questionnaire!r} is not loaded")
    name = Path(filename or "list").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise _failed(uow, staff, "reconcile_import", 422,
                      f"{name}: only {', '.join(SUFFIXES)} files can be imported")
    recon = ReconcileStore(uow.store.session, uow.store.vault)
    with tempfile.TemporaryDirectory(prefix="intake-reconcile-") as tmp:
        path = Path(tmp) / ("list" + suffix)
        try:  # streamed to disk and read back in batches: memory does not grow with the file (admin.imports.reconcile)
            receive_list(stream, path, MAX_LIST_BYTES)
        except ListTooLarge:
            raise _failed(uow, staff, "reconcile_import", 413, "the list is larger than 50 MiB") from None
        try:
            parsed_mapping = parse_mapping(mapping)
            run, outcome = run_import(
                uow.store, recon, found, questionnaire, rt.understanding, path,
                department=department, mapping=parsed_mapping, file_name=name, staff_id=staff.id,
                home_region_id=staff.region_id, region_ids=scope.region_ids, now=datetime.now(UTC),
                low_confidence=rt.settings.low_confidence,
            )
        except ReconcileError as exc:
            uow.store.session.rollback()
            raise _failed(uow, staff, "reconcile_import", 422, str(exc)) from None
    uow.staff.audit("reconcile_import", staff=staff, target_type="reconcile_run", target_id=run.id,
                    detail=f"{department} {found.key}: {outcome.rows} rows, {outcome.matched} matched, "
                           f"{outcome.rejected_total} rejected, {outcome.items} items")
    return _run_out(uow, recon, run, scope)


def list_runs(uow: UnitOfWork, staff: Staff, campaign: str | None, department: str | None,
              limit: int) -> list[RunOut]:
    """Runs imported in the caller's region or with items there, newest first, counted within the region."""
    may_read(uow, staff)
    scope = scope_of(uow.staff, staff)
    recon = ReconcileStore(uow.store.session, uow.store.vault)
    campaign_id = None
    if campaign is not None:
        found = uow.store.campaigns.by_key(campaign)
        campaign_id = found.id if found is not None else -1
    runs = recon.runs_visible(scope.region_ids, campaign_id=campaign_id, department=department, limit=limit)
    uow.staff.audit("list_reconcile_runs", staff=staff, target_type="reconcile_run", detail=f"{len(runs)} runs")
    return [_run_out(uow, recon, r, scope) for r in runs]


def read_run(uow: UnitOfWork, staff: Staff, run_id: int) -> RunOut:
    """One run's summary, counted within the caller's region."""
    may_read(uow, staff)
    scope = scope_of(uow.staff, staff)
    recon = ReconcileStore(uow.store.session, uow.store.vault)
    run = _visible_run(uow, recon, staff, scope, run_id)
    uow.staff.audit("read_reconcile_run", staff=staff, target_type="reconcile_run", target_id=run_id)
    return _run_out(uow, recon, run, scope)


def list_items(uow: UnitOfWork, rt: Runtime, staff: Staff, run_id: int, kind: str | None, reason: str | None,
               status: str | None, limit: int, offset: int) -> ItemPage:
    """The problem or missing data list of a run, limited to the caller's region; ID numbers and names masked."""
    may_read(uow, staff)
    scope = scope_of(uow.staff, staff)
    recon = ReconcileStore(uow.store.session, uow.store.vault)
    _visible_run(uow, recon, staff, scope, run_id)
    rows, total = recon.items(run_id, scope.region_ids, kind=kind, reason=reason, status=status,
                              limit=limit, offset=offset)
    uow.staff.audit("read_reconcile_items", staff=staff, target_type="reconcile_run", target_id=run_id,
                    detail=f"{len(rows)} of {total}; kind={kind or '*'} reason={reason or '*'}")
    return ItemPage(total=total, items=[_item_out(uow, rt, recon, i) for i in rows])


def resolve_item(uow: UnitOfWork, rt: Runtime, staff: Staff, item_id: int, note: str) -> ItemOut:
    """Settle a task with a note; reviewers and admins anywhere in their region, collectors in their village."""
    if staff.role != "collector":
        require(uow.staff, staff, "review.act", f"reconcile_item {item_id}")
    recon = ReconcileStore(uow.store.session, uow.store.vault)
    item = recon.get_item(item_id)
    if item is None or not scope_of(uow.staff, staff).covers(item.region_id):
        raise not_found(uow.staff, staff, "reconcile_item", item_id)
    if item.status != "open":
        raise _failed(uow, staff, "resolve_reconcile_item", 409, "this item is already resolved",
                      "reconcile_item", item_id)
    recon.resolve(item, staff.id, note)
    uow.staff.audit("resolve_reconcile_item", staff=staff, target_type="reconcile_item", target_id=item_id,
                    detail=f"{item.kind}/{item.reason}")
    return _item_out(uow, rt, recon, item)
