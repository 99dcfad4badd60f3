"""Campaigns (a questionnaire in a year) and their rosters."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from storage.models import Campaign, Person, RosterEntry, utcnow
from storage.repos.base import NotFound, Repository
from storage.upsert import insert_ignore


class CampaignRepo(Repository):
    """Campaigns and the roster entries (sealed prefill values) of the persons they expect."""

    def ensure(
        self, questionnaire: str, version: str, year: int, title: str, reference_date: date | None
    ) -> Campaign:
        """The campaign of a questionnaire in a year, created if missing (safe when first conversations race)."""
        key = f"{questionnaire}-{year}"
        campaign = self.by_key(key)
        if campaign is None:
            new = Campaign(key=key, questionnaire=questionnaire, questionnaire_version=version, year=year,
                           title=title, reference_date=reference_date)
            # INSERT … ON CONFLICT DO NOTHING: a concurrent first conversation may create it at the same time
            insert_ignore(self.session, Campaign.__table__, ["key"], new.model_dump(exclude={"id"}))  # type: ignore[attr-defined]
            campaign = self.by_key(key)
            assert campaign is not None
        return campaign

    def by_key(self, key: str) -> Campaign | None:
        """A campaign by its key such as ``veterans-2026``."""
        return self.session.exec(select(Campaign).where(Campaign.key == key)).first()

    def get(self, campaign_id: int) -> Campaign:
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
