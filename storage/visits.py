"""Home visits and phone calls as events, the visit figures computed from them, and who needs a home visit.

The plans ask for at least two home visits a year to every person on the roster (“每年至少两次…入户走访”,
入户率 95%) and for home service to the old, the weak and the disabled (“对年老体弱、残疾等行动不便的对象，
要采取上门服务的方式”). Each visit or call a collector makes is a :class:`VisitEvent` (who, whom, when, how,
with what outcome, a sealed note); the figures of a region are SQL aggregates over those events, never a
guess from the channel of answers. :class:`VisitNeed` is the maintained flag of a person who needs a home
visit in a campaign (aged 80 or more, disabled, no phone), computed when the roster is imported, when an
interview opens and when a record is submitted: the birth date is in the sealed ID number only, so the flag
is what can be listed without opening every person's number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, LargeBinary, UniqueConstraint, case, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col, select

from storage.crypto import Vault
from storage.models import Answer, Campaign, Person, Record, RosterEntry, utcnow

OLD_AGE = 80  # from this age a person gets a home visit
DISABLED_QUESTIONNAIRE = "disabled_update"  # its roster is of 持证残疾人


class VisitMode(StrEnum):
    """How the collector reached the person."""

    HOME = "home"  # 入户走访
    PHONE = "phone"  # 电话


class Outcome(StrEnum):
    """What came of a visit or call."""

    MET = "met"  # 见到本人 / 接通
    NOT_AT_HOME = "not_at_home"
    REFUSED = "refused"
    MOVED = "moved"
    DIED = "died"


OUTCOME_LABELS = {Outcome.MET: "见到本人", Outcome.NOT_AT_HOME: "不在家/未接通", Outcome.REFUSED: "拒绝",
                  Outcome.MOVED: "已搬走", Outcome.DIED: "已去世"}
VISIT_MODE_LABELS = {VisitMode.HOME: "入户走访", VisitMode.PHONE: "电话"}


class VisitEvent(SQLModel, table=True):
    """One home visit or phone call of a collector to a person, in a campaign."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    record_id: int | None = Field(default=None, foreign_key="record.id")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    at: datetime  # when it happened (the collector may enter it afterwards)
    mode: str  # a VisitMode value
    outcome: str  # an Outcome value
    note_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class VisitNeed(SQLModel, table=True):
    """Why a person needs a home visit in a campaign (a maintained flag: the reasons hold no personal data)."""

    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    aged: bool = False  # 80 or more at the campaign's reference date (or the end of its year)
    disabled: bool = False
    no_phone: bool = False
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def needed(self) -> bool:
        return self.aged or self.disabled or self.no_phone


@dataclass(frozen=True)
class Visit:
    """A visit event, opened."""

    id: int
    campaign_id: int
    person_id: int
    record_id: int | None
    staff_id: int
    at: datetime
    mode: VisitMode
    outcome: Outcome
    note: str | None


@dataclass(frozen=True)
class VisitFigures:
    """The visit figures of a campaign in some regions, over the persons on its roster there."""

    roster: int
    contacted: int  # persons met at least once (at home or on the phone)
    visited: int  # persons met at home at least once
    visited_twice: int  # persons met at home at least twice


@dataclass(frozen=True)
class NeedRow:
    """A person who needs a home visit, with their visits of the campaign (values in clear: mask to show)."""

    person_id: int
    region_id: int | None
    name: str | None
    phone: str | None
    aged: bool
    disabled: bool
    no_phone: bool
    home_visits_met: int
    last_visit_at: datetime | None


def age_on(id_number: str, day: date) -> int | None:
    """The age on ``day`` of the holder of an 18-character ID number (its digits 7–14 are the birth date)."""
    try:
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def campaign_day(campaign: Campaign) -> date:
    """The day ages are counted at: the campaign's reference date, else the end of its year."""
    return campaign.reference_date or date(campaign.year, 12, 31)


