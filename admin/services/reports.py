"""Exports (CSV, XLSX, read batch by batch), statistics per question with cross-tabulations, progress per region.

The routes of :mod:`admin.api.reports` and the console's dashboard, statistics and exports pages
call these functions; they check the caller's permission and region, audit, and raise the domain's
errors (:mod:`storage.errors`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import Workbook
from pydantic import BaseModel, Field

from admin.runtime import Runtime
from admin.services import visits
from admin.services.access import PERMISSIONS, not_found, require, scope_of
from admin.services.forms import CampaignForms, campaign_forms
from admin.services.reporting import ExportRow, Tally, cells, headers
from admin.services.uow import UnitOfWork
from bot.questionnaire import QType, Questionnaire
from storage.db import session_scope
from storage.errors import IntakeError, InvalidInput, NotFound
from storage.models import Campaign, Region
from storage.repo import Store
from storage.staff import Staff
from storage.staff_repo import StaffStore

CSV_CHUNK = 64 * 1024  # characters of CSV sent at once
BATCH = 500  # records read at once by exports and statistics (memory stays flat however many there are)
STATS_TYPES = (QType.SINGLE, QType.MULTI, QType.YES_NO, QType.ETHNICITY)


def campaign_of(uow: UnitOfWork, rt: Runtime, key: str) -> tuple[Campaign, Questionnaire]:
    """A campaign by key with its loaded questionnaire (404 when either is missing)."""
    campaign = uow.store.campaigns.by_key(key)
    if campaign is None or campaign.questionnaire not in rt.questionnaires:
        raise NotFound(f"no campaign {key!r}")
    return campaign, rt.questionnaires[campaign.questionnaire]


def campaign_forms_of(uow: UnitOfWork, rt: Runtime, key: str) -> tuple[Campaign, CampaignForms]:
    """A campaign by key and the form versions its records are asked from (the pinned one first)."""
    campaign, _ = campaign_of(uow, rt, key)
    return campaign, campaign_forms(uow.store.forms, rt.engine.forms, campaign)


@dataclass(frozen=True)
class RegionView:
    """The region a request is limited to, the regions it covers, the way down to it and its direct children."""

    region: Region | None  # None only for an account whose region is missing
    region_ids: frozenset[int] | None  # None for the whole tree
    trail: list[Region]  # from the caller's own region down to the selected one's parent
    children: list[Region]

    @property
    def path(self) -> str:
        """The selected region's path ("" when there is none)."""
        return self.region.path if self.region else ""


def region_view(uow: UnitOfWork, staff: Staff, region: str | None) -> RegionView:
    """The caller's region, or the named one inside it; an unknown or outside one answers 404 (audited)."""
    scope = scope_of(uow.staff, staff)
    own = uow.staff.region(staff.region_id)
    if not region:
        selected, ids = own, scope.region_ids
    else:
        selected = uow.staff.region_by_path(region)
        if selected is None or selected.id is None or not scope.covers(selected.id):
            raise not_found(uow.staff, staff, "region", region)
        ids = frozenset(uow.staff.subtree_ids(selected))
    if selected is None:
        return RegionView(None, ids, [], [])
    trail: list[Region] = []
    step = selected
    while step.parent_id is not None and step.id != (own.id if own else None):
        parent = uow.staff.region(step.parent_id)
        if parent is None:
            break
        trail.insert(0, parent)
        step = parent
    return RegionView(selected, ids, trail, uow.store.regions.children(selected.id or 0))


def export_rows(rt: Runtime, campaign_id: int, region_ids: frozenset[int] | None,
                status: str | None, forms: CampaignForms) -> Iterator[ExportRow]:
    """Records of a campaign in the given regions, batch by batch in a session of their own (for streaming)."""
    with session_scope(rt.db) as session:
        store, staff_store = Store(session, rt.vault), StaffStore(session)
        paths: dict[int, str] = {}
        last = 0
        while batch := store.records.ids_in(region_ids, campaign_id, status, after=last, limit=BATCH):
            last = batch[-1]
            answers = store.records.current_answers_for(batch)
            for record in store.records.by_ids(batch):
                region = ""
                if record.region_id is not None:
                    if record.region_id not in paths:
                        r = staff_store.region(record.region_id)
                        paths[record.region_id] = r.path if r else ""
                    region = paths[record.region_id]
                yield ExportRow(record.id or 0, record.receipt, record.status, region, answers[record.id or 0],
                                forms.label_of(record.form_version_id))
            session.expunge_all()


@dataclass(frozen=True)
class Export:
    """What an export writes: the campaign, its questionnaire (the pinned version) and the versions of its
    records, the regions and whether IDs are shown."""

    campaign: Campaign
    q: Questionnaire
    forms: CampaignForms
    region_ids: frozenset[int] | None
    reveal: bool
    filename: str
    status: str | None


def start_export(uow: UnitOfWork, rt: Runtime, staff: Staff, campaign_key: str, fmt: str,
                 region: str | None, status: str | None) -> Export:
    """Check the caller may export this campaign (and region), and audit the export (committed at once:
    the rows are read afterwards, in a session of their own)."""
    require(uow.staff, staff, "export")
    campaign, forms = campaign_forms_of(uow, rt, campaign_key)
    view = region_view(uow, staff, region)
    reveal = staff.role in PERMISSIONS["export.id_numbers"]
    ids = f"id numbers {'shown' if reveal else 'masked'}"
    uow.staff.audit("export", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=f"{fmt}; region {view.path}; {ids}" if region else f"{fmt}; {ids}")
    uow.store.session.commit()
    stem = f"{campaign.key}-{view.region.name}" if region and view.region else campaign.key
    return Export(campaign, forms.pinned, forms, view.region_ids, reveal, f"{stem}.{fmt}", status)


