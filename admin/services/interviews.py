"""The collector's console: phone and door-to-door interviews, with speech recognition filling the form.

A collector (or a reviewer or admin) picks a person from the campaign's roster in their region, or
types an ID number, says that the notice was read out and agreed to, and chooses how the interview
is held: by phone or at the door. The interview is an ordinary conversation of the engine on the
channel ``phone`` or ``visit`` whose user id names the collector and the person
(:func:`storage.fieldwork.interview_user`), so every answer is stored with that channel and the
actor ``collector:<staff id>``, and the same questionnaire decides what is asked.

An ID number opens the record of the person it belongs to only when that person lives in the
caller's area. A number nobody has registered creates the person in the collector's region. A
number of a person registered elsewhere, or of one no region places yet, opens a *declaration*
(:meth:`storage.identity.IdentityStore.open_declaration`): a record of its own in the collector's
region, whose interview user id names the record, not the person
(:func:`storage.fieldwork.declaration_interview_user`). Its answer looks exactly like the one for
a number nobody registered: nothing of the registered person shows, and nobody is moved or claimed.

The HTTP routes over these functions (JSON, under ``/api/interviews``, :mod:`admin.api.interviews`):

* ``GET /api/interviews/roster?questionnaire=…`` the roster in the caller's region, masked;
* ``POST /api/interviews`` open (or continue) an interview: 201 with its state;
* ``GET /api/interviews/{id}`` its state; ``POST /api/interviews/{id}/answer`` a typed answer;
* ``POST /api/interviews/{id}/link-code`` a one-time link code for the person interviewed, shown once:
  sent in the person's own chat (绑定 12345678) it links that channel account to them.

The live microphone is a WebSocket on the same path (:mod:`admin.api.interview_live`). The console's
pages (:mod:`admin.console.collect`) call the same functions.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from admin.runtime import Runtime
from admin.services import points as points_service
from admin.services import visits as visits_service
from admin.services.access import Scope, not_found, require, scope_of
from admin.services.summaries import prefilled
from admin.services.uow import UnitOfWork
from bot.dialogue import campaign_of
from bot.grammar import phrases_for
from bot.messages import NEW_RECORD, WELCOME_BACK, Incoming, Reply
from bot.questionnaire import CHOICE_TYPES, QType, Question, Questionnaire
from nlu.idcard import parse_id_number
from nlu.result import NotUnderstood
from storage import casework
from storage.crypto import mask_id_number, mask_name, mask_phone
from storage.errors import Conflict, InvalidInput
from storage.fieldwork import (
    declaration_interview_user,
    get_conversation,
    interview_user,
    parse_interview_user,
    roster_page,
)
from storage.identity import ChallengeKind, DeclarationSource, IdentityStore
from storage.models import Campaign, Person, Record
from storage.repo import NotFound, Store
from storage.staff import Staff
from storage.staff_repo import StaffStore

MODES = {"phone": "电话采集", "visit": "入户采集", "window": "窗口服务"}
MAX_TEXT = 2000
LINK_CODE_TTL = timedelta(minutes=15)
# what the engine says when it opens a person's record in an interview (bot/dialogue): a declaration's
# interview says the same, so that it cannot be told from the interview of a person nobody registered


@dataclass(frozen=True)
class Opening:
    """Open an interview: who (a roster person or an ID number), which questionnaire, how, with consent."""

    questionnaire: str
    mode: Literal["phone", "visit", "window"]
    person_id: int | None
    id_number: str | None
    consent: bool  # the notice was read out to the person and they agreed
    point_id: int | None = None  # mode window: the collection point, one of the caller's


class PersonOut(BaseModel):
    """The person interviewed, as the collector needs them to make the call (ID number masked).

    Name and phone are in clear for a person of the caller's area; ``id`` is the person's roster id
    (as in the roster list) when they are on the campaign's roster there, else null. A declaration
    shows the answers given in it, never those of the person registered under the number.
    """

    id: int | None
    name: str | None
    id_number: str
    phone: str | None
    region: str | None


class QuestionOut(BaseModel):
    """The question asked, for the console's form."""

    key: str
    title: str
    type: str
    options: list[str]
    multiple: bool
    required: bool
    unit: str | None
    help: str | None
    section: str
    voice: Literal["grammar", "free", "none"]  # how a spoken answer to it is recognised


