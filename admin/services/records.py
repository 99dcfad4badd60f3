"""Records as staff handle them: which record a caller may see, correcting an answer, approving a flag.

Raises the domain's errors: a record, flag or blob the caller may not see is :class:`NotFound`
(audited, the same as one that does not exist), a question that is not in the questionnaire or a
correction that cannot be read is :class:`InvalidInput`, a flag already decided is :class:`Conflict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from admin.services.access import Scope, not_found
from admin.services.uow import UnitOfWork
from bot.questionnaire import QType, Question, Questionnaire
from bot.understanding import Understanding
from bot.values import encode
from nlu.result import NotUnderstood
from storage.errors import Conflict, IntakeError, InvalidInput
from storage.identity import IdentityStore
from storage.models import Person, Record
from storage.staff import Staff


@dataclass(frozen=True)
class RecordForm:
    """A record with the questionnaire it was collected with."""

    record: Record
    questionnaire: Questionnaire


def questionnaire_named(questionnaires: Mapping[str, Questionnaire], name: str) -> Questionnaire:
    """A loaded questionnaire; a record of one that is not loaded is the service's fault (500)."""
    q = questionnaires.get(name)
    if q is None:
        raise IntakeError(f"questionnaire {name!r} is not loaded")
    return q


def visible_record(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int) -> Record:
    """A record placed in the caller's area, or NotFound (audited)."""
    record = uow.store.session.get(Record, record_id)
    if record is None or not scope.covers(record.region_id):
        raise not_found(uow.staff, staff, "record", record_id)
    return record


def readable_record(uow: UnitOfWork, staff: Staff, scope: Scope, record_id: int) -> Record:
    """A record the caller may read: placed in their area, or a declaration opened under a person in their area.

    The staff of the registered person compare a declaration with that person's own record, wherever
    the declaration was made; everything else of the declaration's region stays out of their reach.
    """
    record = uow.store.session.get(Record, record_id)
    if record is not None and not scope.covers(record.region_id) and record.person_id is None:
        declaration = IdentityStore(uow.store).declaration_of(record_id)
        person = uow.store.session.get(Person, declaration.person_id) if declaration else None
        if person is not None and scope.covers(person.region_id):
            return record
    return visible_record(uow, staff, scope, record_id)


def form_of(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], record: Record) -> RecordForm:
    """A record with its questionnaire."""
    campaign = uow.store.campaigns.get(record.campaign_id)
    return RecordForm(record, questionnaire_named(questionnaires, campaign.questionnaire))


def question_of(q: Questionnaire, key: str) -> Question:
    """A question of a questionnaire by key, or InvalidInput."""
    question = q.by_key.get(key)
    if question is None:
        raise InvalidInput(f"no question {key!r} in {q.name}")
    return question


def correct_answer(uow: UnitOfWork, understanding: Understanding, form: RecordForm, staff: Staff, key: str,
                   text: str, reason: str) -> Question:
    """A reviewer's correction, read like a typed answer and stored as a new version; closes the question's flags."""
    question = question_of(form.questionnaire, key)
    if question.type == QType.PHOTO:
        raise InvalidInput("a photo cannot be corrected by text")
    parsed = understanding.parse(question, text, datetime.now(UTC))
    if isinstance(parsed, NotUnderstood):
        raise InvalidInput(f"{parsed.reason}: {parsed.message}")
    record_id = form.record.id or 0
    uow.store.records.save_answer(
        form.record, key, encode(question, parsed.value), raw=text, confidence=1.0, status="corrected",
        channel="admin", actor=f"staff:{staff.id}", sensitive=question.sensitive, reason=reason,
    )
    closed = uow.store.records.resolve_flags(record_id, key, by=f"staff:{staff.id}")
    uow.staff.audit("correct_answer", staff=staff, target_type="record", target_id=record_id,
                    detail=f"{key}; {closed} flag(s) closed")
    return question


def approve_flag(uow: UnitOfWork, staff: Staff, scope: Scope, flag_id: int) -> None:
    """Accept a flagged answer as it is (not an unverified declaration's: that is merged or dismissed)."""
    flag = uow.store.records.get_flag(flag_id)
    record = uow.store.session.get(Record, flag.record_id) if flag else None
    if flag is None or record is None or not scope.covers(record.region_id):
        raise not_found(uow.staff, staff, "flag", flag_id)
    if flag.status != "open":
        raise Conflict("this flag is already resolved")
    if flag.reason == "unverified":
        raise Conflict("an unverified declaration is decided by the staff of the registered person: "
                       "merge or dismiss it (/api/declarations)")
    uow.store.records.resolve_flags(flag.record_id, flag.question_key, by=f"staff:{staff.id}", flag_id=flag_id)
    uow.staff.audit("approve_flag", staff=staff, target_type="record", target_id=flag.record_id,
                    detail=flag.question_key)
