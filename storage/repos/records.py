"""Records and everything hung on them: answers (versioned, sealed), flags, workflow steps, progress."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from storage.models import Answer, Campaign, Flag, Record, RosterEntry, WorkflowEvent, utcnow
from storage.repos.base import Context, NotFound, Repository


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


class RecordRepo(Repository):
    """A subject's record of a campaign, its answers, flags and workflow."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        # the questions of a record that have a current answer row (cleared ones too), as read by
        # current_answers in this session: saving a first answer then needs no UPDATE of a previous one
        self._current_keys: dict[int, set[str]] = {}

    # -- records ------------------------------------------------------------------------

    def ensure(
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

    def add(self, record: Record) -> None:
        """Keep the changes made to a record (written with the unit of work)."""
        self.session.add(record)

    def get(self, record_id: int) -> Record:
        """A record by id."""
        record = self.session.get(Record, record_id)
        if record is None:
            raise NotFound(f"record {record_id}")
        return record

    def ids_in(
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

    def by_ids(self, record_ids: Sequence[int]) -> list[Record]:
        """Records by id, in id order."""
        if not record_ids:
            return []
        return list(self.session.exec(select(Record).where(col(Record.id).in_(list(record_ids)))
                                      .order_by(col(Record.id))).all())

    def page_in(
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

    def at_stage(
        self, region_ids: Sequence[int] | frozenset[int] | None, campaign_id: int, stage: str
    ) -> list[Record]:
        """Submitted records of a campaign at a workflow stage, in id order."""
        query = select(Record).where(Record.campaign_id == campaign_id, Record.stage == stage)
        if region_ids is not None:
            query = query.where(col(Record.region_id).in_(list(region_ids)))
        return list(self.session.exec(query.order_by(col(Record.id))).all())

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

    # -- answers ------------------------------------------------------------------------

    def current_answers(self, record_id: int) -> dict[str, StoredAnswer]:
        """The current version of every answer of a record (cleared answers left out)."""
        rows = self.session.exec(
            select(Answer).where(Answer.record_id == record_id, col(Answer.is_current).is_(True))
        ).all()
        self._current_keys[record_id] = {a.question_key for a in rows}
        return {a.question_key: self.open_answer(a) for a in rows if a.status != "cleared"}

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
                result[a.record_id][a.question_key] = self.open_answer(a)
        return result

    def answer_history(self, record_id: int, key: str | None = None) -> list[StoredAnswer]:
        """Every version of a record's answers (of one question if given), oldest first."""
        query = select(Answer).where(Answer.record_id == record_id)
        if key is not None:
            query = query.where(Answer.question_key == key)
        rows = self.session.exec(query.order_by(col(Answer.id))).all()
        return [self.open_answer(a) for a in rows]

    def open_answer(self, a: Answer) -> StoredAnswer:
        """An answer row, opened."""
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

    # -- flags --------------------------------------------------------------------------

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

    # -- workflow and progress ----------------------------------------------------------

    def move(
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

    def progress_counts(self, region_ids: Sequence[int] | None, campaign_id: int) -> dict[str, int]:
        """Roster size, records started and submitted, open flags, in regions (visits: storage.visits)."""

        def within(column: Any) -> Any:
            return col(column).in_(list(region_ids)) if region_ids is not None else True

        roster = self.session.exec(select(func.count()).select_from(RosterEntry).where(
            RosterEntry.campaign_id == campaign_id, within(RosterEntry.region_id))).one()
        started = self.session.exec(select(func.count()).select_from(Record).where(
            Record.campaign_id == campaign_id, within(Record.region_id))).one()
        submitted = self.session.exec(select(func.count()).select_from(Record).where(
            Record.campaign_id == campaign_id, Record.status == "submitted", within(Record.region_id))).one()
        flags = self.session.exec(select(func.count()).select_from(Flag)
                                  .join(Record, col(Record.id) == col(Flag.record_id)).where(
            Record.campaign_id == campaign_id, Flag.status == "open", within(Record.region_id))).one()
        return {"roster": int(roster), "started": int(started), "submitted": int(submitted),
                "open_flags": int(flags)}
