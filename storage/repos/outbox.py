"""Messages waiting for a person until their channel can deliver them (text sealed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select

from storage.models import Outbox, utcnow
from storage.repos.base import Repository


@dataclass(frozen=True)
class OutboxItem:
    """A waiting message for a person, opened, as the dispatcher sends it."""

    id: int
    channel: str
    channel_user_id: str
    text: str


class OutboxRepo(Repository):
    """The outbox of messages to channel users."""

    def queue(self, channel: str, channel_user_id: str, text: str) -> Outbox:
        """Keep a message for a person until their channel can deliver it."""
        self.ctx.no_outbox.discard((channel, channel_user_id))
        row = Outbox(channel=channel, channel_user_id=channel_user_id, text_enc=self.vault.seal(text))
        self.session.add(row)
        self.session.flush()
        return row

    def take(self, channel: str, channel_user_id: str) -> list[str]:
        """The undelivered messages of a channel user, marked delivered."""
        if (channel, channel_user_id) in self.ctx.no_outbox:
            return []  # none was waiting when this unit of work read the conversation
        rows = self.session.exec(select(Outbox).where(
            Outbox.channel == channel, Outbox.channel_user_id == channel_user_id,
            col(Outbox.delivered_at).is_(None)).order_by(col(Outbox.id))).all()
        texts = []
        for row in rows:
            texts.append(self.vault.open(row.text_enc))
            row.delivered_at = utcnow()
            self.session.add(row)
        self.session.flush()
        return texts

    def claim(self, channels: Sequence[str], *, exclude: Iterable[int] = (), limit: int = 20) -> list[OutboxItem]:
        """Waiting messages of the given channels, each marked delivered by this call only (safe across processes)."""
        skip = set(exclude)
        rows = self.session.exec(select(Outbox).where(
            col(Outbox.channel).in_(list(channels)), col(Outbox.delivered_at).is_(None))
            .order_by(col(Outbox.id)).limit(limit + len(skip))).all()
        claimed: list[OutboxItem] = []
        for row in rows:
            if row.id is None or row.id in skip or len(claimed) >= limit:
                continue
            done = self.session.execute(
                update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.delivered_at).is_(None))
                .values(delivered_at=utcnow()))
            if done.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(OutboxItem(row.id, row.channel, row.channel_user_id, self.vault.open(row.text_enc)))
        return claimed

    def release(self, row_id: int) -> None:
        """Put a claimed message back: its channel refused it; the person gets it on their next message."""
        self.session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(delivered_at=None))
