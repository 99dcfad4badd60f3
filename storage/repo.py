"""The store: every read and write the bot and the admin side make, in one unit of work.

A :class:`Store` wraps one SQLModel session and the :class:`~storage.crypto.Vault`; it seals
sensitive values on the way in and opens them on the way out, so callers never handle
ciphertext. Values are JSON-serialisable (the bot encodes dates and quantities).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import errors
from storage.crypto import Vault, is_sealed_text
from storage.errors import IntakeError
from storage.models import (
    Answer,
    Appeal,
    AppealNote,
    AppealRecording,
    Blob,
    Campaign,
    ChannelAccount,
    Conversation,
    Flag,
    InboundMessage,
    Outbox,
    Person,
    Record,
    Region,
    RosterEntry,
    WorkflowEvent,
    utcnow,
)
from storage.upsert import insert_ignore

APPEAL_DAYS = 15  # an appeal should be answered within this many days


class StorageError(IntakeError):
    """Base of the storage exceptions."""


class NotFound(StorageError, errors.NotFound):
    """A row that was asked for does not exist."""


class DuplicateMessage(StorageError, errors.Conflict):
    """A channel message with this key was already taken by a concurrent request."""


@dataclass(frozen=True)
class OutboxItem:
    """A waiting message for a person, opened, as the dispatcher sends it."""

    id: int
    channel: str
    channel_user_id: str
    text: str


@dataclass(frozen=True)
class StoredAnswer:
    """The current version of an answer, opened."""

    answer_id: int
    key: str
    value: Any
    raw: str | None
    confidence: float
    status: str
    channel: str
    actor: str
    version: int
    created_at: datetime
    blob_id: int | None = None
    reason: str | None = None


class Store:
    """Repository over one session; commit is the caller's (see ``storage.db.session_scope``)."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault
        self._held: list[object] = []  # rows loaded ahead of need, kept alive for the session's identity map
        # the questions of a record that have a current answer row (cleared ones too), as read by
        # current_answers in this session: saving a first answer then needs no UPDATE of a previous one
        self._current_keys: dict[int, set[str]] = {}
        # the channel users whose conversation, as read in this session, had no message waiting
        self._no_outbox: set[tuple[str, str]] = set()

    # -- channel accounts and persons -------------------------------------------------

    def account(self, channel: str, channel_user_id: str) -> ChannelAccount:
        """The account of a channel user, created on first contact."""
        acc = self.session.exec(
            select(ChannelAccount).where(
                ChannelAccount.channel == channel, ChannelAccount.channel_user_id == channel_user_id
            )
        ).first()
        if acc is None:
            acc = ChannelAccount(channel=channel, channel_user_id=channel_user_id)
            self.session.add(acc)
            self.session.flush()
        return acc

    def link_account(self, account: ChannelAccount, person: Person) -> None:
        """Tie a channel account to the person it belongs to."""
        account.person_id = person.id
        account.last_seen_at = utcnow()
        self.session.add(account)

    def id_index(self, id_number: str) -> str:
        """The blind index of an ID number."""
        return self.vault.blind_index(id_number.upper(), "id")

    def find_person(self, id_number: str) -> Person | None:
        """The person with this ID number, if known (indexed under any key of the keyring)."""
        candidates = self.vault.blind_indexes(id_number.upper(), "id")
        return self.session.exec(select(Person).where(col(Person.id_index).in_(candidates))).first()

    def create_person(
        self,
        id_number: str,
        *,
        source: str = "self",
        name: str | None = None,
        phone: str | None = None,
        region_id: int | None = None,
    ) -> Person:
        """Create a person; the ID number, name and phone are sealed."""
        person = Person(
            id_index=self.id_index(id_number),
            id_number_enc=self.vault.seal(id_number.upper()),
            name_enc=self.vault.seal(name) if name else None,
            phone_enc=self.vault.seal(phone) if phone else None,
            region_id=region_id,
            source=source,
        )
        self.session.add(person)
        self.session.flush()
        return person

    def update_person(
        self, person: Person, *, name: str | None = None, phone: str | None = None, region_id: int | None = None
    ) -> None:
        """Update a person's sealed contact data where new values are given."""
        if name:
            person.name_enc = self.vault.seal(name)
        if phone:
            person.phone_enc = self.vault.seal(phone)
        if region_id is not None:
            person.region_id = region_id
        self.session.add(person)

    def person_id_number(self, person: Person) -> str:
        """The person's ID number in clear."""
        return self.vault.open(person.id_number_enc)

    def person_name(self, person: Person) -> str | None:
        """The person's name in clear, if known."""
        return self.vault.open(person.name_enc) if person.name_enc else None

    def person_phone(self, person: Person) -> str | None:
        """The person's phone number in clear, if known."""
        return self.vault.open(person.phone_enc) if person.phone_enc else None

    def get_person(self, person_id: int) -> Person:
        """A person by id."""
        person = self.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"person {person_id}")
        return person

    # -- campaigns and roster ---------------------------------------------------------

    def ensure_campaign(
        self, questionnaire: str, version: str, year: int, title: str, reference_date: date | None
    ) -> Campaign:
        """The campaign of a questionnaire in a year, created if missing (safe when first conversations race)."""
        key = f"{questionnaire}-{year}"
        campaign = self.campaign_by_key(key)
        if campaign is None:
            new = Campaign(key=key, questionnaire=questionnaire, questionnaire_version=version, year=year,
                           title=title, reference_date=reference_date)
            # INSERT … ON CONFLICT DO NOTHING: a concurrent first conversation may create it at the same time
            insert_ignore(self.session, Campaign.__table__, ["key"], new.model_dump(exclude={"id"}))  # type: ignore[attr-defined]
            campaign = self.campaign_by_key(key)
            assert campaign is not None
        return campaign

    def campaign_by_key(self, key: str) -> Campaign | None:
        """A campaign by its key such as ``veterans-2026``."""
        return self.session.exec(select(Campaign).where(Campaign.key == key)).first()

    def get_campaign(self, campaign_id: int) -> Campaign:
        """A campaign by id."""
        campaign = self.session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(f"campaign {campaign_id}")
        return campaign

    def roster_entry(self, campaign_id: int, person_id: int) -> RosterEntry | None:
        """The roster entry of a person in a campaign."""
        return self.session.exec(
            select(RosterEntry).where(RosterEntry.campaign_id == campaign_id, RosterEntry.person_id == person_id)
        ).first()

    def put_roster_entry(
        self, campaign_id: int, person: Person, region_id: int | None, prefill: dict[str, str]
    ) -> tuple[RosterEntry, bool]:
        """Create or update the roster entry of a person; returns (entry, created)."""
        entry = self.roster_entry(campaign_id, person.id or 0)
        created = entry is None
        if entry is None:
            entry = RosterEntry(campaign_id=campaign_id, person_id=person.id or 0)
        entry.region_id = region_id
        entry.prefill_enc = self.vault.seal_json(prefill) if prefill else None
        entry.imported_at = utcnow()
        self.session.add(entry)
        self.session.flush()
        return entry, created

    def roster_prefill(self, entry: RosterEntry) -> dict[str, str]:
        """The values the roster holds for a person (question key -> raw text)."""
        return dict(self.vault.open_json(entry.prefill_enc)) if entry.prefill_enc else {}

    def previous_values(self, person_id: int, questionnaire: str, before_year: int) -> dict[str, Any]:
        """The current answers of the person's latest submitted record of an earlier campaign."""
        row = self.session.exec(
            select(Record)
            .join(Campaign, col(Campaign.id) == col(Record.campaign_id))
            .where(
                Record.person_id == person_id,
                Campaign.questionnaire == questionnaire,
                Campaign.year < before_year,
                Record.status == "submitted",
            )
            .order_by(col(Campaign.year).desc())
        ).first()
        if row is None or row.id is None:
            return {}
        return {k: a.value for k, a in self.current_answers(row.id).items() if a.value is not None}

    # -- records and answers ----------------------------------------------------------

    def record_for(
        self,
        campaign: Campaign,
        subject_key: str,
        *,
        channel: str,
        person_id: int | None = None,
        region_id: int | None = None,
    ) -> tuple[Record, bool]:
        """The record of a subject in a campaign, created if missing; returns (record, created)."""
        record = self.session.exec(
            select(Record).where(Record.campaign_id == campaign.id, Record.subject_key == subject_key)
        ).first()
        if record is not None:
            return record, False
        record = Record(
            campaign_id=campaign.id or 0,
            subject_key=subject_key,
            person_id=person_id,
            region_id=region_id,
            first_channel=channel,
            form_version_id=campaign.form_version_id,  # begun under the campaign's version (storage.forms)
        )
        self.session.add(record)
        self.session.flush()
        return record, True

    def get_record(self, record_id: int) -> Record:
        """A record by id."""
        record = self.session.get(Record, record_id)
        if record is None:
            raise NotFound(f"record {record_id}")
        return record

    def current_answers(self, record_id: int) -> dict[str, StoredAnswer]:
        """The current version of every answer of a record (cleared answers left out)."""
        rows = self.session.exec(
            select(Answer).where(Answer.record_id == record_id, col(Answer.is_current).is_(True))
        ).all()
        self._current_keys[record_id] = {a.question_key for a in rows}
        return {a.question_key: self._open(a) for a in rows if a.status != "cleared"}

    def current_answers_for(self, record_ids: Sequence[int]) -> dict[int, dict[str, StoredAnswer]]:
        """Current answers of many records in one query (exports, statistics)."""
        result: dict[int, dict[str, StoredAnswer]] = {rid: {} for rid in record_ids}
        if not record_ids:
            return result
        rows = self.session.exec(
            select(Answer).where(col(Answer.record_id).in_(list(record_ids)), col(Answer.is_current).is_(True))
        ).all()
        for a in rows:
            if a.status != "cleared":
                result[a.record_id][a.question_key] = self._open(a)
        return result

    def record_ids_in(
        self, region_ids: frozenset[int] | None, campaign_id: int, status: str | None = None,
        *, after: int = 0, limit: int | None = None,
    ) -> list[int]:
        """Ids of a campaign's records in the given regions, in id order; ``after``/``limit`` page through them."""
        query = select(Record.id).where(Record.campaign_id == campaign_id, col(Record.id) > after)
        if region_ids is not None:
            query = query.where(col(Record.region_id).in_(sorted(region_ids)))
        if status is not None:
            query = query.where(Record.status == status)
        query = query.order_by(col(Record.id))
        if limit is not None:
            query = query.limit(limit)
        return [rid for rid in self.session.exec(query).all() if rid is not None]

    def records_by_ids(self, record_ids: Sequence[int]) -> list[Record]:
        """Records by id, in id order."""
        if not record_ids:
            return []
        return list(self.session.exec(select(Record).where(col(Record.id).in_(list(record_ids)))
                                      .order_by(col(Record.id))).all())

    def answer_history(self, record_id: int, key: str | None = None) -> list[StoredAnswer]:
        """Every version of a record's answers (of one question if given), oldest first."""
        query = select(Answer).where(Answer.record_id == record_id)
        if key is not None:
            query = query.where(Answer.question_key == key)
        rows = self.session.exec(query.order_by(col(Answer.id))).all()
        return [self._open(a) for a in rows]

    def _open(self, a: Answer) -> StoredAnswer:
        if a.value_enc is not None:
            value = self.vault.open_json(a.value_enc)
        elif a.value_json is not None:
            value = json.loads(a.value_json)
        else:
            value = None
        return StoredAnswer(
            answer_id=a.id or 0,
            key=a.question_key,
            value=value,
            raw=self.vault.open(a.raw_enc) if a.raw_enc else None,
            confidence=a.confidence,
            status=a.status,
            channel=a.channel,
            actor=a.actor,
            version=a.version,
            created_at=a.created_at,
            blob_id=a.blob_id,
            reason=a.reason,
        )

    def save_answer(
        self,
        record: Record,
        key: str,
        value: Any,
        *,
        raw: str | None,
        confidence: float,
        status: str,
        channel: str,
        actor: str,
        sensitive: bool = True,
        message_id: str | None = None,
        blob_id: int | None = None,
        reason: str | None = None,
    ) -> Answer:
        """Append a new version of an answer; the previous version stays, no longer current.

        The value is sealed unless ``sensitive`` is False (a coded value a questionnaire keeps in
        clear for statistics: ``Question.sensitive``); the raw text is always sealed.
        """
        known = self._current_keys.get(record.id or 0)
        if known is not None and key not in known:
            previous: Sequence[int] = []  # no current row for this question (read in this session)
        else:
            # one statement marks the previous version (if any) no longer current and tells its number
            previous = self._retire(record.id or 0, key)
        if known is not None:
            known.add(key)
        version = max(previous, default=0) + 1
        answer = Answer(
            record_id=record.id or 0,
            question_key=key,
            version=version,
            value_json=None if sensitive or value is None else json.dumps(value, ensure_ascii=False),
            value_enc=self.vault.seal_json(value) if sensitive and value is not None else None,
            raw_enc=self.vault.seal(raw) if raw else None,
            confidence=confidence,
            status=status,
            channel=channel,
            actor=actor,
            message_id=message_id,
            blob_id=blob_id,
            reason=reason,
            form_version_id=record.form_version_id,  # asked with the record's version (storage.forms)
        )
        self.session.add(answer)
        record.updated_at = utcnow()
        self.session.add(record)
        self.session.flush()
        return answer

    def _retire(self, record_id: int, key: str) -> Sequence[int]:
        """Mark the current answer of a question (if any) no longer current; its version number."""
        versions = self.session.execute(
            update(Answer)
            .where(col(Answer.record_id) == record_id, col(Answer.question_key) == key, col(Answer.is_current).is_(True))
            .values(is_current=False)
            .returning(col(Answer.version))
            .execution_options(synchronize_session=False)
        ).scalars().all()
        for stale in self.session.identity_map.values():  # answers of this key already loaded: not current now
            if isinstance(stale, Answer) and stale.record_id == record_id and stale.question_key == key:
                set_committed_value(stale, "is_current", False)
        return versions

    def add_flag(self, record: Record, key: str, reason: str, detail: str, answer_id: int | None) -> Flag:
        """Flag an answer for review."""
        flag = Flag(record_id=record.id or 0, answer_id=answer_id, question_key=key, reason=reason, detail=detail)
        self.session.add(flag)
        self.session.flush()
        return flag

    def flags(self, record_id: int, status: str | None = "open") -> Sequence[Flag]:
        """The flags of a record."""
        query = select(Flag).where(Flag.record_id == record_id)
        if status is not None:
            query = query.where(Flag.status == status)
        return self.session.exec(query.order_by(col(Flag.id))).all()

    def records_in(
        self,
        region_ids: frozenset[int] | None,
        *,
        campaign_id: int | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Record], int]:
        """A page of records placed in the given regions (all when None), newest first, and the total."""
        query = select(Record)
        if region_ids is not None:
            query = query.where(col(Record.region_id).in_(sorted(region_ids)))
        if campaign_id is not None:
            query = query.where(Record.campaign_id == campaign_id)
        if status is not None:
            query = query.where(Record.status == status)
        total = int(self.session.exec(select(func.count()).select_from(query.subquery())).one())
        rows = self.session.exec(query.order_by(col(Record.updated_at).desc(), col(Record.id).desc())
                                 .limit(limit).offset(offset)).all()
        return list(rows), total

    def open_flags_in(
        self,
        region_ids: frozenset[int] | None,
        *,
        questionnaire: str | None = None,
        question: str | None = None,
        reason: str | None = None,
        limit: int = 100,
    ) -> list[tuple[Flag, Record, Campaign]]:
        """Open flags of records in the given regions, oldest first, with their record and campaign."""
        query = (
            select(Flag, Record, Campaign)
            .join(Record, col(Record.id) == col(Flag.record_id))
            .join(Campaign, col(Campaign.id) == col(Record.campaign_id))
            .where(Flag.status == "open")
        )
        if region_ids is not None:
            query = query.where(col(Record.region_id).in_(sorted(region_ids)))
        if questionnaire:
            query = query.where(Campaign.questionnaire == questionnaire)
        if question:
            query = query.where(Flag.question_key == question)
        if reason:
            query = query.where(Flag.reason == reason)
        return [tuple(row) for row in self.session.exec(query.order_by(col(Flag.id)).limit(limit)).all()]  # type: ignore[misc]

    def progress_counts(self, region_ids: Sequence[int] | None, campaign_id: int) -> dict[str, int]:
        """Roster size, records started and submitted, records with a home visit, open flags, in regions."""

        def within(column: Any) -> Any:
            return col(column).in_(list(region_ids)) if region_ids is not None else True

        roster = self.session.exec(select(func.count()).select_from(RosterEntry).where(
            RosterEntry.campaign_id == campaign_id, within(RosterEntry.region_id))).one()
        started = self.session.exec(select(func.count()).select_from(Record).where(
            Record.campaign_id == campaign_id, within(Record.region_id))).one()
        submitted = self.session.exec(select(func.count()).select_from(Record).where(
            Record.campaign_id == campaign_id, Record.status == "submitted", within(Record.region_id))).one()
        visited = self.session.exec(select(func.count(func.distinct(Answer.record_id))).select_from(Answer)
                                    .join(Record, col(Record.id) == col(Answer.record_id)).where(
            Record.campaign_id == campaign_id, Answer.channel == "visit", within(Record.region_id))).one()
        flags = self.session.exec(select(func.count()).select_from(Flag)
                                  .join(Record, col(Record.id) == col(Flag.record_id)).where(
            Record.campaign_id == campaign_id, Flag.status == "open", within(Record.region_id))).one()
        return {"roster": int(roster), "started": int(started), "submitted": int(submitted),
                "visited": int(visited), "open_flags": int(flags)}

    def children(self, region_id: int) -> list[Region]:
        """The regions directly under a region."""
        return list(self.session.exec(select(Region).where(Region.parent_id == region_id)
                                      .order_by(col(Region.id))).all())

    def move_record(
        self, record: Record, action: str, to_stage: str | None, staff_id: int | None, reason: str = ""
    ) -> WorkflowEvent:
        """Record a workflow step (and change the record's stage when ``to_stage`` is given)."""
        event = WorkflowEvent(record_id=record.id or 0, action=action, from_stage=record.stage, to_stage=to_stage,
                              staff_id=staff_id, reason=reason)
        if to_stage is not None:
            record.stage = to_stage
            record.updated_at = utcnow()
            self.session.add(record)
        self.session.add(event)
        self.session.flush()
        return event

    def workflow_events(self, record_ids: Sequence[int]) -> list[WorkflowEvent]:
        """The workflow steps of records, oldest first."""
        if not record_ids:
            return []
        return list(self.session.exec(select(WorkflowEvent).where(col(WorkflowEvent.record_id).in_(list(record_ids)))
                                      .order_by(col(WorkflowEvent.id))).all())

    def records_at_stage(
        self, region_ids: Sequence[int] | frozenset[int] | None, campaign_id: int, stage: str
    ) -> list[Record]:
        """Submitted records of a campaign at a workflow stage, in id order."""
        query = select(Record).where(Record.campaign_id == campaign_id, Record.stage == stage)
        if region_ids is not None:
            query = query.where(col(Record.region_id).in_(list(region_ids)))
        return list(self.session.exec(query.order_by(col(Record.id))).all())

    def get_flag(self, flag_id: int) -> Flag | None:
        """A flag by id."""
        return self.session.get(Flag, flag_id)

    def resolve_flags(self, record_id: int, key: str, by: str, flag_id: int | None = None) -> int:
        """Close the open flags of a question (or one flag); returns how many were closed."""
        query = select(Flag).where(Flag.record_id == record_id, Flag.question_key == key, Flag.status == "open")
        if flag_id is not None:
            query = query.where(Flag.id == flag_id)
        else:  # a declaration's "not verified" flag is closed by its own decision only (merge or dismiss)
            query = query.where(Flag.reason != "unverified")
        flags = self.session.exec(query).all()
        for flag in flags:
            flag.status = "resolved"
            flag.resolved_at = utcnow()
            flag.resolved_by = by
            self.session.add(flag)
        self.session.flush()
        return len(flags)

    def submit(self, record: Record, year: int) -> str:
        """Mark a record submitted and give it a receipt number (kept if it already has one)."""
        if record.receipt is None:
            while True:
                receipt = f"{year}{secrets.randbelow(10**8):08d}"
                exists = self.session.exec(select(Record.id).where(Record.receipt == receipt)).first()
                if exists is None:
                    break
            record.receipt = receipt
        record.status = "submitted"
        record.stage = "collected"
        record.submitted_at = utcnow()
        record.updated_at = record.submitted_at
        self.session.add(record)
        self.session.flush()
        return record.receipt

    def reopen(self, record: Record) -> None:
        """Put a submitted record back in progress (the person changes an answer after submitting)."""
        record.status = "in_progress"
        self.session.add(record)

    # -- appeals and blobs -------------------------------------------------------------

    def create_appeal(
        self,
        *,
        source: str,
        text: str,
        category: str = "other",
        channel: str | None = None,
        channel_user_id: str | None = None,
        person_id: int | None = None,
        record_id: int | None = None,
        region_id: int | None = None,
    ) -> Appeal:
        """Open an appeal for the hotline queue."""
        appeal = Appeal(
            source=source,
            channel=channel,
            channel_user_id=channel_user_id,
            person_id=person_id,
            record_id=record_id,
            region_id=region_id,
            category=category,
            text_enc=self.vault.seal(text),
            deadline=utcnow() + timedelta(days=APPEAL_DAYS),
        )
        self.session.add(appeal)
        self.session.flush()
        return appeal

    def appeals_in(
        self, region_ids: frozenset[int] | None, *, status: str | None = None, category: str | None = None,
        limit: int = 100, offset: int = 0,
    ) -> tuple[list[Appeal], int]:
        """Appeals placed in the given regions (all when None), newest first, and the total."""
        query = select(Appeal)
        if region_ids is not None:
            query = query.where(col(Appeal.region_id).in_(sorted(region_ids)))
        if status:
            query = query.where(Appeal.status == status)
        if category:
            query = query.where(Appeal.category == category)
        total = int(self.session.exec(select(func.count()).select_from(query.subquery())).one())
        rows = self.session.exec(query.order_by(col(Appeal.id).desc()).limit(limit).offset(offset)).all()
        return list(rows), total

    def get_appeal(self, appeal_id: int) -> Appeal | None:
        """An appeal by id."""
        return self.session.get(Appeal, appeal_id)

    def add_appeal_note(self, appeal: Appeal, text: str, kind: str, staff_id: int | None) -> AppealNote:
        """Add to an appeal's thread (sealed)."""
        note = AppealNote(appeal_id=appeal.id or 0, staff_id=staff_id, kind=kind, text_enc=self.vault.seal(text))
        self.session.add(note)
        self.session.flush()
        return note

    def appeal_notes(self, appeal_id: int) -> list[tuple[AppealNote, str]]:
        """An appeal's thread, oldest first, opened."""
        rows = self.session.exec(select(AppealNote).where(AppealNote.appeal_id == appeal_id)
                                 .order_by(col(AppealNote.id))).all()
        return [(n, self.vault.open(n.text_enc) if n.text_enc else "") for n in rows]

    def queue_outbox(self, channel: str, channel_user_id: str, text: str) -> Outbox:
        """Keep a message for a person until their channel can deliver it."""
        self._no_outbox.discard((channel, channel_user_id))
        row = Outbox(channel=channel, channel_user_id=channel_user_id, text_enc=self.vault.seal(text))
        self.session.add(row)
        self.session.flush()
        return row

    def take_outbox(self, channel: str, channel_user_id: str) -> list[str]:
        """The undelivered messages of a channel user, marked delivered."""
        if (channel, channel_user_id) in self._no_outbox:
            return []  # none was waiting when this session read the conversation
        rows = self.session.exec(select(Outbox).where(
            Outbox.channel == channel, Outbox.channel_user_id == channel_user_id,
            col(Outbox.delivered_at).is_(None)).order_by(col(Outbox.id))).all()
        texts = []
        for row in rows:
            texts.append(self.vault.open(row.text_enc))
            row.delivered_at = utcnow()
            self.session.add(row)
        self.session.flush()
        return texts

    def claim_outbox(self, channels: Sequence[str], *, exclude: Iterable[int] = (), limit: int = 20) -> list[OutboxItem]:
        """Waiting messages of the given channels, each marked delivered by this call only (safe across processes)."""
        skip = set(exclude)
        rows = self.session.exec(select(Outbox).where(
            col(Outbox.channel).in_(list(channels)), col(Outbox.delivered_at).is_(None))
            .order_by(col(Outbox.id)).limit(limit + len(skip))).all()
        claimed: list[OutboxItem] = []
        for row in rows:
            if row.id is None or row.id in skip or len(claimed) >= limit:
                continue
            done = self.session.execute(
                update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.delivered_at).is_(None))
                .values(delivered_at=utcnow()))
            if done.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(OutboxItem(row.id, row.channel, row.channel_user_id, self.vault.open(row.text_enc)))
        return claimed

    def release_outbox(self, row_id: int) -> None:
        """Put a claimed message back: its channel refused it; the person gets it on their next message."""
        self.session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(delivered_at=None))

    def appeal_text(self, appeal: Appeal) -> str:
        """An appeal's text in clear."""
        return self.vault.open(appeal.text_enc) if appeal.text_enc else ""

    def put_blob(self, kind: str, content_type: str, data: bytes) -> Blob:
        """Store a photo or audio clip, sealed."""
        blob = Blob(
            kind=kind, content_type=content_type, sha256=hashlib.sha256(data).hexdigest(), data_enc=self.vault.seal(data)
        )
        self.session.add(blob)
        self.session.flush()
        return blob

    def blob_bytes(self, blob_id: int) -> tuple[str, bytes]:
        """A stored blob's content type and bytes."""
        blob = self.session.get(Blob, blob_id)
        if blob is None:
            raise NotFound(f"blob {blob_id}")
        return blob.content_type, self.vault.open_bytes(blob.data_enc)

    def add_appeal_recording(
        self, appeal: Appeal, blob: Blob, *, seconds: float, confidence: float, mean_confidence: float | None = None
    ) -> AppealRecording:
        """Keep the sealed recording an appeal was transcribed from with the appeal."""
        row = AppealRecording(appeal_id=appeal.id or 0, blob_id=blob.id or 0, seconds=seconds, confidence=confidence,
                              mean_confidence=mean_confidence)
        self.session.add(row)
        self.session.flush()
        return row

    def appeal_recording(self, appeal_id: int) -> AppealRecording | None:
        """The recording of an appeal taken from a call recording, if it has one."""
        return self.session.exec(select(AppealRecording).where(AppealRecording.appeal_id == appeal_id)).first()

    def appeal_recordings(self, appeal_ids: Sequence[int]) -> dict[int, AppealRecording]:
        """The recordings of several appeals, by appeal id (appeals without one are left out)."""
        if not appeal_ids:
            return {}
        rows = self.session.exec(select(AppealRecording).where(col(AppealRecording.appeal_id).in_(sorted(appeal_ids))))
        return {r.appeal_id: r for r in rows.all()}

    # -- conversation state and de-duplication ----------------------------------------

    def conversation(self, channel: str, channel_user_id: str) -> Conversation | None:
        """The stored dialogue of a channel user, with its record and the record's campaign loaded in the
        same statement (they are then in the session: reading them costs no further query), and whether a
        message waits for them (when none does, :meth:`take_outbox` needs no query)."""
        waiting = select(Outbox.id).where(
            Outbox.channel == channel, Outbox.channel_user_id == channel_user_id, col(Outbox.delivered_at).is_(None))
        row = self.session.execute(  # SQLModel's select takes at most 4 entities; SQLAlchemy's any number
            sa_select(Conversation, Record, Campaign, Person, waiting.exists().label("waiting"))
            .outerjoin(Record, col(Record.id) == col(Conversation.record_id))
            .outerjoin(Campaign, col(Campaign.id) == col(Record.campaign_id))
            .outerjoin(Person, col(Person.id) == col(Record.person_id))
            .where(col(Conversation.channel) == channel, col(Conversation.channel_user_id) == channel_user_id)
        ).first()
        if row is None:
            return None
        # the session's identity map keeps only weak references
        self._held.extend(x for x in row[:4] if x is not None)
        if not row[4]:
            self._no_outbox.add((channel, channel_user_id))
        return row[0]

    def conversation_state(self, conv: Conversation) -> dict[str, Any]:
        """The dialogue state of a conversation, opened (a state of the first format, plain JSON, too)."""
        text = conv.state_json or "{}"
        data = json.loads(self.vault.open_text(text) if is_sealed_text(text) else text)
        return data if isinstance(data, dict) else {}

    def save_conversation(self, conv: Conversation, state: dict[str, Any]) -> None:
        """Store the dialogue state, sealed: it may hold what the person said (a pending read-back)."""
        conv.state_json = self.vault.seal_text(json.dumps(state, ensure_ascii=False))
        conv.updated_at = utcnow()
        self.session.add(conv)
        self.session.flush()

    def seen_message(self, channel: str, message_key: str) -> list[dict[str, Any]] | None:
        """The replies already given to this message, or None if it is new."""
        row = self.session.exec(
            select(InboundMessage).where(InboundMessage.channel == channel, InboundMessage.message_key == message_key)
        ).first()
        if row is None:
            return None
        return list(self.vault.open_json(row.replies_enc)) if row.replies_enc else []

    def remember_message(self, channel: str, message_key: str, replies: list[dict[str, Any]]) -> None:
        """Record that a message was processed, with its replies; raises DuplicateMessage when it already was
        (a retry, or a copy handled at the same time by another worker: the unique key decides)."""
        row = InboundMessage(channel=channel, message_key=message_key, replies_enc=self.vault.seal_json(replies))
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise DuplicateMessage(f"{channel}:{message_key}") from exc

    def record_replies(self, channel: str, message_key: str, replies: list[dict[str, Any]]) -> None:
        """Store the replies given to a message claimed with :meth:`remember_message`."""
        row = self.session.exec(
            select(InboundMessage).where(InboundMessage.channel == channel, InboundMessage.message_key == message_key)
        ).one()
        row.replies_enc = self.vault.seal_json(replies)
        self.session.add(row)

    # -- regions ------------------------------------------------------------------------

    def region_by_path(self, path: str) -> Region | None:
        """A region by its full path."""
        return self.session.exec(select(Region).where(Region.path == path)).first()

    def region_rows(self) -> list[tuple[str, str | None, str, str | None, str]]:
        """All regions as (level, code, name, short_name, parent_path) rows, for the nlu index."""
        rows = self.session.exec(select(Region).order_by(col(Region.id))).all()
        out = []
        for r in rows:
            parent = r.path.rsplit("/", 1)[0] if "/" in r.path else ""
            out.append((r.level, r.code, r.name, r.short_name, parent))
        return out

    def region_count(self) -> int:
        """How many regions are loaded."""
        return int(self.session.exec(select(func.count()).select_from(Region)).one())

    def add_regions(self, rows: Iterable[tuple[str, str | None, str, str | None, str]]) -> tuple[int, int]:
        """Insert regions given as (level, code, name, short_name, parent_path); returns (added, skipped).

        Rows are inserted depth by depth, so a file need not list parents first; a row whose
        path is already loaded (or repeated in the file) is skipped; a missing parent is an error.
        """
        existing: dict[str, int | None] = {r.path: r.id for r in self.session.exec(select(Region)).all()}
        by_depth: dict[int, list[tuple[str, str | None, str, str | None, str]]] = {}
        for row in rows:
            depth = row[4].count("/") + 1 if row[4] else 0
            by_depth.setdefault(depth, []).append(row)
        added = skipped = 0
        for depth in sorted(by_depth):
            batch: list[Region] = []
            for level, code, name, short_name, parent_path in by_depth[depth]:
                path = f"{parent_path}/{name}" if parent_path else name
                if path in existing:
                    skipped += 1
                    continue
                parent_id = existing.get(parent_path) if parent_path else None
                if parent_path and parent_id is None:
                    raise StorageError(f"the parent {parent_path!r} of {name!r} is not in the file or the database")
                region = Region(code=code or None, name=name, short_name=short_name or None, level=level,
                                parent_id=parent_id, path=path)
                existing[path] = None
                batch.append(region)
            self.session.add_all(batch)
            self.session.flush()
            for region in batch:
                existing[region.path] = region.id
            added += len(batch)
        return added, skipped