class InterviewOut(BaseModel):
    """The state of an interview."""

    id: int
    questionnaire: str
    title: str
    mode: str
    person: PersonOut
    record_id: int | None
    phase: str
    question: QuestionOut | None
    answered: int
    replies: list[dict[str, Any]]
    voice: bool  # speech recognition is available


class RosterItem(BaseModel):
    """One person of the roster, masked."""

    person_id: int
    name: str | None
    id_number: str
    phone: str | None
    region: str | None
    status: str  # not_started | in_progress | submitted


class RosterOut(BaseModel):
    """A page of the roster."""

    total: int
    items: list[RosterItem]


class LinkCodeOut(BaseModel):
    """A link code for the person interviewed: shown this once, kept only as a digest."""

    code: str
    expires_at: datetime
    message: str  # what the collector reads out


class _OutOfScope(Exception):
    """The person lies outside the staff member's region (answered 404, like a person that does not exist)."""


@dataclass(frozen=True)
class Interview:
    """A collector's interview: its conversation, and the person or (a declaration) the record it fills."""

    conversation_id: int
    channel: str
    user_id: str
    questionnaire: str
    staff_id: int
    person_id: int | None  # None: a declaration, known by its record only
    record_id: int | None


# -- helpers shared by the routes and the socket ----------------------------------------------


def _questionnaire(rt: Runtime, name: str) -> Questionnaire:
    q = rt.questionnaires.get(name)
    if q is None:
        raise InvalidInput(f"no questionnaire named {name!r}")
    if q.subject.kind != "person":
        raise InvalidInput(f"questionnaire {name!r} is about villages, not persons; "
                           "it is filled in the chat")
    return q


def voice_mode(rt: Runtime, q: Question | None) -> Literal["grammar", "free", "none"]:
    """How a spoken answer to ``q`` is recognised here."""
    if rt.transcriber is None or q is None:
        return "none"
    return "grammar" if phrases_for(q) else "free"


def question_out(rt: Runtime, q: Questionnaire, key: str | None) -> QuestionOut | None:
    """The form description of a question."""
    if key is None or key not in q.by_key:
        return None
    question = q.by_key[key]
    if question.type in CHOICE_TYPES:
        options = [o.label for o in question.options]
    elif question.type == QType.YES_NO:
        options = ["是", "否"]
    else:
        options = []
    return QuestionOut(
        key=key, title=question.title, type=question.type.value, options=options,
        multiple=question.type == QType.MULTI, required=question.required, unit=question.unit,
        help=question.help or None, section=q.section_of[key].title, voice=voice_mode(rt, question),
    )


def home_region(store: Store, campaign_id: int, person: Person) -> int | None:
    """Where a person belongs for a campaign: their roster entry's region, else their own."""
    roster = store.campaigns.roster_entry(campaign_id, person.id or 0)
    return roster.region_id if roster and roster.region_id else person.region_id


def _person_out(store: Store, scope: Scope, campaign_id: int, person: Person, region_path: str | None) -> PersonOut:
    in_area = scope.covers(home_region(store, campaign_id, person))
    name, phone = store.people.name(person), store.people.phone(person)
    if not in_area:  # moved out of the caller's area since the interview began
        name, phone = (mask_name(name) if name else None), (mask_phone(phone) if phone else None)
    on_roster = store.campaigns.roster_entry(campaign_id, person.id or 0) is not None
    return PersonOut(id=person.id if in_area and on_roster else None, name=name,
                     id_number=mask_id_number(store.people.id_number(person)), phone=phone, region=region_path)


