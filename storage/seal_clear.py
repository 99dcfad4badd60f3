"""Sealing answers an older intake kept in clear: a one-off step after upgrading (``intake keys seal-clear``).

Earlier versions sealed an answer only when its question said ``sensitive: true``; names, free text,
birth dates and more were kept in ``answer.value_json``. New answers are sealed by the question's
derived sensitivity; this moves the old clear values into ``value_enc`` under the current key, in
batches with a commit each (interrupted, it resumes: sealed rows no longer match), and then
compacts the database so that no page keeps the clear copy (SQLite: checkpoint and ``VACUUM``;
PostgreSQL: ``VACUUM FULL`` of the answer table).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from storage.crypto import Vault
from storage.models import Answer, Campaign, Record


@dataclass(frozen=True)
class SealReport:
    """What the step did."""

    looked_at: int  # answers in clear
    sealed: int  # of them, sealed now
    compacted: bool  # the database was rewritten without the old pages


def seal_clear_answers(
    engine: Engine, vault: Vault, sensitive: Callable[[str, str], bool], *, batch_size: int = 500,
    compact: bool = True,
) -> SealReport:
    """Seal every clear answer whose question (``sensitive(questionnaire, key)``) is to be sealed."""
    after, looked, sealed = 0, 0, 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(Answer.id, Answer.value_json, Answer.question_key, Campaign.questionnaire)  # type: ignore[call-overload]
                .join(Record, Record.id == Answer.record_id)
                .join(Campaign, Campaign.id == Record.campaign_id)
                .where(Answer.value_json.is_not(None), Answer.id > after)  # type: ignore[union-attr,operator]
                .order_by(Answer.id).limit(batch_size)
            ).all()
            if not rows:
                break
            for answer_id, value_json, key, questionnaire in rows:
                looked += 1
                after = answer_id
                if not sensitive(questionnaire, key):
                    continue
                conn.execute(update(Answer).where(Answer.id == answer_id, Answer.value_json == value_json)
                             .values(value_enc=vault.seal_json(json.loads(value_json)), value_json=None))
                sealed += 1
    compacted = bool(sealed) and compact
    if compacted:
        _compact(engine)
    return SealReport(looked, sealed, compacted)


def _compact(engine: Engine) -> None:
    """Rewrite the database files so freed pages holding clear values are gone."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.exec_driver_sql("VACUUM FULL answer")
