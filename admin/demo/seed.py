"""Seeding the demo: the world in one transaction, then real conversations, then the staff's work on them.

1. Regions, the demo staff (all but the marker account), the campaigns, the generated roster.
2. Every answered record through the chat service (:mod:`admin.demo.talk`): self-service people
   identified by the SMS code sent to their roster phone, collectors' interviews opened as the
   console opens them, village forms by a logged-in collector.
3. In one transaction: the marker account (its presence means the demo is loaded), rows re-dated to
   the planned moments, submitted records moved up the review levels, appeals taken and handled.

A failure in step 2 leaves a database that holds data, so a second run refuses it rather than
calling a half-seeded demo loaded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from admin.demo.people import DemoPerson, plan_people, random_name, random_phone, weighted
from admin.demo.review import Reviewers
from admin.demo.summary import count, summarise
from admin.demo.talk import DemoSms, Script, Talk
from admin.demo.timeline import Timeline
from admin.demo.values import (
    CHAT_HUMAN,
    GARBLED,
    HOTLINE,
    LOW_CONFIDENCE_KEYS,
    Answerer,
    disabled_value,
    veterans_value,
    village_value,
)
from admin.demo.world import (
    COLLECT_VILLAGE,
    COUNTIES,
    COUNTY_ADMIN,
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    MARKER,
    SELF_CHANNELS,
    STAFF,
    DemoError,
    DemoSummary,
    Place,
    demo_places,
)
from admin.imports.regions import read_region_file
from admin.runtime import Runtime
from admin.services.access import staff_pass
from admin.web.security import create_staff
from bot.dialogue import campaign_of
from bot.questionnaire import Question, Questionnaire
from bot.service import ChatService
from storage.models import Appeal, Campaign, Person, Record
from storage.repo import Store
from storage.staff import Staff
from storage.staff_repo import StaffStore
from storage.visits import Outcome, VisitMode


@dataclass
class _Planned:
    """What happens to one roster entry: how it was collected and how far it got."""

    person: DemoPerson
    channel: str
    state: str  # none | in_progress | submitted
    stage: str | None = None
    garble: bool = False
    low_confidence: bool = False
    rule: bool = False
    human: str | None = None
    person_id: int = 0
    record_id: int | None = None


def seed_demo(runtime: Runtime, regions_file: Path, *, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED,
              now: datetime | None = None, progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Fill an empty database with the demo; a no-op when the demo is already loaded."""
    started = time.monotonic()
    if runtime.settings.env == "production":
        raise DemoError("refusing to seed demo data with INTAKE_ENV=production: demo accounts share one "
                        "published password")
    if not 1 <= people <= 20000:
        raise DemoError("--people must be between 1 and 20000")
    with runtime.store_scope() as store:
        if StaffStore(store.session).by_username(MARKER) is not None:
            return summarise(store, already_loaded=True)
        held = {name: count(store, model) for name, model in
                (("people", Person), ("records", Record), ("staff accounts", Staff), ("appeals", Appeal))}
        if any(held.values()):
            what = ", ".join(f"{n} {name}" for name, n in held.items() if n)
            raise DemoError(f"the database already holds data ({what}); the demo only seeds an empty database "
                            "— point INTAKE_DATABASE_URL at a new one, e.g. sqlite:///./var/demo.db")
        added, _ = store.regions.add(read_region_file(regions_file))
    runtime.reload_regions()  # the engine reads place names against the tree
    _Seeder(runtime, seed, people, now or datetime.now(UTC), progress).run()
    with runtime.store_scope() as store:
        summary = summarise(store, already_loaded=False)
    summary.regions_added = added
    summary.seconds = time.monotonic() - started
    return summary