def _declared_out(store: Store, q: Questionnaire, record_id: int, region_path: str | None) -> PersonOut:
    """The person of a declaration as its own answers give them (what a new person's record would show)."""
    answers = store.records.current_answers(record_id)

    def given(question: Question | None) -> str | None:
        answer = answers.get(question.key) if question is not None else None
        return answer.value if answer is not None and isinstance(answer.value, str) and answer.value else None

    number = given(q.identifier)
    return PersonOut(id=None, name=given(prefilled(q, "name")), id_number=mask_id_number(number or ""),
                     phone=given(prefilled(q, "phone")), region=region_path)


def interview_state(rt: Runtime, store: Store, scope: Scope, interview: Interview, replies: list[Reply]) -> InterviewOut:
    """The interview's state after a turn."""
    q = rt.questionnaires[interview.questionnaire]
    pending = rt.engine.pending(store, interview.channel, interview.user_id)
    conv = get_conversation(store, interview.conversation_id)
    record_id = conv.record_id if conv is not None else interview.record_id
    assert record_id is not None  # an interview opens its record at once
    record = store.records.get(record_id)
    answered = len(store.records.current_answers(record_id))
    region = StaffStore(store.session).region(record.region_id) if record.region_id else None
    region_path = region.path if region else None
    if interview.person_id is None:
        person = _declared_out(store, q, record_id, region_path)
    else:
        person = _person_out(store, scope, record.campaign_id, store.people.get(interview.person_id), region_path)
    return InterviewOut(
        id=interview.conversation_id, questionnaire=q.name, title=q.campaign.title or q.title,
        mode=interview.channel, person=person, record_id=record_id,
        phase=pending.phase, question=question_out(rt, q, pending.question), answered=answered,
        replies=[r.to_dict() for r in replies], voice=rt.transcriber is not None,
    )


def find_interview(store: Store, staff: Staff, scope: Scope, conversation_id: int) -> Interview | None:
    """The caller's own interview with this id, if its record lies in their region."""
    conv = get_conversation(store, conversation_id)
    if conv is None or conv.channel not in MODES:
        return None
    owner = parse_interview_user(conv.channel_user_id)
    if owner is None or owner.staff_id != staff.id:
        return None
    if owner.record_id is not None and conv.record_id != owner.record_id:
        return None
    if conv.record_id is not None and not scope.covers(store.records.get(conv.record_id).region_id):
        return None
    return Interview(conv.id or 0, conv.channel, conv.channel_user_id, conv.questionnaire, owner.staff_id,
                     owner.person_id, conv.record_id)


def visible_interview(uow: UnitOfWork, staff: Staff, interview_id: int) -> Interview:
    require(uow.staff, staff, "collect")
    found = find_interview(uow.store, staff, scope_of(uow.staff, staff), interview_id)
    if found is None:
        raise not_found(uow.staff, staff, "interview", interview_id)
    return found


def incoming(interview: Interview, staff: Staff, text: str, **extra: Any) -> Incoming:
    return Incoming(channel=interview.channel, user_id=interview.user_id, text=text,
                    actor=f"collector:{staff.id}", message_id=extra.pop("message_id", None) or uuid.uuid4().hex,
                    **extra)


# -- opening an interview ---------------------------------------------------------------------


def _declaration(store: Store, staff: Staff, mode: str, q: Questionnaire, campaign: Campaign, person: Person,
                 number: str) -> tuple[Record, bool]:
    """The collector's declaration under a registered person's number in this campaign, or a new one
    (as a number nobody registered opens the same new person's record every time)."""
    opened_by = f"collector:{staff.id}"
    found = casework.declaration_by(store.session, person.id or 0, campaign.id or 0, opened_by)
    if found is not None:
        return found, False
    ident = q.identifier
    assert ident is not None  # every person questionnaire has one
    record = IdentityStore(store).open_declaration(
        campaign, person, source=DeclarationSource.COLLECTOR, channel=mode, opened_by=opened_by,
        region_id=staff.region_id, flag_key=ident.key)
    # the number the collector was given is the declaration's own answer, as for a person nobody registered
    store.records.save_answer(record, ident.key, number, raw=None, confidence=1.0, status="new", channel=mode,
                      actor=opened_by, sensitive=ident.sensitive)
    return record, True


