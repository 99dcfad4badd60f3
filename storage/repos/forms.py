"""Form versions (:mod:`storage.forms`): the questionnaire texts as registered, their publication, the
campaigns' pins to them and the records' moves between them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from storage.forms import FormStatus, FormVersion, content_hash
from storage.models import Answer, Campaign, Record, utcnow
from storage.repos.base import NotFound, Repository
from storage.upsert import insert_ignore


class FormRepo(Repository):
    """Form versions and the campaigns' pins to them."""

    def find(self, version_id: int) -> FormVersion | None:
        """A version by id, if there is one."""
        return self.session.get(FormVersion, version_id)

    def get(self, version_id: int) -> FormVersion:
        """A version by id."""
        row = self.find(version_id)
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
