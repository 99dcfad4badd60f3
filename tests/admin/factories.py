"""Rows for the identification tests, made through the stores (not by chatting): submitted records at a
workflow stage, change requests, blocked identifications, declarations, persons no region places."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from admin.runtime import Runtime
from admin.web.security import create_staff
from bot.values import encode
from nlu.result import Parsed
from storage.changes import ChangeStore
from storage.identity import ChallengeKind, DeclarationSource, IdentityStore, person_key
from storage.models import Record
from storage.staff_repo import StaffStore
from tests.admin.conftest import DONGXIANG, PW
from tests.helpers import make_id

TOWNSHIP = DONGXIANG + "/东塬乡"
VILLAGE = TOWNSHIP + "/东塬村"
JISHISHAN_VILLAGE = "甘肃省/临夏回族自治州/积石山保安族东乡族撒拉族自治县/中咀岭乡/中咀岭村"
PROVINCE = "甘肃省"
NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)


def add_staff(runtime: Runtime, username: str, role: str, region: str) -> None:
    """One more staff account (password PW)."""
    with runtime.store_scope() as store:
        create_staff(StaffStore(store.session), username, username, PW, role, region)


def stored(runtime: Runtime, key: str, text: str) -> Any:
    """A veterans answer as typed, in its stored form."""
    question = runtime.questionnaires["veterans"].by_key[key]
    parsed = runtime.understanding.parse(question, text, NOW)
    assert isinstance(parsed, Parsed), (key, text, parsed)
    return encode(question, parsed.value)


@dataclass
class Maker:
    """Makes rows in the test database; ``serial`` keeps ID numbers apart."""

    runtime: Runtime
    serial: int = 300
    numbers: dict[int, str] = field(default_factory=dict)  # person id -> ID number

    def number(self) -> str:
        self.serial += 1
        return make_id("622926", "19550101", f"{self.serial:03d}")

    def record(self, path: str | None, *, stage: str | None = "collected", name: str | None = "王五",
               phone: str | None = "13700001234", number: str | None = None,
               answers: dict[str, str] | None = None) -> int:
        """A record of a new person placed at ``path`` (None: nowhere), submitted and moved to ``stage``."""
        rt = self.runtime
        q = rt.questionnaires["veterans"]
        with rt.store_scope() as store:
            campaign = store.campaigns.by_key("veterans-2026") or store.campaigns.ensure(
                "veterans", q.version, 2026, q.campaign.title, None)
            region = store.regions.by_path(path) if path else None
            assert path is None or region is not None, path
            person = store.people.create(number or self.number(), source="self", name=name, phone=phone,
                                         region_id=region.id if region else None)
            self.numbers[person.id or 0] = store.people.id_number(person)
            record, _ = store.records.ensure(campaign, f"person:{person.id}", channel="web", person_id=person.id,
                                         region_id=region.id if region else None)
            values = {"recipient_kind": "退役士兵", "gender": "男", "employment": "务农", **({"name": name} if name else {}),
                      **({"phone": phone} if phone else {}), **(answers or {})}
            for key, text in values.items():
                store.records.save_answer(record, key, stored(rt, key, text), raw=text, confidence=1.0, status="new",
                                  channel="web", actor="self:web", sensitive=q.by_key[key].sensitive)
            if stage is not None:
                store.records.submit(record, 2026)
                if stage != "collected":
                    store.records.move(record, "advance", stage, None)
            return record.id or 0

    def person_of(self, record_id: int) -> int:
        with self.runtime.store_scope() as store:
            person_id = store.records.get(record_id).person_id
            assert person_id is not None
            return person_id

    def change(self, record_id: int, key: str = "employment", text: str = "个体") -> int:
        """A person's change request on a record, as the engine keeps it after submission."""
        with self.runtime.store_scope() as store:
            record = store.records.get(record_id)
            row = ChangeStore(store).request(record, key, stored(self.runtime, key, text), raw=f"把{key}改成{text}",
                                             confidence=1.0, channel="web", actor="self:web")
            return row.id or 0

    def block(self, person_id: int, failures: int = 5) -> None:
        """Block a person's identification, as repeated failures do; with an open one-time code."""
        with self.runtime.store_scope() as store:
            identity = IdentityStore(store)
            row = identity.throttle(person_key(person_id))
            row.failures, row.blocked, row.locked_until = failures, True, NOW + timedelta(hours=1)
            identity.save_throttle(row, datetime.now(UTC))
            identity.add_challenge(person_id, ChallengeKind.OTP, "123456", datetime.now(UTC) + timedelta(minutes=5),
                                   channel="web", channel_user_id="web-user")

    def declaration(self, person_id: int, path: str | None, *, name: str = "赵六") -> tuple[int, int]:
        """A declaration (record, declaration ids) opened in a chat under a person's number, placed at ``path``."""
        rt = self.runtime
        with rt.store_scope() as store:
            campaign = store.campaigns.by_key("veterans-2026")
            region = store.regions.by_path(path) if path else None
            assert campaign is not None
            person = store.people.get(person_id)
            record = IdentityStore(store).open_declaration(
                campaign, person, source=DeclarationSource.SELF, channel="web", opened_by="self:web",
                region_id=region.id if region else None, flag_key="id_number")
            store.records.save_answer(record, "id_number", store.people.id_number(person), raw=None, confidence=1.0,
                              status="new", channel="web", actor="self:web", sensitive=True)
            store.records.save_answer(record, "name", name, raw=name, confidence=1.0, status="new", channel="web",
                              actor="self:web", sensitive=False)
            declaration = IdentityStore(store).declaration_of(record.id or 0)
            assert declaration is not None
            return record.id or 0, declaration.id or 0

    def state(self, record_id: int) -> tuple[object, ...]:
        """Everything a refused request must leave as it was on a record."""
        with self.runtime.store_scope() as store:
            record = store.session.get(Record, record_id)
            if record is None:
                return ()
            answers = {k: json.dumps(a.value, ensure_ascii=False) for k, a in store.records.current_answers(record_id).items()}
            return (record.stage, record.status, record.region_id, answers, len(store.records.answer_history(record_id)),
                    len(store.records.workflow_events([record_id])))


def warm_up(*bases: str) -> None:
    """One request to each test server before a race: FastAPI builds its route contexts on the first request,
    and doing that in several threads at once trips over the process-wide warnings filter (a 500)."""
    import httpx

    for base in bases:
        httpx.get(base + "/healthz", timeout=30)
