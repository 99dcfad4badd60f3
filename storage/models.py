"""Database tables of intake (SQLModel).

Sealed columns end in ``_enc`` and hold AES-GCM sealed bytes (see :mod:`storage.crypto`; each value
names the key it was sealed under); a text column marked ``info={"sealed": "text"}``
(``Conversation.state_json``) holds a sealed value in text form (``sealed:`` and base64); a column
marked ``info={"blind_index": ...}`` (``Person.id_index``) is a blind index of a sealed column.
``intake keys rotate`` finds the columns to re-seal by these names and marks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.modes import answer_mode_default


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware; SQLModel stores it as UTC on every backend)."""
    return datetime.now(UTC)


def _blob() -> Column:
    return Column(LargeBinary, nullable=True)


class Region(SQLModel, table=True):
    """A node of the administrative tree: province, prefecture, county, township or village."""

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, index=True)
    name: str
    short_name: str | None = None
    level: str
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    path: str = Field(unique=True, index=True)  # full names joined by "/"


class Person(SQLModel, table=True):
    """A person a campaign is about; the ID number is stored sealed with a blind index for look-up."""

    id: int | None = Field(default=None, primary_key=True)
    # the blind index of the ID number (re-computed by a key rotation from id_number_enc)
    id_index: str = Field(unique=True, index=True,
                          sa_column_kwargs={"info": {"blind_index": "id_number_enc", "purpose": "id"}})
    id_number_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    name_enc: bytes | None = Field(default=None, sa_column=_blob())
    phone_enc: bytes | None = Field(default=None, sa_column=_blob())
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    source: str = "self"  # roster | self
    created_at: datetime = Field(default_factory=utcnow)


