"""Alembic migrations: every revision in turn gives the tables of the code, an older intake's database is
adopted and upgraded with its rows, revision 2 goes down and up again, two processes start at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from storage import migrate
from storage.db import make_engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                     SQLModel.metadata))


def _audit_refuses_changes(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO auditentry (at, action, result, detail) "
                          "VALUES (CURRENT_TIMESTAMP, 'login', 'ok', '')"))
    for statement in ("UPDATE auditentry SET result = 'no'", "DELETE FROM auditentry"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def _conversation(engine: Engine, user: str = "u1") -> int:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO conversation (channel, channel_user_id, questionnaire, state_json, updated_at) "
                          "VALUES ('web', :u, 'veterans', '{}', CURRENT_TIMESTAMP)"), {"u": user})
        return int(conn.execute(text("SELECT id FROM conversation WHERE channel_user_id = :u"), {"u": user}).scalar_one())


def _transcript_is_trimmed(engine: Engine) -> None:
    conv = _conversation(engine)
    with engine.begin() as conn:
        for seq in range(1, 231):
            conn.execute(text("INSERT INTO transcriptentry (conversation_id, seq, direction, kind, text_enc, created_at) "
                              "VALUES (:c, :s, 'in', 'text', :t, CURRENT_TIMESTAMP)"), {"c": conv, "s": seq, "t": b"x"})
    with engine.connect() as conn:
        first, count = conn.execute(text("SELECT MIN(seq), COUNT(*) FROM transcriptentry")).one()
    assert (first, count) == (21, 210)  # the 220th entry deleted those 200 behind it and more


def test_every_revision_in_turn_gives_the_tables_of_the_code(engine: Engine) -> None:
    migrate.upgrade(engine, migrate.BASELINE)  # an empty database, revision by revision
    assert migrate.current(engine) == migrate.BASELINE
    assert "transcriptentry" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head() == "0005"
    assert _differences(engine) == []
    _audit_refuses_changes(engine)
    _transcript_is_trimmed(engine)


def test_a_new_database_is_created_at_once_and_stamped(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert _differences(engine) == []
    _audit_refuses_changes(engine)
    _transcript_is_trimmed(engine)


def test_a_database_of_an_older_intake_is_adopted_and_upgraded_with_its_rows(engine: Engine) -> None:
    migrate.upgrade(engine, migrate.BASELINE)  # what create_schema did before the migrations (revision 1's
    with engine.begin() as conn:  # tables) without the alembic_version table
        conn.execute(text("DROP TABLE alembic_version"))
    conv = _conversation(engine, "old-user")
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert _differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT channel_user_id FROM conversation WHERE id = :c"), {"c": conv}).scalar() \
            == "old-user"
    _audit_refuses_changes(engine)  # the baseline's triggers are made sure of
    _transcript_is_trimmed(engine)


def test_revision_2_goes_down_and_up_again(engine: Engine) -> None:
    migrate.upgrade(engine)
    conv = _conversation(engine, "kept")
    migrate.downgrade(engine, migrate.BASELINE)
    assert migrate.current(engine) == migrate.BASELINE
    assert "transcriptentry" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert _differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM conversation WHERE id = :c"), {"c": conv}).scalar() == 1


def test_two_processes_bringing_a_fresh_database_up_at_once_both_succeed(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def bring_up(eng: Engine) -> None:
        start.wait()
        try:
            migrate.upgrade(eng)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=bring_up, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert migrate.current(engines[0]) == migrate.head()
        assert _differences(engines[0]) == []
        with engines[0].connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1
    finally:
        for e in engines:
            e.dispose()


def test_revision_5_gives_existing_answers_the_mode_of_their_channel(engine: Engine) -> None:
    migrate.upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO campaign (key, questionnaire, questionnaire_version, year, title, status, "
                          "spot_check_rate, created_at) VALUES ('veterans-2026', 'veterans', '1', 2026, 't', 'open', "
                          "0.1, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO record (campaign_id, subject_key, status, first_channel, created_at, updated_at) "
                          "VALUES (1, 'person:1', 'in_progress', 'web', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        for i, channel in enumerate(("visit", "phone", "web", "wechat", "telegram", "terminal", "admin")):
            conn.execute(text("INSERT INTO answer (record_id, question_key, version, is_current, confidence, status, "
                              "channel, actor, created_at) VALUES (1, :k, 1, true, 1.0, 'new', :c, 'x', "
                              "CURRENT_TIMESTAMP)"), {"k": f"q{i}", "c": channel})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        modes = dict(conn.execute(text("SELECT channel, mode FROM answer")).all())  # type: ignore[arg-type]
    assert modes == {"visit": "household", "phone": "phone", "web": "mobile", "wechat": "mobile",
                     "telegram": "mobile", "terminal": None, "admin": None}
