"""Tables and queries of self-service identification: attempt throttles, one-time codes, the SMS queue.

A person who gives an ID number in a chat is let into an existing record only after a second factor
that a stranger holding their ID card cannot know: a one-time code sent to the phone registered for
them, a link code a collector handed them, or a channel account already linked to them. Failures are
counted per person and per client (:class:`IdentityThrottle`) under a row lock, so concurrent guesses
cannot pass the limit; codes are kept only as keyed digests (:class:`IdentityChallenge`); the SMS
waiting to be sent keeps its phone number and code sealed (:class:`SmsOutbox`) and forgets the code
once sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import Campaign, Person, Record, utcnow
from storage.repo import Store


class ChallengeKind(StrEnum):
    """How a code reached the person."""

    OTP = "otp"  # sent by SMS to the registered phone, for one channel account
    LINK = "link"  # handed over by a collector, links the account that enters it


class IdentityThrottle(SQLModel, table=True):
    """Failed identifications under one key (a person, or a client), and the lock they earned."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # "person:<id>" or "client:<blind index>"
    failures: int = 0  # failures since the last success or lift
    locked_until: datetime | None = None  # a growing pause after repeated failures
    blocked: bool = False  # locked until the hotline lifts it
    updated_at: datetime = Field(default_factory=utcnow)


class IdentityChallenge(SQLModel, table=True):
    """A one-time code of a person: sent by SMS to one channel account, or given out by a collector."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(index=True)  # ChallengeKind
    code_index: str = Field(index=True)  # keyed digest of the code, never the code
    channel: str | None = None  # the account an OTP was sent for (an OTP is valid for it only)
    channel_user_id: str | None = None
    staff_id: int | None = None  # the collector who made a link code
    attempts: int = 0
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class SmsOutbox(SQLModel, table=True):
    """A verification SMS waiting to be sent; phone and code sealed, the code wiped once sent."""

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="identitychallenge.id", index=True)
    phone_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    code_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    ttl_minutes: int
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    failures: int = 0


class DeclarationSource(StrEnum):
    """Who opened a declaration."""

    SELF = "self"  # a person in a chat who could not pass a second factor
    COLLECTOR = "collector"  # a collector who met a person registered outside their region


class Declaration(SQLModel, table=True):
    """A record opened under an ID number that belongs to a person the opener could not be verified as.

    The record itself has no ``person_id`` (nothing of the existing person shows through it: no name,
    no prefill, no earlier answers); this row ties it to the person for the staff whose region covers
    that person (or the province), who compare and merge it.
    """

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", unique=True, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    source: str  # DeclarationSource
    channel: str
    opened_by: str  # "self:<channel>" or "collector:<staff id>"
    status: str = Field(default="open", index=True)  # open | merged | dismissed
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class PendingSms:
    """A verification SMS to send, opened."""

    id: int
    phone: str
    code: str
    ttl_minutes: int


_QUEUED = "intake.sms_queued"


def queued_sms(session: Session) -> list[int]:
    """The ids of the SMS queued in a session's unit of work (to send once it is committed)."""
    return list(session.info.pop(_QUEUED, []))