def csv_chunks(rt: Runtime, ex: Export) -> Iterator[str]:
    """An export as CSV (UTF-8 with BOM for Excel), one column per question (of every version of the
    campaign's records), code values, ~64 KB at a time."""
    columns = ex.forms.columns()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers(ex.q, columns))
    yield "\ufeff" + buf.getvalue()
    buf.seek(0)
    buf.truncate()
    for row in export_rows(rt, ex.campaign.id or 0, ex.region_ids, ex.status, ex.forms):
        writer.writerow(cells(ex.q, row, reveal=ex.reveal, columns=columns))
        if buf.tell() >= CSV_CHUNK:  # a chunk per ~64 KB, not per line: far fewer hops to the event loop
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue()


def write_xlsx(rt: Runtime, ex: Export, path: str) -> None:
    """An export as XLSX at ``path``, written row by row (openpyxl write-only) so memory stays flat."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=ex.q.title[:31])
    columns = ex.forms.columns()
    ws.append(headers(ex.q, columns))
    for row in export_rows(rt, ex.campaign.id or 0, ex.region_ids, ex.status, ex.forms):
        ws.append(cells(ex.q, row, reveal=ex.reveal, columns=columns))
    wb.save(path)


class VersionStatsOut(BaseModel):
    """The counts of a question among the records asked from one form version."""

    total: int
    counts: dict[str, int]


class StatsOut(BaseModel):
    """Counts and shares of one question, optionally a cross-tabulation, and counts per direct sub-region."""

    campaign: str
    question: str
    label: str
    total: int
    counts: dict[str, int]
    shares: dict[str, float]
    by: str | None = None
    crosstab: dict[str, dict[str, int]] | None = None
    region: str = Field("", description="the region counted: the one asked for, or the caller's own")
    by_region: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="answer counts per direct child region of `region` (every child listed, empty ones as {}); "
                    "records placed in `region` itself are listed under its own path")
    region_totals: dict[str, int] = Field(
        default_factory=dict, description="records answering the question, per key of `by_region`")
    by_version: dict[str, VersionStatsOut] = Field(
        default_factory=dict,
        description="when the campaign's records are asked from several form versions: the counts per version "
                    "label (a version without the question is left out)")


def stats(uow: UnitOfWork, rt: Runtime, staff: Staff, campaign: str, question: str, by: str | None,
          status: str | None, region: str | None) -> StatsOut:
    """Statistics of a question over the caller's region or one inside it."""
    require(uow.staff, staff, "review.read")
    found, forms = campaign_forms_of(uow, rt, campaign)
    q = forms.pinned
    for key in (question, by):
        if key is not None and (key not in q.by_key or q.by_key[key].type not in STATS_TYPES):
            raise InvalidInput(f"{key!r} is not a choice, yes/no or ethnicity question")
    view = region_view(uow, staff, region)
    tally = Tally(q.by_key[question], q.by_key[by] if by else None, view.path, [c.path for c in view.children])
    per_version = {label: Tally(v.by_key[question]) for label, v in forms.versions.items() if question in v.by_key}
    for row in export_rows(rt, found.id or 0, view.region_ids, status, forms):
        tally.add(row.answers, row.region)
        if row.form_version in per_version:
            per_version[row.form_version].add(row.answers)
    s = tally.stats()
    by_version = {label: VersionStatsOut(total=t.total, counts=t.stats().counts)
                  for label, t in per_version.items()} if len(forms.versions) > 1 else {}
    uow.staff.audit("stats", staff=staff, target_type="campaign", target_id=found.key,
                    detail=f"{question}; region {view.path}" if region else question)
    return StatsOut(campaign=found.key, question=question, label=s.label, total=s.total, counts=s.counts,
                    shares=s.shares, by=by, crosstab=tally.crosstab() if by else None, region=view.path,
                    by_region=tally.by_region(), region_totals=tally.region_totals, by_version=by_version)


class ProgressRow(BaseModel):
    """Progress of one region against its roster."""

    region: str
    roster: int
    started: int
    submitted: int
    visited: int  # met at home at least once (visit events, admin/services/visits.py)
    visited_twice: int  # met at home at least twice
    contacted: int  # met at least once, at home or on the phone
    open_flags: int
    reach_rate: float | None
    visit_rate: float | None
    two_visit_rate: float | None
    visit_target_met: bool | None


def progress(uow: UnitOfWork, rt: Runtime, staff: Staff, campaign: str) -> list[ProgressRow]:
    """The caller's region and each region directly under it: reach rate, home-visit rate (target 95%), flags."""
    require(uow.staff, staff, "records.read")
    found, _ = campaign_of(uow, rt, campaign)
    own = uow.staff.region(staff.region_id)
    if own is None:
        raise IntakeError("the account's region is missing")
    regions = [own, *uow.store.regions.children(own.id or 0)]
    out = []
    for region in regions:
        ids = None if staff.role == "system_admin" and region is own and own.parent_id is None else \
            uow.staff.subtree_ids(region)
        c = uow.store.records.progress_counts(ids, found.id or 0)
        v = visits.region_figures(uow, found, region, ids)  # from visit events, not from answers
        reach = round(c["submitted"] / c["roster"], 4) if c["roster"] else None
        out.append(ProgressRow(region=region.path, roster=c["roster"], started=c["started"],
                               submitted=c["submitted"], visited=v.figures.visited,
                               visited_twice=v.figures.visited_twice, contacted=v.figures.contacted,
                               open_flags=c["open_flags"], reach_rate=reach, visit_rate=v.visit_rate,
                               two_visit_rate=v.two_visit_rate, visit_target_met=v.target_met))
    return out
