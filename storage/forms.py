"""Form versions: the questionnaire files as published, so that a changed file never alters a running campaign.

A :class:`FormVersion` is the YAML text of one questionnaire file as it was registered (not personal data:
kept in clear), named by the file's own ``version:`` label and its content hash. A file whose content is
new is registered as a *draft*; publishing it (``intake form publish``, the admin API, the console) makes
it *published*, and a campaign pins one published version (``Campaign.form_version_id``). Records carry the
version they were begun with and answers the version they were asked with (``form_version_id``); a newer
published version is used by new records only, or by those migrated to it explicitly.

This module stores and finds the rows; parsing and validating the YAML is the questionnaire model's job
(:mod:`bot.questionnaire`), publishing and migrating are services' (:mod:`admin.services.forms`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.errors import NotFound
from storage.models import Answer, Campaign, Record, utcnow
from storage.upsert import insert_ignore


class FormStatus(StrEnum):
    """Where a form version stands."""

    DRAFT = "draft"  # registered from a file, used by nothing yet
    PUBLISHED = "published"  # may be pinned by campaigns; records ask from it
    RETIRED = "retired"  # published once, no longer offered to new records


class FormVersion(SQLModel, table=True):
    """One content of a questionnaire file, as registered, with its label and status."""

    __table_args__ = (UniqueConstraint("questionnaire", "content_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    questionnaire: str = Field(index=True)
    label: str  # the file's ``version:``, e.g. 2026.1
    content_hash: str  # sha256 of the text
    source_text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=FormStatus.DRAFT.value, index=True)  # a FormStatus value
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = "system"
    published_at: datetime | None = None
    published_by: str | None = None


def content_hash(text: str) -> str:
    """The hash that tells two contents of a file apart."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FormVersions:
    """Reads and writes form versions and the campaigns' pins; commit is the caller's."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, version_id: int) -> FormVersion:
        """A version by id."""
        row = self.session.get(FormVersion, version_id)
        if row is None:
            raise NotFound(f"form version {version_id}")
        return row

    def by_hash(self, questionnaire: str, digest: str) -> FormVersion | None:
        """The version of a questionnaire with this content, if registered."""
        return self.session.exec(select(FormVersion).where(
            FormVersion.questionnaire == questionnaire, FormVersion.content_hash == digest)).first()

    def with_label(self, questionnaire: str, label: str) -> list[FormVersion]:
        """Every version of a questionnaire with this label (a draft may share the label of a published one)."""
        return list(self.session.exec(select(FormVersion).where(
            FormVersion.questionnaire == questionnaire, FormVersion.label == label).order_by(col(FormVersion.id))))

    def of(self, questionnaire: str) -> list[FormVersion]:
        """Every version of a questionnaire, oldest first."""
        return list(self.session.exec(select(FormVersion).where(
            FormVersion.questionnaire == questionnaire).order_by(col(FormVersion.id))))

    def newest_published(self, questionnaire: str) -> FormVersion | None:
        """The version published last (the one new campaigns pin)."""
        return self.session.exec(select(FormVersion).where(
            FormVersion.questionnaire == questionnaire, FormVersion.status == FormStatus.PUBLISHED.value,
        ).order_by(col(FormVersion.published_at).desc(), col(FormVersion.id).desc())).first()

    def labels(self, version_ids: Sequence[int]) -> dict[int, str]:
        """The labels of some versions, by id."""
        if not version_ids:
            return {}
        rows = self.session.exec(select(FormVersion.id, FormVersion.label).where(
            col(FormVersion.id).in_(sorted(set(version_ids))))).all()
        return {i: label for i, label in rows if i is not None}

    def register(self, questionnaire: str, label: str, text: str, by: str = "system") -> tuple[FormVersion, bool]:
        """The version with this content, registered as a draft if it is new; returns (version, created)."""
        digest = content_hash(text)
        found = self.by_hash(questionnaire, digest)
        if found is not None:
            return found, False
        row = FormVersion(questionnaire=questionnaire, label=label, content_hash=digest, source_text=text,
                          created_by=by, created_at=utcnow())
        # INSERT … ON CONFLICT DO NOTHING: two processes starting at once register the same file
        created = insert_ignore(self.session, FormVersion.__table__,  # type: ignore[attr-defined]
                                ["questionnaire", "content_hash"], row.model_dump(exclude={"id"}))
        found = self.by_hash(questionnaire, digest)
        assert found is not None
        return found, created

    def mark_published(self, version: FormVersion, by: str, at: datetime) -> None:
        """Record the publication of a version (the checks are the caller's)."""
        version.status = FormStatus.PUBLISHED.value
        version.published_at = at
        version.published_by = by
        self.session.add(version)
        self.session.flush()

    def campaigns_of(self, questionnaire: str) -> list[Campaign]:
        """The campaigns of a questionnaire, oldest first."""
        return list(self.session.exec(select(Campaign).where(
            Campaign.questionnaire == questionnaire).order_by(col(Campaign.id))))

    def pin(self, campaign: Campaign, version: FormVersion) -> None:
        """Make a campaign's new records start under this version."""
        campaign.form_version_id = version.id
        campaign.questionnaire_version = version.label
        self.session.add(campaign)
        self.session.flush()

    def versions_in(self, campaign_id: int) -> list[int | None]:
        """The form versions a campaign's records are asked from (None: records of no version)."""
        rows = self.session.exec(select(Record.form_version_id).where(Record.campaign_id == campaign_id).distinct())
        return sorted(rows.all(), key=lambda v: (v is not None, v or 0))

    def adopt_unversioned(self, campaign_id: int, version_id: int) -> int:
        """Give the records of a campaign that carry no version (begun before versions were kept, or while
        the campaign had no pin), and their answers, this version; returns how many records."""
        records = self.session.execute(
            update(Record).where(col(Record.campaign_id) == campaign_id, col(Record.form_version_id).is_(None))
            .values(form_version_id=version_id).execution_options(synchronize_session="fetch"))
        of_campaign = select(Record.id).where(Record.campaign_id == campaign_id)
        self.session.execute(
            update(Answer).where(col(Answer.record_id).in_(of_campaign), col(Answer.form_version_id).is_(None))
            .values(form_version_id=version_id).execution_options(synchronize_session=False))
        return int(getattr(records, "rowcount", 0) or 0)

    def move_record(self, record: Record, version: FormVersion) -> None:
        """Ask a record from another version from now on (its answers keep the version they were asked with)."""
        record.form_version_id = version.id
        record.updated_at = utcnow()
        self.session.add(record)
        self.session.flush()
