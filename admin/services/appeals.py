"""Appeals (诉求) as hotline staff handle them: which appeal a caller may see, and its thread's steps.

An appeal outside the caller's area is :class:`NotFound` (audited), a step on a closed appeal
:class:`Conflict`, an assignee outside the area :class:`InvalidInput`.
"""

from __future__ import annotations

from admin.services.access import Scope, not_found
from admin.services.uow import UnitOfWork
from nlu.appeals import classify_appeal
from storage.errors import Conflict, InvalidInput
from storage.models import Appeal, Person
from storage.staff import Staff


def visible(uow: UnitOfWork, staff: Staff, scope: Scope, appeal_id: int) -> Appeal:
    """An appeal of the caller's area, or NotFound (audited)."""
    appeal = uow.store.appeals.get(appeal_id)
    if appeal is None or not scope.covers(appeal.region_id):
        raise not_found(uow.staff, staff, "appeal", appeal_id)
    return appeal


def caller_in_area(uow: UnitOfWork, scope: Scope, id_number: str) -> Person | None:
    """The person an ID number identifies, only when they live in the caller's area (no one else's data leaks)."""
    person = uow.store.people.find(id_number)
    if person is None or not scope.covers(person.region_id):
        return None
    return person


def take_call(uow: UnitOfWork, staff: Staff, scope: Scope, text: str, category: str | None,
              id_number: str | None) -> Appeal:
    """File an appeal from a hotline call, linked to the person when their (valid) ID number is in the area."""
    person = caller_in_area(uow, scope, id_number) if id_number else None
    region_id = person.region_id if person and person.region_id else staff.region_id
    appeal = uow.store.appeals.create(source="hotline", text=text, category=category or classify_appeal(text).value,
                                     channel="phone", person_id=person.id if person else None, region_id=region_id)
    uow.staff.audit("create_appeal", staff=staff, target_type="appeal", target_id=appeal.id)
    return appeal


def assign(uow: UnitOfWork, staff: Staff, scope: Scope, appeal_id: int, username: str) -> Appeal:
    """Give the appeal to a staff member of the same area."""
    appeal = visible(uow, staff, scope, appeal_id)
    assignee = uow.staff.by_username(username)
    if assignee is None or not scope.covers(assignee.region_id):
        raise InvalidInput(f"no staff member {username!r} in your area")
    appeal.assignee_id = assignee.id
    appeal.status = "assigned"
    uow.store.appeals.add(appeal)
    uow.store.appeals.add_note(appeal, f"assigned to {assignee.username}", "status", staff.id)
    uow.staff.audit("assign_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return appeal


def add_note(uow: UnitOfWork, staff: Staff, scope: Scope, appeal_id: int, text: str) -> Appeal:
    """Add a note to the thread; the appeal is then in progress."""
    appeal = visible(uow, staff, scope, appeal_id)
    if appeal.status == "closed":
        raise Conflict("the appeal is closed")
    uow.store.appeals.add_note(appeal, text, "note", staff.id)
    if appeal.status in ("new", "assigned"):
        appeal.status = "in_progress"
        uow.store.appeals.add(appeal)
    uow.staff.audit("note_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return appeal


def answer(uow: UnitOfWork, staff: Staff, scope: Scope, appeal_id: int, text: str) -> Appeal:
    """Answer the person: the text is queued to the channel they used (chat appeals)."""
    appeal = visible(uow, staff, scope, appeal_id)
    if appeal.status == "closed":
        raise Conflict("the appeal is closed")
    uow.store.appeals.add_note(appeal, text, "answer", staff.id)
    if appeal.channel and appeal.channel_user_id:
        uow.store.outbox.queue(appeal.channel, appeal.channel_user_id, text)
    appeal.status = "answered"
    uow.store.appeals.add(appeal)
    uow.staff.audit("answer_appeal", staff=staff, target_type="appeal", target_id=appeal_id,
                    detail="queued to " + (appeal.channel or "nobody"))
    return appeal


def close(uow: UnitOfWork, staff: Staff, scope: Scope, appeal_id: int) -> Appeal:
    """Close the appeal."""
    appeal = visible(uow, staff, scope, appeal_id)
    appeal.status = "closed"
    uow.store.appeals.add(appeal)
    uow.store.appeals.add_note(appeal, "closed", "status", staff.id)
    uow.staff.audit("close_appeal", staff=staff, target_type="appeal", target_id=appeal_id)
    return appeal
