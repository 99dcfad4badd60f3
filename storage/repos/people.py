"""Persons, their channel accounts and the blind index of their ID numbers."""

from __future__ import annotations

from sqlmodel import col, select

from storage.models import ChannelAccount, Person, utcnow
from storage.repos.base import NotFound, Repository


class PeopleRepo(Repository):
    """Persons (ID number, name and phone sealed) and the channel accounts tied to them."""

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

    def find(self, id_number: str) -> Person | None:
        """The person with this ID number, if known (indexed under any key of the keyring)."""
        candidates = self.vault.blind_indexes(id_number.upper(), "id")
        return self.session.exec(select(Person).where(col(Person.id_index).in_(candidates))).first()

    def create(
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

    def update(
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

    def id_number(self, person: Person) -> str:
        """The person's ID number in clear."""
        return self.vault.open(person.id_number_enc)

    def name(self, person: Person) -> str | None:
        """The person's name in clear, if known."""
        return self.vault.open(person.name_enc) if person.name_enc else None

    def phone(self, person: Person) -> str | None:
        """The person's phone number in clear, if known."""
        return self.vault.open(person.phone_enc) if person.phone_enc else None

    def get(self, person_id: int) -> Person:
        """A person by id."""
        person = self.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"person {person_id}")
        return person