class Visits:
    """Visit events and needs; seals and opens notes, commit is the caller's."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault

    # -- events ---------------------------------------------------------------------------------

    def add(self, *, campaign_id: int, person_id: int, record_id: int | None, staff_id: int, at: datetime,
            mode: VisitMode, outcome: Outcome, note: str | None) -> Visit:
        row = VisitEvent(campaign_id=campaign_id, person_id=person_id, record_id=record_id, staff_id=staff_id,
                         at=at, mode=mode.value, outcome=outcome.value,
                         note_enc=self.vault.seal(note) if note else None)
        self.session.add(row)
        self.session.flush()
        return self._open(row)

    def record_of(self, campaign_id: int, person_id: int) -> int | None:
        """The id of the person's record in the campaign, if one was begun."""
        return self.session.exec(select(Record.id).where(
            Record.campaign_id == campaign_id, Record.person_id == person_id)).first()

    def of_person(self, campaign_id: int, person_id: int) -> list[Visit]:
        """A person's visits in a campaign, newest first."""
        rows = self.session.exec(select(VisitEvent).where(
            VisitEvent.campaign_id == campaign_id, VisitEvent.person_id == person_id)
            .order_by(col(VisitEvent.at).desc(), col(VisitEvent.id).desc())).all()
        return [self._open(r) for r in rows]

    def in_regions(self, campaign_id: int, region_ids: frozenset[int] | None, *, limit: int = 100,
                   offset: int = 0) -> tuple[int, list[Visit]]:
        """Visits of a campaign to persons placed (by roster, else by person) in the regions, newest first."""
        home = func.coalesce(RosterEntry.region_id, Person.region_id)
        query = (select(VisitEvent)
                 .join(Person, col(Person.id) == col(VisitEvent.person_id))
                 .join(RosterEntry, (col(RosterEntry.person_id) == col(VisitEvent.person_id))
                       & (col(RosterEntry.campaign_id) == col(VisitEvent.campaign_id)), isouter=True)
                 .where(VisitEvent.campaign_id == campaign_id))
        if region_ids is not None:
            query = query.where(home.in_(sorted(region_ids)))
        total = int(self.session.exec(select(func.count()).select_from(query.subquery())).one())
        rows = self.session.exec(query.order_by(col(VisitEvent.at).desc(), col(VisitEvent.id).desc())
                                 .limit(limit).offset(offset)).all()
        return total, [self._open(r) for r in rows]

    def _open(self, row: VisitEvent) -> Visit:
        return Visit(id=row.id or 0, campaign_id=row.campaign_id, person_id=row.person_id, record_id=row.record_id,
                     staff_id=row.staff_id, at=row.at, mode=VisitMode(row.mode), outcome=Outcome(row.outcome),
                     note=self.vault.open(row.note_enc) if row.note_enc else None)

    # -- figures --------------------------------------------------------------------------------

    def figures(self, campaign_id: int, region_ids: Sequence[int] | frozenset[int] | None) -> VisitFigures:
        """Roster size and persons contacted, visited at home once and twice, in the regions (None: all)."""

        def within(column: Any) -> Any:
            return col(column).in_(sorted(region_ids)) if region_ids is not None else true()

        met = col(VisitEvent.outcome) == Outcome.MET.value
        home_met = met & (col(VisitEvent.mode) == VisitMode.HOME.value)
        per_person = (
            sa_select(col(VisitEvent.person_id).label("person_id"),
                      func.count().label("met"),
                   func.sum(case((home_met, 1), else_=0)).label("home"))
            .join(RosterEntry, (col(RosterEntry.person_id) == col(VisitEvent.person_id))
                  & (col(RosterEntry.campaign_id) == col(VisitEvent.campaign_id)))
            .where(col(VisitEvent.campaign_id) == campaign_id, met, within(RosterEntry.region_id))
            .group_by(col(VisitEvent.person_id))
            .subquery()
        )
        contacted, visited, twice = self.session.execute(sa_select(
            func.count(), func.coalesce(func.sum(case((per_person.c.home >= 1, 1), else_=0)), 0),
            func.coalesce(func.sum(case((per_person.c.home >= 2, 1), else_=0)), 0)).select_from(per_person)).one()
        roster = self.session.exec(select(func.count()).select_from(RosterEntry).where(
            RosterEntry.campaign_id == campaign_id, within(RosterEntry.region_id))).one()
        return VisitFigures(roster=int(roster), contacted=int(contacted), visited=int(visited),
                            visited_twice=int(twice))

    # -- who needs a home visit -----------------------------------------------------------------

    def refresh_needs(self, campaign: Campaign, person_ids: Iterable[int]) -> None:
        """Compute (again) why each of these persons needs a home visit in the campaign."""
        ids = sorted(set(person_ids))
        if not ids:
            return
        persons = self.session.exec(select(Person).where(col(Person.id).in_(ids))).all()
        disabled = set(self.session.exec(
            select(RosterEntry.person_id).join(Campaign, col(Campaign.id) == col(RosterEntry.campaign_id))
            .where(col(RosterEntry.person_id).in_(ids), Campaign.questionnaire == DISABLED_QUESTIONNAIRE)).all())
        disabled |= set(pid for pid in self.session.exec(
            select(Record.person_id).join(Campaign, col(Campaign.id) == col(Record.campaign_id))
            .where(col(Record.person_id).in_(ids), Campaign.questionnaire == DISABLED_QUESTIONNAIRE)).all()
            if pid is not None)
        said_none = set(pid for pid in self.session.exec(
            select(Record.person_id).join(Answer, col(Answer.record_id) == col(Record.id))
            .where(col(Record.person_id).in_(ids), Record.campaign_id == campaign.id, Answer.question_key == "phone",
                   col(Answer.is_current).is_(True), Answer.status == "none")).all() if pid is not None)
        existing = {n.person_id: n for n in self.session.exec(select(VisitNeed).where(
            VisitNeed.campaign_id == campaign.id, col(VisitNeed.person_id).in_(ids))).all()}
        day = campaign_day(campaign)
        for person in persons:
            pid = person.id or 0
            age = age_on(self.vault.open(person.id_number_enc), day)
            need = existing.get(pid) or VisitNeed(campaign_id=campaign.id or 0, person_id=pid)
            need.aged = age is not None and age >= OLD_AGE
            need.disabled = pid in disabled or campaign.questionnaire == DISABLED_QUESTIONNAIRE
            need.no_phone = person.phone_enc is None or pid in said_none
            need.updated_at = utcnow()
            self.session.add(need)
        self.session.flush()

    def needing(self, campaign_id: int, region_ids: frozenset[int] | None, *, limit: int = 100,
                offset: int = 0) -> tuple[int, list[NeedRow]]:
        """Persons of the campaign's roster in the regions who need a home visit, fewest home visits first."""
        met_home = (col(VisitEvent.outcome) == Outcome.MET.value) & (col(VisitEvent.mode) == VisitMode.HOME.value)
        visits = (sa_select(col(VisitEvent.person_id).label("person_id"),
                            func.sum(case((met_home, 1), else_=0)).label("home"),
                            func.max(col(VisitEvent.at)).label("last"))
                  .where(col(VisitEvent.campaign_id) == campaign_id).group_by(col(VisitEvent.person_id)).subquery())
        where: list[Any] = [VisitNeed.campaign_id == campaign_id,
                               col(VisitNeed.aged) | col(VisitNeed.disabled) | col(VisitNeed.no_phone)]
        if region_ids is not None:
            where.append(col(RosterEntry.region_id).in_(sorted(region_ids)))
        base = (sa_select(VisitNeed, Person, col(RosterEntry.region_id), visits.c.home, visits.c.last)
                .join(Person, col(Person.id) == col(VisitNeed.person_id))
                .join(RosterEntry, (col(RosterEntry.person_id) == col(VisitNeed.person_id))
                      & (col(RosterEntry.campaign_id) == col(VisitNeed.campaign_id)))
                .join(visits, visits.c.person_id == col(VisitNeed.person_id), isouter=True)
                .where(*where))
        total = int(self.session.execute(sa_select(func.count()).select_from(base.subquery())).scalar_one())
        rows = self.session.execute(base.order_by(func.coalesce(visits.c.home, 0), col(VisitNeed.person_id))
                                 .limit(limit).offset(offset)).all()
        out = []
        for need, person, region_id, home, last in rows:
            out.append(NeedRow(person_id=person.id or 0, region_id=region_id,
                               name=self.vault.open(person.name_enc) if person.name_enc else None,
                               phone=self.vault.open(person.phone_enc) if person.phone_enc else None,
                               aged=need.aged, disabled=need.disabled, no_phone=need.no_phone,
                               home_visits_met=int(home or 0), last_visit_at=last))
        return total, out
