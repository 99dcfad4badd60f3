"""Upgrading a database an earlier version wrote: answers kept in clear are sealed once, and no page keeps them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from admin.cli import app as cli
from admin.runtime import Runtime
from storage.models import Answer
from tests.conftest import TEST_SECRET, Chat
from tests.helpers import make_id

NAME = "欧阳砚秋"  # a name no other test uses, to find in the raw file
ID = make_id("620102", "19650312", "001")


def _as_an_older_version_wrote_it(runtime: Runtime) -> int:
    """A record answered through the chat, then its sealed name and gender put in clear, as 0.1 kept them."""
    chat = Chat(runtime, "veterans")
    chat.start()
    chat.say("同意")
    chat.identify(ID)
    for text in ("退役士兵", NAME, "男"):
        chat.say(text)
    with runtime.store_scope() as store:
        rows = store.session.exec(select(Answer).where(Answer.question_key.in_(["name", "gender"]))).all()  # type: ignore[attr-defined]
        for a in rows:
            value = store.vault.open_json(a.value_enc) if a.value_enc else None
            a.value_json, a.value_enc = json.dumps(value, ensure_ascii=False), None
            store.session.add(a)
        return len(rows)


def test_seal_clear_seals_old_clear_answers_and_compacts(
    runtime: Runtime, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _as_an_older_version_wrote_it(runtime) == 2
    with runtime.store_scope() as store:
        before = {k: a.value for k, a in store.records.current_answers(1).items()}
    monkeypatch.chdir(tmp_path)
    for name, value in {"INTAKE_ENV": "test", "INTAKE_DATABASE_URL": db_url, "INTAKE_SECRET_KEY": TEST_SECRET}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["keys", "seal-clear", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "2 of them sealed now" in result.output
    with runtime.store_scope() as store:
        assert store.session.exec(select(Answer).where(Answer.value_json.is_not(None))).all() == []  # type: ignore[union-attr]
        assert {k: a.value for k, a in store.records.current_answers(1).items()} == before  # nothing lost
    if db_url.startswith("sqlite"):
        runtime.db.dispose()
        path = Path(db_url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert NAME.encode() not in raw and json.dumps(NAME).encode() not in raw
    again = CliRunner().invoke(cli, ["keys", "seal-clear"])
    assert again.exit_code == 0 and "0 of them sealed now" in again.output