def _open(rt: Runtime, staff: Staff, scope: Scope, body: Opening, q: Questionnaire,
          number: str | None) -> InterviewOut:
    """Find or create the person (or open a declaration) and open the interview, in one unit of work."""

    def work(store: Store) -> InterviewOut:
        campaign = campaign_of(store, q, rt.settings.campaign_year)
        now = datetime.now(UTC)
        subject: Person | Record
        created = False
        if body.person_id is not None:
            try:
                subject = store.people.get(body.person_id)
            except NotFound:
                raise _OutOfScope from None
            if not scope.covers(home_region(store, campaign.id or 0, subject)):
                raise _OutOfScope
        else:
            assert number is not None
            found = store.people.find(number)
            home = home_region(store, campaign.id or 0, found) if found is not None else None
            if found is None:
                subject = store.people.create(number, source="collector", region_id=staff.region_id)
            elif home is not None and scope.covers(home):
                subject = found
            else:  # registered elsewhere, or placed nowhere: touch nothing of theirs, show nothing of them
                record, created = _declaration(store, staff, body.mode, q, campaign, found, number)
                subject = record
        if isinstance(subject, Person):
            user = interview_user(staff.id or 0, subject.id or 0)
            replies = rt.engine.begin_interview(store, body.mode, user, q.name, subject, now)
        else:
            user = declaration_interview_user(staff.id or 0, subject.id or 0)
            fresh = store.conversations.find(body.mode, user) is None
            replies = rt.engine.begin_interview(store, body.mode, user, q.name, subject, now)
            if fresh:  # said as the engine says it when it opens a person's record
                replies = [Reply(NEW_RECORD if created else WELCOME_BACK), *replies]
        conv = store.conversations.find(body.mode, user)
        assert conv is not None and conv.id is not None
        if isinstance(subject, Person) and conv.record_id is not None:
            record = store.records.get(conv.record_id)
            if record.region_id is None:  # begun before anyone placed the person: where they are now
                record.region_id = home_region(store, campaign.id or 0, subject)
                store.session.add(record)
        interview = Interview(conv.id, body.mode, user, q.name, staff.id or 0,
                              subject.id if isinstance(subject, Person) else None, conv.record_id)
        StaffStore(store.session).audit("interview_open", staff=staff, target_type="record",
                                        target_id=conv.record_id, detail=f"{body.mode} {q.name}")
        return interview_state(rt, store, scope, interview, replies)

    return rt.chat.within(work)


# -- what the routes and the console's pages call -----------------------------------------------


def roster(uow: UnitOfWork, rt: Runtime, staff: Staff, questionnaire: str, limit: int, offset: int) -> RosterOut:
    """The people of a campaign's roster in the caller's region (masked), the ones not yet done first."""
    require(uow.staff, staff, "collect")
    q = _questionnaire(rt, questionnaire)
    campaign = uow.store.campaigns.by_key(f"{q.name}-{rt.settings.campaign_year}")
    if campaign is None:  # nothing imported and nobody collected yet
        return RosterOut(total=0, items=[])
    scope = scope_of(uow.staff, staff)
    total, rows = roster_page(uow.store, campaign.id or 0, scope.region_ids, limit=limit, offset=offset)
    uow.staff.audit("roster_read", staff=staff, target_type="campaign", target_id=campaign.key,
                    detail=f"{len(rows)} rows")
    return RosterOut(total=total, items=[RosterItem(
        person_id=r.person_id, name=mask_name(r.name) if r.name else None, id_number=mask_id_number(r.id_number),
        phone=mask_phone(r.phone) if r.phone else None, region=r.region_path,
        status=r.record_status or "not_started") for r in rows])


