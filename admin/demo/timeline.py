"""The demo's clock: conversations run in seconds but are told as weeks of fieldwork.

The chat service stamps rows with the real time; every demo message is sent with a planned moment
in the past. :class:`Timeline` remembers (real, planned) for each message, so that afterwards every
row the conversations wrote is re-dated to the planned moment of the message that wrote it. Only
timestamps are rewritten; what was stored is the engine's.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from storage.models import Answer, Appeal, Conversation, Flag, Record
from storage.repo import APPEAL_DAYS, Store

#: the timestamp columns conversations write, by table
_COLUMNS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Record, ("created_at", "updated_at", "submitted_at", "notice_accepted_at")),
    (Answer, ("created_at",)),
    (Flag, ("created_at",)),
    (Appeal, ("created_at",)),
    (Conversation, ("updated_at",)),
)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Timeline:
    """Real moments of demo messages and the planned moments they stand for."""

    def __init__(self) -> None:
        self._real: list[datetime] = []
        self._planned: list[datetime] = []

    def mark(self, planned: datetime) -> None:
        """A message is about to be handled now, standing for ``planned``."""
        self._real.append(datetime.now(UTC))
        self._planned.append(planned)

    def planned(self, real: datetime) -> datetime | None:
        """The planned moment of the message being handled at ``real`` (None before the first message)."""
        i = bisect_right(self._real, _aware(real))
        return self._planned[i - 1] if i else None

    def redate(self, store: Store) -> None:
        """Re-date every row the conversations wrote to its message's planned moment."""
        if not self._real:
            return
        since = self._real[0]
        for model, columns in _COLUMNS:
            for row in store.session.exec(select(model)).all():
                changed = False
                for column in columns:
                    value = getattr(row, column)
                    if value is None or _aware(value) < since:
                        continue
                    planned = self.planned(value)
                    if planned is not None:
                        setattr(row, column, planned)
                        changed = True
                if changed and isinstance(row, Appeal):
                    row.deadline = row.created_at + timedelta(days=APPEAL_DAYS)
                if changed:
                    store.session.add(row)
        store.session.flush()