def person_key(person_id: int) -> str:
    """The throttle key of a person."""
    return f"person:{person_id}"


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as timezone-aware UTC (SQLite gives naive datetimes back)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class IdentityStore:
    """Throttles, challenges and the SMS queue, over a :class:`~storage.repo.Store`'s session and vault."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.session = store.session

    # -- throttles -------------------------------------------------------------------------

    def throttle(self, key: str) -> IdentityThrottle:
        """The throttle row of a key, created if missing, locked for this transaction (FOR UPDATE)."""
        row = self._locked(key)
        if row is not None:
            return row
        try:
            with self.session.begin_nested():
                self.session.add(IdentityThrottle(key=key))
        except IntegrityError:
            pass  # a concurrent request created it: take theirs
        row = self._locked(key)
        assert row is not None
        return row

    def _locked(self, key: str) -> IdentityThrottle | None:
        query = select(IdentityThrottle).where(IdentityThrottle.key == key).with_for_update()
        return self.session.exec(query.execution_options(populate_existing=True)).first()

    def peek_throttle(self, key: str) -> IdentityThrottle | None:
        """The throttle row of a key without locking it (for lists)."""
        return self.session.exec(select(IdentityThrottle).where(IdentityThrottle.key == key)).first()

    def save_throttle(self, row: IdentityThrottle, now: datetime) -> None:
        """Store a changed throttle."""
        row.updated_at = now
        self.session.add(row)
        self.session.flush()

    def lift(self, person_id: int, now: datetime) -> bool:
        """Lift a person's block (the hotline has checked who is calling): failures, pause and block are reset
        and the person's open one-time codes retired.

        False when the person was not blocked, so a second lift, even a concurrent one, lifts nothing
        (the reset is one conditional update: only one transaction finds the row still blocked).
        """
        done = self.session.execute(
            update(IdentityThrottle)
            .where(col(IdentityThrottle.key) == person_key(person_id), col(IdentityThrottle.blocked).is_(True))
            .values(failures=0, locked_until=None, blocked=False, updated_at=now))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.retire_challenges(person_id, ChallengeKind.OTP, now)
        return True

    def blocked_person_ids(self) -> list[int]:
        """Persons whose identification is locked until the hotline lifts it."""
        rows = self.session.exec(select(IdentityThrottle.key).where(
            col(IdentityThrottle.blocked).is_(True), col(IdentityThrottle.key).startswith("person:"))).all()
        return sorted(int(k.split(":", 1)[1]) for k in rows)

    # -- challenges ------------------------------------------------------------------------

    def code_index(self, code: str, kind: ChallengeKind, person_id: int | None) -> str:
        """The keyed digest a code is kept as (an OTP's digest is bound to its person)."""
        scope = f"{kind.value}:{person_id if kind == ChallengeKind.OTP else ''}"
        return self.store.vault.blind_index(code, f"challenge:{scope}")

    def add_challenge(
        self, person_id: int, kind: ChallengeKind, code: str, expires_at: datetime, *,
        channel: str | None = None, channel_user_id: str | None = None, staff_id: int | None = None,
        now: datetime | None = None,
    ) -> IdentityChallenge:
        """Keep a new code (as its digest), made at ``now`` (default: the current time)."""
        row = IdentityChallenge(
            person_id=person_id, kind=kind.value, code_index=self.code_index(code, kind, person_id),
            channel=channel, channel_user_id=channel_user_id, staff_id=staff_id, expires_at=expires_at,
            created_at=now or utcnow())
        self.session.add(row)
        self.session.flush()
        return row

    def live_otp(self, person_id: int, channel: str, channel_user_id: str, now: datetime) -> IdentityChallenge | None:
        """The newest unused, unexpired OTP of a person for one account, locked for this transaction."""
        rows = self.session.exec(
            select(IdentityChallenge).where(
                IdentityChallenge.person_id == person_id, IdentityChallenge.kind == ChallengeKind.OTP.value,
                IdentityChallenge.channel == channel, IdentityChallenge.channel_user_id == channel_user_id,
                col(IdentityChallenge.used_at).is_(None))
            .order_by(col(IdentityChallenge.id).desc()).with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        return next((r for r in rows if (aware(r.expires_at) or now) > now), None)

    def challenges_since(self, person_id: int, kind: ChallengeKind, since: datetime) -> int:
        """How many codes of a kind a person was given since a moment (limits SMS sent per hour)."""
        rows = self.session.exec(select(IdentityChallenge.id).where(
            IdentityChallenge.person_id == person_id, IdentityChallenge.kind == kind.value,
            col(IdentityChallenge.created_at) >= since)).all()
        return len(rows)

    def link_challenge(self, code: str, now: datetime) -> IdentityChallenge | None:
        """The unused, unexpired link code with this value, locked for this transaction."""
        rows = self.session.exec(
            select(IdentityChallenge).where(
                IdentityChallenge.kind == ChallengeKind.LINK.value,
                IdentityChallenge.code_index == self.code_index(code, ChallengeKind.LINK, None),
                col(IdentityChallenge.used_at).is_(None))
            .with_for_update().execution_options(populate_existing=True)
        ).all()
        return next((r for r in rows if (aware(r.expires_at) or now) > now), None)

    def save_challenge(self, row: IdentityChallenge) -> None:
        """Store a changed challenge (attempts, use)."""
        self.session.add(row)
        self.session.flush()

    def retire_challenges(
        self, person_id: int, kind: ChallengeKind, now: datetime, *, channel: str | None = None,
        channel_user_id: str | None = None,
    ) -> None:
        """Mark the open codes of a kind of a person used: all of them, or those sent for one account."""
        query = update(IdentityChallenge).where(
            col(IdentityChallenge.person_id) == person_id, col(IdentityChallenge.kind) == kind.value,
            col(IdentityChallenge.used_at).is_(None))
        if channel is not None:
            query = query.where(col(IdentityChallenge.channel) == channel,
                                col(IdentityChallenge.channel_user_id) == channel_user_id)
        self.session.execute(query.values(used_at=now))

    # -- declarations -----------------------------------------------------------------------

    def open_declaration(
        self, campaign: Campaign, person: Person, *, source: DeclarationSource, channel: str, opened_by: str,
        region_id: int | None, flag_key: str,
    ) -> Record:
        """A new record, in its own right, for someone who gave a registered ID number but was not verified.

        The record is flagged on ``flag_key`` (the questionnaire's identifier question) for review.
        """
        record = Record(campaign_id=campaign.id or 0, subject_key=f"declared:{secrets.token_hex(12)}",
                        person_id=None, region_id=region_id, first_channel=channel,
                        form_version_id=campaign.form_version_id)
        self.session.add(record)
        self.session.flush()
        self.session.add(Declaration(record_id=record.id or 0, person_id=person.id or 0, source=source.value,
                                     channel=channel, opened_by=opened_by))
        self.store.records.add_flag(record, flag_key, "unverified", f"declaration ({source.value})", None)
        return record

    def declaration_of(self, record_id: int) -> Declaration | None:
        """The declaration a record was opened as, if it was."""
        return self.session.exec(select(Declaration).where(Declaration.record_id == record_id)).first()

    def declarations_for(self, person_id: int) -> list[Declaration]:
        """The declarations opened under a person's ID number, oldest first."""
        return list(self.session.exec(select(Declaration).where(Declaration.person_id == person_id)
                                      .order_by(col(Declaration.id))).all())

    # -- the SMS queue ---------------------------------------------------------------------

    def queue_sms(self, challenge: IdentityChallenge, phone: str, code: str, ttl_minutes: int) -> SmsOutbox:
        """Queue the SMS that carries a code (sealed until sent)."""
        vault = self.store.vault
        row = SmsOutbox(challenge_id=challenge.id or 0, phone_enc=vault.seal(phone), code_enc=vault.seal(code),
                        ttl_minutes=ttl_minutes)
        self.session.add(row)
        self.session.flush()
        self.session.info.setdefault(_QUEUED, []).append(row.id)
        return row

    def claim_sms(self, sms_id: int, now: datetime) -> PendingSms | None:
        """Take a queued SMS for sending, once across processes; None when already taken."""
        done = self.session.execute(
            update(SmsOutbox).where(col(SmsOutbox.id) == sms_id, col(SmsOutbox.sent_at).is_(None))
            .values(sent_at=now))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = self.session.get(SmsOutbox, sms_id, populate_existing=True)
        if row is None or row.code_enc is None:
            return None
        vault = self.store.vault
        return PendingSms(sms_id, vault.open(row.phone_enc), vault.open(row.code_enc), row.ttl_minutes)

    def sms_sent(self, sms_id: int) -> None:
        """Forget the code of a sent SMS."""
        self.session.execute(update(SmsOutbox).where(col(SmsOutbox.id) == sms_id).values(code_enc=None))

    def sms_failed(self, sms_id: int) -> None:
        """Put back an SMS the gateway refused (its code still valid; "重新发送" sends a new one)."""
        row = self.session.get(SmsOutbox, sms_id)
        if row is not None:
            row.sent_at = None
            row.failures += 1
            self.session.add(row)
            self.session.flush()

    def unsent_sms_ids(self, limit: int = 50) -> list[int]:
        """Queued SMS not yet sent, oldest first (for a dispatcher that retries)."""
        rows = self.session.exec(select(SmsOutbox.id).where(col(SmsOutbox.sent_at).is_(None))
                                 .order_by(col(SmsOutbox.id)).limit(limit)).all()
        return [r for r in rows if r is not None]