class ChannelAccount(SQLModel, table=True):
    """A user of one channel (a WeChat openid, a Telegram chat, a web chat cookie), linked to a person once identified."""

    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    channel_user_id: str
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class Campaign(SQLModel, table=True):
    """One run of a questionnaire, e.g. the 2026 veterans collection."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    questionnaire: str = Field(index=True)
    questionnaire_version: str
    year: int
    title: str
    reference_date: date | None = None
    status: str = "open"
    spot_check_rate: float = 0.1  # share of township-reviewed records a county checks
    # the published form version new records start under (storage.forms; None before one is pinned)
    form_version_id: int | None = Field(default=None, foreign_key="formversion.id")
    created_at: datetime = Field(default_factory=utcnow)


class RosterEntry(SQLModel, table=True):
    """A person a campaign must reach, with the values known before collection (sealed)."""

    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    prefill_enc: bytes | None = Field(default=None, sa_column=_blob())
    imported_at: datetime = Field(default_factory=utcnow)


class Record(SQLModel, table=True):
    """The answers of one subject (a person or a village) in one campaign."""

    __table_args__ = (UniqueConstraint("campaign_id", "subject_key"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    subject_key: str  # "person:<id>" or "region:<id>"
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    status: str = Field(default="in_progress", index=True)  # in_progress | submitted
    # review workflow of submitted records: collected -> township_reviewed -> county_checked
    # -> city_accepted -> province_accepted; "returned" when sent back down with a reason
    stage: str | None = Field(default=None, index=True)
    receipt: str | None = Field(default=None, unique=True)
    notice_accepted_at: datetime | None = None
    first_channel: str
    # the form version the record is asked from (storage.forms): the campaign's when it was begun, or one it
    # was migrated to explicitly
    form_version_id: int | None = Field(default=None, foreign_key="formversion.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None


class Answer(SQLModel, table=True):
    """One version of one answer, with its provenance. Versions are appended, never overwritten."""

    __table_args__ = (UniqueConstraint("record_id", "question_key", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    question_key: str = Field(index=True)
    version: int = 1
    is_current: bool = Field(default=True, index=True)
    value_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    value_enc: bytes | None = Field(default=None, sa_column=_blob())
    raw_enc: bytes | None = Field(default=None, sa_column=_blob())
    confidence: float = 1.0
    status: str = "new"  # new | confirmed | changed | corrected | cleared | none (the person has none: 没有电话)
    channel: str
    # the collection mode (storage.modes.CollectionMode), from the channel at INSERT unless given
    mode: str | None = Field(default=None, sa_column=Column(String, nullable=True, default=answer_mode_default))
    actor: str  # "subject:<channel>" | "staff:<id>" | "collector:<id>"
    message_id: str | None = None
    blob_id: int | None = Field(default=None, foreign_key="blob.id")
    reason: str | None = None  # why a staff member corrected it
    form_version_id: int | None = Field(default=None, foreign_key="formversion.id")  # the version asked with
    created_at: datetime = Field(default_factory=utcnow)


class Flag(SQLModel, table=True):
    """An answer that needs a reviewer's eye, and why."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answer.id")
    question_key: str
    reason: str = Field(index=True)  # not_understood | low_confidence | rule | unsure | refused
    detail: str = ""
    status: str = Field(default="open", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolved_by: str | None = None


class Appeal(SQLModel, table=True):
    """A request (诉求) for the hotline: from a chat's "talk to a person", a questionnaire answer or a call."""

    id: int | None = Field(default=None, primary_key=True)
    source: str  # chat | questionnaire | hotline
    channel: str | None = None
    channel_user_id: str | None = None
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    record_id: int | None = Field(default=None, foreign_key="record.id")
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    category: str = "other"
    text_enc: bytes | None = Field(default=None, sa_column=_blob())
    status: str = Field(default="new", index=True)
    assignee_id: int | None = None
    deadline: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AppealNote(SQLModel, table=True):
    """One entry of an appeal's thread: a staff note, or the answer sent to the person."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    staff_id: int | None = None
    kind: str = "note"  # note | answer | status
    text_enc: bytes | None = Field(default=None, sa_column=_blob())
    created_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """A message for a person that no request of theirs is waiting for (an appeal's answer)."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(index=True)
    channel_user_id: str = Field(index=True)
    text_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class WorkflowEvent(SQLModel, table=True):
    """A step of a record through the review levels, or a spot check, with who and why."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    action: str  # advance | return | spot_check_passed | spot_check_failed
    from_stage: str | None = None
    to_stage: str | None = None
    staff_id: int | None = None
    reason: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class Blob(SQLModel, table=True):
    """A sealed binary: a photo or an audio clip kept as evidence with an answer."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # photo | audio
    content_type: str
    sha256: str
    data_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """The dialogue state of one channel user: phase, current question, attempts, pending read-backs.

    The state may hold what the person said (a read-back waiting for 对/不对, a value refused by a
    rule), so it is stored sealed: ``state_json`` is ``sealed:`` and the base64 of the sealed JSON,
    read and written by the Store only (a state of the first format, plain JSON, still reads).
    """

    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    channel_user_id: str
    questionnaire: str
    record_id: int | None = Field(default=None, foreign_key="record.id")
    state_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, info={"sealed": "text"}))
    updated_at: datetime = Field(default_factory=utcnow)


class InboundMessage(SQLModel, table=True):
    """A processed incoming message and the replies it got, to answer retries identically."""

    __table_args__ = (UniqueConstraint("channel", "message_key"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    message_key: str
    replies_enc: bytes | None = Field(default=None, sa_column=_blob())  # replies may echo personal data
    received_at: datetime = Field(default_factory=utcnow)


class AppealRecording(SQLModel, table=True):
    """The recording of a hotline call an appeal was transcribed from, kept sealed (a Blob) as evidence."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", unique=True, index=True)
    blob_id: int = Field(foreign_key="blob.id")
    seconds: float  # length of the decoded audio
    confidence: float  # the transcript's overall confidence (its least certain word)
    mean_confidence: float | None = None  # the mean word confidence, more telling for a long call
    created_at: datetime = Field(default_factory=utcnow)