class _Seeder:
    """The three steps of the demo, with one generator of chance so that a seed gives the same demo."""

    def __init__(self, runtime: Runtime, seed: int, people: int, now: datetime,
                 progress: Callable[[int], None] | None) -> None:
        self.rt = runtime
        self.seed = seed
        self.count = people
        self.now = now
        self.progress = progress
        self.year = runtime.settings.campaign_year
        self.rng = random.Random(f"intake-demo/records/{seed}")
        self.sms = DemoSms()  # no demo code ever reaches a phone, whatever INTAKE_SMS_PROVIDER says
        self.chat = ChatService(runtime.engine, runtime.db, runtime.vault, self.sms)
        self.timeline = Timeline()
        self.staff: dict[str, Staff] = {}
        self.regions: dict[str, int] = {}
        self.users: dict[int, tuple[str, str]] = {}  # person id -> (channel, channel user id)

    def run(self) -> None:
        """World, conversations, staff work."""
        with self.rt.store_scope() as store:
            staff_store = StaffStore(store.session)
            for username, name, role, area in STAFF:
                if username != MARKER:
                    self.staff[username] = create_staff(staff_store, username, name, DEMO_PASSWORD, role, area)
            places = demo_places(store)
            plans = self._plan(plan_people(self.seed, self.count, places, self.year))
            campaigns = {name: self._campaign(store, name) for name in ("veterans", "disabled_update")}
            for plan in plans:
                self._enrol(store, plan, campaigns[plan.person.questionnaire])
            for path in {v for p in places for v in p.villages}:
                region = store.regions.by_path(path)
                assert region is not None and region.id is not None  # demo_places found it
                self.regions[path] = region.id
            self._campaign(store, "village_services")
        for plan in plans:
            self._converse(plan)
            if self.progress is not None:
                self.progress(1)
        self._villages(places)
        with self.rt.store_scope() as store:
            province = next(s for s in STAFF if s[0] == MARKER)
            self.staff[MARKER] = create_staff(StaffStore(store.session), *province[:2], DEMO_PASSWORD,
                                              *province[2:])
            self.timeline.redate(store)
            self._review(store, plans)

    # -- step 1 --------------------------------------------------------------------------------

    def _campaign(self, store: Store, name: str) -> Campaign:
        q = self.rt.questionnaires.get(name)
        if q is None:
            raise DemoError(f"the questionnaire {name!r} is not loaded")
        return campaign_of(store, q, self.year)

    def _plan(self, people: list[DemoPerson]) -> list[_Planned]:
        """Channel, progress and review stage of every roster entry; which records get flagged answers."""
        rng = self.rng
        plans: list[_Planned] = []
        for p in people:
            channels = {"visit": 60, "phone": 8, "wechat": 17, "web": 10, "telegram": 5} \
                if p.questionnaire == "disabled_update" else \
                {"visit": 30, "phone": 10, "wechat": 35, "web": 18, "telegram": 7}
            channel = weighted(rng, channels)
            if channel in SELF_CHANNELS and p.phone is None:
                channel = "visit"  # identification needs a code sent to the registered phone
            roll = rng.random()
            state = "none" if roll < 0.12 else "in_progress" if roll < 0.27 else "submitted"
            stage = None
            if state == "submitted":
                stage = weighted(rng, {"collected": 40, "township_reviewed": 25, "county_checked": 18,
                                       "city_accepted": 10, "province_accepted": 4, "returned": 3})
            plans.append(_Planned(p, channel, state, stage))
        done = [pl for pl in plans if pl.state == "submitted"] or [pl for pl in plans if pl.state != "none"]
        if done:  # flagged answers go to complete records, so that every kind of flag is there even when small
            spoken = [pl for pl in done if pl.channel in ("visit", "phone")] or done
            for attr, among, share in (("rule", done, 0.05), ("garble", done, 0.04), ("low_confidence", spoken, 0.08)):
                for pl in rng.sample(among, k=max(1, round(share * len(among)))):
                    setattr(pl, attr, True)
                    if pl.stage is not None and rng.random() < 0.7:
                        pl.stage = "collected"  # most flags still wait in the review queue
        chatting = [pl for pl in plans if pl.state != "none" and pl.channel in SELF_CHANNELS]
        for pl in rng.sample(chatting, k=min(len(chatting), max(2, round(0.03 * len(plans))))):
            pl.human = rng.choice(CHAT_HUMAN)
        return plans

    def _enrol(self, store: Store, plan: _Planned, campaign: Campaign) -> None:
        """The person on the campaign's roster, as a roster import puts them."""
        p = plan.person
        region = store.regions.by_path(p.village)
        if region is None:
            raise DemoError(f"no region {p.village!r}")
        person = store.people.create(p.id_number, source="roster", name=p.name, phone=p.phone, region_id=region.id)
        store.campaigns.put_roster_entry(campaign.id or 0, person, region.id, {"name": p.name,
                                                                     **({"phone": p.phone} if p.phone else {})})
        plan.person_id = person.id or 0
        store.visits.refresh_needs(campaign, [plan.person_id])

    # -- step 2 --------------------------------------------------------------------------------

    def _collector(self, village: str) -> Staff:
        """Who visits or calls people of a village: its collector, else the county's administrator."""
        if village == COLLECT_VILLAGE:
            return self.staff["demo.village"]
        return self.staff[COUNTY_ADMIN["/".join(village.split("/")[:3])]]

    def _converse(self, plan: _Planned) -> None:
        if plan.state == "none":
            return
        p, rng = plan.person, self.rng
        q = self.rt.questionnaires[p.questionnaire]
        opened = self.now - timedelta(days=rng.uniform(0.5, 40))
        answerer = Answerer(rng, q.campaign.reference_for(self.year) or date(self.year, 6, 30), p.village.split("/")[2])
        fill = veterans_value if p.questionnaire == "veterans" else disabled_value

        def value_of(question: Question) -> object:
            value = fill(answerer, p, question)
            answerer.stored[question.key] = value
            return value

        script = Script(value_of, spoken=plan.channel in ("visit", "phone"), human=plan.human)
        if plan.state == "in_progress":
            script.stop_after = rng.randint(3, 14)
        unreadable = [k for k in GARBLED if k in q.by_key and _always_asked(q, q.by_key[k])]
        if plan.garble and unreadable:
            script.garble = rng.choice(unreadable)
        if plan.rule:
            shifted = date(p.birth.year + rng.choice((-1, 1)), p.birth.month, min(p.birth.day, 28))
            day = shifted.isoformat()
            script.misstated["birth_date"] = {"start": day, "end": day, "granularity": "day"}
        heard_badly = [k for k in LOW_CONFIDENCE_KEYS if k in q.by_key and _always_asked(q, q.by_key[k])]
        if plan.low_confidence and script.spoken and heard_badly:
            script.low_key = rng.choice(heard_badly)
        if plan.channel in SELF_CHANNELS:
            user = _channel_user(rng, plan.channel)
            talk = Talk(self.chat, self.sms, q, plan.channel, user, opened, rng, self.timeline)
            talk.open_self(p.id_number)
            self.users[plan.person_id] = (plan.channel, user)
        else:
            talk = Talk(self.chat, self.sms, q, plan.channel, "", opened, rng, self.timeline)
            talk.open_interview(plan.person_id, self._collector(p.village).id or 0)
        plan.record_id = talk.run(script).record_id
        if plan.channel in ("visit", "phone"):
            self._visits(plan, opened)

    def _visits(self, plan: _Planned, opened: datetime) -> None:
        """The visit or call of the interview, met; a second home visit for about half of those visited."""
        staff_id = self._collector(plan.person.village).id or 0
        mode = VisitMode.HOME if plan.channel == "visit" else VisitMode.PHONE
        times = [opened] + ([opened - timedelta(days=self.rng.uniform(60, 150))]
                            if mode is VisitMode.HOME and self.rng.random() < 0.5 else [])
        campaign_key = f"{plan.person.questionnaire}-{self.year}"

        def add(store: Store) -> None:
            campaign = store.campaigns.by_key(campaign_key)
            assert campaign is not None
            visits = store.visits
            for at in times:
                visits.add(campaign_id=campaign.id or 0, person_id=plan.person_id, record_id=plan.record_id,
                           staff_id=staff_id, at=at, mode=mode, outcome=Outcome.MET, note=None)

        self.chat.within(add)

    def _villages(self, places: list[Place]) -> None:
        """The demo collector's village and about half of the others fill the village services form."""
        q = self.rt.questionnaires.get("village_services")
        if q is None:
            return
        with self.rt.store_scope() as store:
            passes = {username: staff_pass(StaffStore(store.session), store.session.merge(staff))
                      for username, staff in self.staff.items()}
        for place in places:
            for path in place.villages:
                if path != COLLECT_VILLAGE and self.rng.random() < 0.5:
                    continue
                collector = self._collector(path)
                who = (collector.display_name if path == COLLECT_VILLAGE else
                       random_name(self.rng, self.rng.choice("12"), False), random_phone(self.rng))
                answerer = Answerer(self.rng, q.campaign.reference_for(self.year) or date(self.year, 6, 30),
                                    path.split("/")[2])

                def value_of(question: Question, a: Answerer = answerer, w: tuple[str, str] = who) -> object:
                    value = village_value(a, w, question)
                    a.stored[question.key] = value
                    return value

                opened = self.now - timedelta(days=self.rng.uniform(0.5, 20))
                talk = Talk(self.chat, self.sms, q, "web", f"web-village-{self.regions[path]}", opened, self.rng,
                            self.timeline, staff=passes[collector.username])
                talk.open_village("".join(path.split("/")[3:]))
                talk.run(Script(value_of))

    # -- step 3 --------------------------------------------------------------------------------

    def _review(self, store: Store, plans: list[_Planned]) -> None:
        reviewers = Reviewers(store, {k: store.session.merge(v) for k, v in self.staff.items()}, self.rng, self.now)
        for plan in plans:
            if plan.record_id is not None and plan.stage is not None:
                reviewers.move(store.records.get(plan.record_id), plan.person.village, plan.stage)
        rng = self.rng
        for plan in rng.sample(plans, k=min(len(plans), max(2, round(0.04 * len(plans))))):
            region = store.people.get(plan.person_id).region_id
            reviewers.handle(reviewers.take_call(rng.choice(HOTLINE), plan.person_id, region))
        for text in rng.sample(HOTLINE, k=2):  # callers who gave no ID number: placed in their county
            county = store.regions.by_path(rng.choice([c.path for c in COUNTIES]))
            reviewers.handle(reviewers.take_call(text, None, county.id if county else None))
        for appeal in store.session.exec(select(Appeal).where(col(Appeal.source).in_(("chat", "questionnaire")))
                                         .order_by(col(Appeal.id))).all():
            reviewers.handle(appeal)


def _always_asked(q: Questionnaire, question: Question) -> bool:
    """Whether a question is asked of everybody (no condition on it or on its section)."""
    return question.required and question.relevant is None and q.section_of[question.key].relevant is None


def _channel_user(rng: random.Random, channel: str) -> str:
    """A channel's id of a demo person: a WeChat OpenID, a Telegram chat id, a web chat's browser id."""
    if channel == "wechat":
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
        return "o" + "".join(rng.choice(alphabet) for _ in range(27))
    if channel == "telegram":
        return str(rng.randrange(10**8, 10**10))
    return f"web-{rng.getrandbits(64):016x}"
