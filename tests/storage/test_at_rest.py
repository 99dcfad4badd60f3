"""Data at rest on SQLite and PostgreSQL: sealed answers and dialogue states, file permissions, the audit log."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from admin.runtime import Runtime
from storage.crypto import Vault
from storage.db import create_schema, make_engine
from storage.models import Answer, Conversation
from storage.repo import Store
from storage.staff import AuditEntry
from tests.conftest import TEST_SECRET, Chat
from tests.helpers import make_id


def test_an_answer_is_sealed_unless_the_caller_says_it_may_stay_clear(runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        campaign = store.campaigns.ensure("veterans", "1", 2026, "t", None)
        record, _ = store.records.ensure(campaign, "person:1", channel="web")
        store.records.save_answer(record, "name", "欧阳修远", raw="我叫欧阳修远", confidence=1, status="new",
                          channel="web", actor="self:web")  # no sensitive= given: sealed
        store.records.save_answer(record, "employment", "8", raw="种地", confidence=1, status="new", channel="web",
                          actor="self:web", sensitive=False)
    with runtime.store_scope() as store:
        rows = {a.question_key: a for a in store.session.exec(select(Answer)).all()}
        assert rows["name"].value_json is None and rows["name"].value_enc is not None
        assert rows["employment"].value_json == '"8"' and rows["employment"].raw_enc is not None
        assert store.records.current_answers(record.id or 0)["name"].value == "欧阳修远"


def test_the_dialogue_state_is_sealed_with_a_pending_read_back(runtime: Runtime) -> None:
    chat = Chat(runtime, "veterans", user="state-1")
    chat.start()
    chat.say("同意")
    chat.say(make_id("620102", "19650312", "001"))
    with runtime.store_scope() as store:
        conv = store.conversations.find("web", "state-1")
        assert conv is not None
        state = store.conversations.state(conv)
        state["readback"] = {"key": "phone", "text": "幺三九八七六五四三二幺", "confidence": 0.4, "blob_id": None}
        state["rule_retries"] = {"birth_matches_id:birth_date": {"start": "1966-03-12"}}
        store.conversations.save(conv, state)
    with runtime.store_scope() as store:
        conv = store.conversations.find("web", "state-1")
        assert conv is not None
        assert conv.state_json.startswith("sealed:") and "幺三九" not in conv.state_json
        assert "1966" not in conv.state_json and "phase" not in conv.state_json  # nothing readable
        assert store.conversations.state(conv)["readback"]["text"] == "幺三九八七六五四三二幺"
        assert runtime.engine.pending(store, "web", "state-1").yes_no  # the engine reads it through the store


def test_a_state_of_the_first_format_still_reads_and_is_sealed_when_saved(runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        store.session.add(Conversation(channel="web", channel_user_id="old", questionnaire="veterans",
                                       state_json=json.dumps({"phase": "notice"})))
    chat = Chat(runtime, "veterans", user="old")
    chat.say("同意")
    assert chat.asking == "id_number"
    with runtime.store_scope() as store:
        conv = store.conversations.find("web", "old")
        assert conv is not None and conv.state_json.startswith("sealed:")
        assert store.conversations.state(conv)["phase"] == "identify"


def test_a_person_is_found_under_an_old_key(db_url: str, runtime: Runtime) -> None:
    number = make_id("620102", "19650312", "003")
    with runtime.store_scope() as store:
        old = Store(store.session, Vault("the-key-before-the-rotation-0001"))
        person = old.people.create(number, name="司马相如")
        pid = person.id
    ring = Vault(TEST_SECRET, ["the-key-before-the-rotation-0001"])
    with runtime.store_scope() as store:
        found = Store(store.session, ring).people.find(number)
        assert found is not None and found.id == pid
        assert Store(store.session, ring).people.name(found) == "司马相如"
        assert Store(store.session, runtime.vault).people.find(number) is None  # the old key unknown


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_are_the_owners_only(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "db"
    path = folder / "intake.db"
    old_umask = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{path}")
        create_schema(engine)
        with engine.begin() as conn:  # a write, so that the WAL and shared-memory files exist
            conn.execute(text("INSERT INTO region (name, level, path) VALUES ('甘肃省', 'province', '甘肃省')"))
            assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
            assert _mode(path) == _mode(Path(f"{path}-wal")) == _mode(Path(f"{path}-shm")) == 0o600
        engine.dispose()
    finally:
        os.umask(old_umask)
    assert _mode(folder) == _mode(folder.parent) == 0o700
    loose = tmp_path / "loose.db"
    loose.touch(mode=0o644)
    os.chmod(loose, 0o644)
    make_engine(f"sqlite:///{loose}").dispose()
    assert _mode(loose) == 0o600  # an existing database readable by others is tightened


def test_the_audit_log_refuses_updates_deletes_and_truncate(db_url: str, runtime: Runtime) -> None:
    with runtime.store_scope() as store:
        store.session.add(AuditEntry(action="login"))
    statements = ["UPDATE auditentry SET action = 'x'", "DELETE FROM auditentry"]
    if runtime.db.dialect.name == "postgresql":
        statements += ["TRUNCATE auditentry", "TRUNCATE auditentry RESTART IDENTITY CASCADE"]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), runtime.db.begin() as conn:
            conn.execute(text(statement))
    with runtime.store_scope() as store:
        assert [a.action for a in store.session.exec(select(AuditEntry)).all()] == ["login"]
