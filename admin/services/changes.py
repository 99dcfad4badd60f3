"""Change requests' rules: which level decides a record's requests, who may see one, and the decision.

A record at ``collected`` (or sent back, ``returned``) is the township's, ``township_reviewed`` the
county's, ``county_checked`` the prefecture's, ``city_accepted`` and ``province_accepted`` the
province's. Another level is :class:`Forbidden` (audited), another region :class:`NotFound`
(audited, as for a request that does not exist), a decided request :class:`Conflict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from admin.services.access import PERMISSIONS, Scope, denied, not_found
from admin.services.uow import UnitOfWork
from admin.services.workflow import QUEUE_STAGES, STEPS, level_of
from bot.questionnaire import Question, Questionnaire
from storage.changes import ChangeError, ChangeRequest, ChangeStatus, ChangeStore
from storage.errors import Conflict
from storage.models import Campaign, Record
from storage.repo import NotFound
from storage.staff import Staff


@dataclass(frozen=True)
class VisibleChange:
    """A change request the caller may see, with its record and campaign."""

    row: ChangeRequest
    record: Record
    campaign: Campaign


def deciding_level(stage: str | None) -> str | None:
    """The region level whose reviewers decide change requests of a record at a stage (None: not submitted)."""
    if stage in ("collected", "returned"):
        return "township"
    if stage == "province_accepted":
        return "province"
    return next((level for before, level in STEPS.values() if before == stage), None)


def stages_decided_by(level: str) -> list[str]:
    """The stages whose change requests staff of a region level decide."""
    return [s for s in QUEUE_STAGES if deciding_level(s) == level]


def decides(uow: UnitOfWork, staff: Staff, record: Record) -> bool:
    """Whether the caller's role and level decide the change requests of a record (its area is checked apart)."""
    if staff.role not in PERMISSIONS["review.act"]:
        return False
    level = deciding_level(record.stage)
    return level is not None and (staff.role == "system_admin" or level_of(uow, staff) == level)


def question_of(questionnaires: Mapping[str, Questionnaire], campaign: Campaign, key: str) -> Question | None:
    """The question a change request is about (None when its questionnaire or question is gone)."""
    q = questionnaires.get(campaign.questionnaire)
    return q.by_key.get(key) if q is not None else None


def visible(uow: UnitOfWork, staff: Staff, scope: Scope, change_id: int) -> VisibleChange:
    """A change request of a record in the caller's area; NotFound (audited) otherwise, as for one that does not exist."""
    try:
        row = ChangeStore(uow.store).get(change_id)
    except NotFound:
        raise not_found(uow.staff, staff, "change", change_id) from None
    record = uow.store.records.get(row.record_id)
    if not scope.covers(record.region_id):
        raise not_found(uow.staff, staff, "change", change_id)
    return VisibleChange(row, record, uow.store.campaigns.get(record.campaign_id))


def decide(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], staff: Staff, scope: Scope,
           change_id: int, approve: bool, reason: str) -> None:
    """Approve (a new version of the answer) or reject a pending change request; the record's stage stays."""
    found = visible(uow, staff, scope, change_id)
    row, record = found.row, found.record
    level = deciding_level(record.stage)
    if level is None:
        raise Conflict(f"record {record.id} is not submitted")
    if not decides(uow, staff, record):
        raise denied(staff, f"change requests of records at {record.stage} are decided by {level}-level reviewers",
                     "change", change_id)
    if row.status != ChangeStatus.PENDING.value:
        raise Conflict(f"change request {change_id} is already {row.status}")
    question = question_of(questionnaires, found.campaign, row.question_key)
    try:
        ChangeStore(uow.store).decide(row, approve=approve, staff_id=staff.id or 0, reason=reason,
                                      sensitive=question is None or question.sensitive)
    except ChangeError:  # decided meanwhile by someone else: applied once, by them
        raise Conflict(f"change request {change_id} is already decided") from None
    uow.staff.audit("change_approved" if approve else "change_rejected", staff=staff, target_type="record",
                    target_id=record.id, detail=f"change {change_id} {row.question_key}")
