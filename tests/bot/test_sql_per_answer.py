"""One typed answer through the web chat costs at most 8 SQL statements (the per-turn context reads the
conversation, its record and campaign in one statement, the answers once; the message id is claimed by the
same INSERT that stores the replies)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event

from admin.app import create_app
from admin.runtime import Runtime
from tests.helpers import make_id

MAX_STATEMENTS = 8


@contextmanager
def _counting(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(runtime.db, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(runtime.db, "before_cursor_execute", count)


def test_one_typed_answer_costs_at_most_eight_statements(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        def say(text: str) -> list[dict[str, object]]:
            r = client.post("/chat/veterans/messages", json={"text": text, "message_id": uuid.uuid4().hex})
            assert r.status_code == 200, r.text
            return list(r.json()["replies"])

        client.get("/chat/veterans/resume")
        say("同意")
        say(make_id())
        for text in ("退役士兵", "张三", "男"):
            say(text)
        counts = []
        for text in ("汉族", "1965年3月12日", "13912345678"):
            with _counting(runtime) as statements:
                replies = say(text)
            assert replies and "已记录" in str(replies[0]["text"])
            counts.append(len(statements))
        with _counting(runtime) as statements:
            say("把民族改成回族")  # a change replaces a current answer
        counts.append(len(statements))
    assert max(counts) <= MAX_STATEMENTS, counts


def test_a_repeated_message_id_gets_the_first_replies_and_changes_nothing(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        def say(text: str, mid: str | None = None) -> list[dict[str, object]]:
            r = client.post("/chat/veterans/messages", json={"text": text, "message_id": mid or uuid.uuid4().hex})
            return list(r.json()["replies"])

        client.get("/chat/veterans/resume")
        say("同意")
        say(make_id())
        first = say("退役士兵", "m-1")
        again = say("退役士兵", "m-1")  # a retry after the first was handled: now at the name question
        assert again == first
        with runtime.store_scope() as store:
            from sqlmodel import select

            from storage.models import Record

            rec = store.session.exec(select(Record)).one()
            answers = store.records.current_answers(rec.id or 0)
        assert "name" not in answers and answers["recipient_kind"].value == "02"
