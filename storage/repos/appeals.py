"""Appeals for the hotline queue: the appeal (text sealed), its thread of notes and its call recording."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from storage.models import Appeal, AppealNote, AppealRecording, Blob, utcnow
from storage.repos.base import Repository

APPEAL_DAYS = 15  # an appeal should be answered within this many days


class AppealRepo(Repository):
    """Appeals, their notes and the recordings they were transcribed from."""

    def create(
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

    def add(self, appeal: Appeal) -> None:
        """Keep the changes made to an appeal (written with the unit of work)."""
        self.session.add(appeal)

    def page_in(
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

    def get(self, appeal_id: int) -> Appeal | None:
        """An appeal by id."""
        return self.session.get(Appeal, appeal_id)

    def text(self, appeal: Appeal) -> str:
        """An appeal's text in clear."""
        return self.vault.open(appeal.text_enc) if appeal.text_enc else ""

    def add_note(self, appeal: Appeal, text: str, kind: str, staff_id: int | None) -> AppealNote:
        """Add to an appeal's thread (sealed)."""
        note = AppealNote(appeal_id=appeal.id or 0, staff_id=staff_id, kind=kind, text_enc=self.vault.seal(text))
        self.session.add(note)
        self.session.flush()
        return note

    def notes(self, appeal_id: int) -> list[tuple[AppealNote, str]]:
        """An appeal's thread, oldest first, opened."""
        rows = self.session.exec(select(AppealNote).where(AppealNote.appeal_id == appeal_id)
                                 .order_by(col(AppealNote.id))).all()
        return [(n, self.vault.open(n.text_enc) if n.text_enc else "") for n in rows]

    def add_recording(
        self, appeal: Appeal, blob: Blob, *, seconds: float, confidence: float, mean_confidence: float | None = None
    ) -> AppealRecording:
        """Keep the sealed recording an appeal was transcribed from with the appeal."""
        row = AppealRecording(appeal_id=appeal.id or 0, blob_id=blob.id or 0, seconds=seconds, confidence=confidence,
                              mean_confidence=mean_confidence)
        self.session.add(row)
        self.session.flush()
        return row

    def recording(self, appeal_id: int) -> AppealRecording | None:
        """The recording of an appeal taken from a call recording, if it has one."""
        return self.session.exec(select(AppealRecording).where(AppealRecording.appeal_id == appeal_id)).first()

    def recordings(self, appeal_ids: Sequence[int]) -> dict[int, AppealRecording]:
        """The recordings of several appeals, by appeal id (appeals without one are left out)."""
        if not appeal_ids:
            return {}
        rows = self.session.exec(select(AppealRecording).where(col(AppealRecording.appeal_id).in_(sorted(appeal_ids))))
        return {r.appeal_id: r for r in rows.all()}
