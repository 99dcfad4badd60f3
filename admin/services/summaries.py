"""How a record shows in lists: personal data masked, its pending change requests, and what a declaration is.

A declaration (a record opened under a registered ID number by someone not verified as that person,
:class:`storage.identity.Declaration`) has no person: it shows its own name and ID number answers,
masked, and is marked 身份未核实（申报）. Only staff whose area covers the registered person (the
province covers persons no region places) see which person it was opened under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from admin.services.access import PERMISSIONS, Scope
from admin.services.uow import UnitOfWork
from bot.questionnaire import Question, Questionnaire
from storage import casework
from storage.changes import ChangeStore
from storage.crypto import mask_id_number, mask_name
from storage.identity import Declaration, IdentityStore
from storage.models import Flag, Person, Record


class PersonLink(BaseModel):
    """The registered person a declaration was opened under (masked), for staff whose area covers them."""

    person_id: int
    name: str
    id_number: str
    region: str | None
    record_ids: list[int]  # their own records the caller may open


class DeclarationMark(BaseModel):
    """What makes a record a declaration, and where it stands (open, merged, dismissed)."""

    id: int
    status: str
    source: str  # self | collector
    opened_at: datetime
    person: PersonLink | None = None  # only where the caller's area covers the registered person


class RecordSummary(BaseModel):
    """A record in a list: personal data masked."""

    id: int
    campaign: str
    questionnaire: str
    status: str
    subject: str
    id_number: str | None
    region: str | None
    open_flags: int
    receipt: str | None
    updated_at: datetime
    pending_changes: int = 0  # change requests of the person waiting for a reviewer
    declaration: DeclarationMark | None = None


def prefilled(q: Questionnaire, column: str) -> Question | None:
    """The question a roster column (name, phone) fills, if the questionnaire has one."""
    return next((x for x in q.questions if x.prefill == column), None)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def person_link(uow: UnitOfWork, scope: Scope, person: Person) -> PersonLink | None:
    """The masked link to a registered person, when the caller's area covers them (else None)."""
    if not scope.covers(person.region_id):
        return None
    pid = person.id or 0
    region = uow.staff.region(person.region_id) if person.region_id else None
    records = casework.records_of(uow.store.session, [pid])[pid]
    return PersonLink(
        person_id=pid, name=mask_name(uow.store.people.name(person) or ""),
        id_number=mask_id_number(uow.store.people.id_number(person)), region=region.path if region else None,
        record_ids=[r.id or 0 for r, _ in records if scope.covers(r.region_id)])


def visible_flags(scope: Scope, flags: Sequence[Flag]) -> list[Flag]:
    """The flags a staff member is shown: a declaration's "not verified" flag only to reviewers (a collector
    who opened a record must not learn from it that the ID number is registered elsewhere)."""
    if scope.staff.role in PERMISSIONS["review.read"]:
        return list(flags)
    return [f for f in flags if f.reason != "unverified"]


def declaration_mark(uow: UnitOfWork, scope: Scope, declaration: Declaration) -> DeclarationMark:
    """A declaration as the caller may see it."""
    person = uow.store.session.get(Person, declaration.person_id)
    return DeclarationMark(id=declaration.id or 0, status=declaration.status, source=declaration.source,
                           opened_at=declaration.created_at,
                           person=person_link(uow, scope, person) if person is not None else None)


def summaries(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], scope: Scope,
              records: Sequence[Record]) -> list[RecordSummary]:
    """Records as lists show them (one query for the change counts of them all)."""
    counts = ChangeStore(uow.store).pending_counts([r.id or 0 for r in records])
    return [_one(uow, questionnaires, scope, r, counts.get(r.id or 0, 0)) for r in records]


def summary(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], scope: Scope, record: Record) -> RecordSummary:
    """One record as lists show it."""
    return summaries(uow, questionnaires, scope, [record])[0]


def _one(uow: UnitOfWork, questionnaires: Mapping[str, Questionnaire], scope: Scope, record: Record,
         pending: int) -> RecordSummary:
    campaign = uow.store.campaigns.get(record.campaign_id)
    subject = ""
    id_number = None
    mark = None
    if record.person_id is not None:
        person = uow.store.people.get(record.person_id)
        subject = mask_name(uow.store.people.name(person) or "")
        id_number = mask_id_number(uow.store.people.id_number(person))
    else:
        declaration = IdentityStore(uow.store).declaration_of(record.id or 0)
        q = questionnaires.get(campaign.questionnaire)
        if declaration is not None and q is not None:
            # its own answers, never the registered person's
            answers = uow.store.records.current_answers(record.id or 0)
            name_q, ident = prefilled(q, "name"), q.identifier
            name = answers.get(name_q.key) if name_q else None
            number = answers.get(ident.key) if ident else None
            subject = mask_name(_text(name.value if name else None))
            id_number = mask_id_number(_text(number.value)) if number and _text(number.value) else None
            if scope.staff.role in PERMISSIONS["review.read"]:  # a collector learns nothing of who else is
                mark = declaration_mark(uow, scope, declaration)
    region = uow.staff.region(record.region_id) if record.region_id else None
    if record.subject_key.startswith("region:") and region is not None:
        subject = region.name
    return RecordSummary(
        id=record.id or 0, campaign=campaign.key, questionnaire=campaign.questionnaire, status=record.status,
        subject=subject, id_number=id_number, region=region.path if region else None,
        open_flags=len(visible_flags(scope, uow.store.records.flags(record.id or 0))), receipt=record.receipt, updated_at=record.updated_at,
        pending_changes=pending, declaration=mark,
    )