def open_interview(uow: UnitOfWork, rt: Runtime, staff: Staff, body: Opening) -> InterviewOut:
    """Open (or continue) an interview of a roster person or of the person with an ID number."""
    require(uow.staff, staff, "collect")
    q = _questionnaire(rt, body.questionnaire)
    if not body.consent:
        raise InvalidInput("consent is required: read the notice out to the person "
                           "and record their agreement first")
    if (body.person_id is None) == (body.id_number is None):
        raise InvalidInput("give exactly one of person_id and id_number")
    number = None
    if body.id_number is not None:
        parsed = parse_id_number(body.id_number, datetime.now(UTC).date())
        if isinstance(parsed, NotUnderstood):
            raise InvalidInput(f"id_number is not a valid ID number ({parsed.reason})")
        number = str(parsed.value.number)
    scope = scope_of(uow.staff, staff)
    point = points_service.check_window(uow, staff, body.point_id) if body.mode == "window" else None
    try:
        out = _open(rt, staff, scope, body, q, number)
    except _OutOfScope:
        raise not_found(uow.staff, staff, "person", body.person_id or "by-id-number") from None
    if point is not None:
        points_service.open_window(uow, staff, point, out.id, out.record_id)
    visits_service.interview_opened(uow, out.record_id)
    return out


def read_interview(uow: UnitOfWork, rt: Runtime, staff: Staff, interview_id: int) -> InterviewOut:
    """The state of one of the caller's interviews, with the pending prompt."""
    interview = visible_interview(uow, staff, interview_id)
    scope = scope_of(uow.staff, staff)
    return rt.chat.within(lambda store: interview_state(
        rt, store, scope, interview, rt.engine.resume(store, interview.channel, interview.user_id)))


def answer(uow: UnitOfWork, rt: Runtime, staff: Staff, interview_id: int, text: str,
           message_id: str | None) -> InterviewOut:
    """A typed answer, correction or control phrase; a repeated message_id stores nothing twice."""
    interview = visible_interview(uow, staff, interview_id)
    scope = scope_of(uow.staff, staff)
    replies = rt.chat.handle(incoming(interview, staff, text.strip(), message_id=message_id))
    return rt.chat.within(lambda store: interview_state(rt, store, scope, interview, replies))


def link_code(uow: UnitOfWork, staff: Staff, interview_id: int) -> LinkCodeOut:
    """A link code for the person interviewed (8 digits, 15 minutes): sent in their own chat, it links it to them.

    Only for a person of the caller's area, never for a declaration; a new code retires the person's
    earlier ones. The code is shown this once and kept only as a digest; the audit log never holds it.
    """
    interview = visible_interview(uow, staff, interview_id)
    if interview.person_id is None:
        raise Conflict("link codes are made for a registered person of your area, "
                       "not for a declaration")
    person = casework.lock_person(uow.store.session, interview.person_id)  # one new code at a time per person
    record = uow.store.records.get(interview.record_id) if interview.record_id is not None else None
    home = home_region(uow.store, record.campaign_id, person) if person and record else None
    if person is None or not scope_of(uow.staff, staff).covers(home):
        raise not_found(uow.staff, staff, "person", interview.person_id)
    identity = IdentityStore(uow.store)
    now = datetime.now(UTC)
    identity.retire_challenges(person.id or 0, ChallengeKind.LINK, now)
    code = f"{secrets.randbelow(10**8):08d}"
    while identity.link_challenge(code, now) is not None:  # another person's live code: never two alike
        code = f"{secrets.randbelow(10**8):08d}"
    expires = now + LINK_CODE_TTL
    identity.add_challenge(person.id or 0, ChallengeKind.LINK, code, expires, staff_id=staff.id)
    uow.staff.audit("link_code", staff=staff, target_type="person", target_id=person.id,
                    detail=f"valid {int(LINK_CODE_TTL.total_seconds() // 60)} minutes; earlier link codes retired")
    minutes = int(LINK_CODE_TTL.total_seconds() // 60)
    return LinkCodeOut(code=code, expires_at=expires,
                       message=f"绑定码 {code}，{minutes}分钟内有效。请对方在微信或网页里发送：绑定 {code}")
