"""Dialogue state of channel users (sealed), and the channel messages already handled (de-duplication)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.crypto import is_sealed_text
from storage.models import Campaign, Conversation, InboundMessage, Outbox, Person, Record, utcnow
from storage.repos.base import Context, DuplicateMessage, Repository


class ConversationRepo(Repository):
    """The stored dialogue of each channel user."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._held: list[object] = []  # rows loaded ahead of need, kept alive for the session's identity map

    def find(self, channel: str, channel_user_id: str) -> Conversation | None:
        """The stored dialogue of a channel user, with its record and the record's campaign loaded in the
        same statement (they are then in the session: reading them costs no further query), and whether a
        message waits for them (when none does, taking the outbox needs no query)."""
        waiting = select(Outbox.id).where(
            Outbox.channel == channel, Outbox.channel_user_id == channel_user_id, col(Outbox.delivered_at).is_(None))
        row = self.session.execute(  # SQLModel's select takes at most 4 entities; SQLAlchemy's any number
            sa_select(Conversation, Record, Campaign, Person, waiting.exists().label("waiting"))
            .outerjoin(Record, col(Record.id) == col(Conversation.record_id))
            .outerjoin(Campaign, col(Campaign.id) == col(Record.campaign_id))
            .outerjoin(Person, col(Person.id) == col(Record.person_id))
            .where(col(Conversation.channel) == channel, col(Conversation.channel_user_id) == channel_user_id)
        ).first()
        if row is None:
            return None
        # the session's identity map keeps only weak references
        self._held.extend(x for x in row[:4] if x is not None)
        if not row[4]:
            self.ctx.no_outbox.add((channel, channel_user_id))
        return row[0]

    def add(self, conv: Conversation) -> None:
        """Keep a new conversation (written with the unit of work)."""
        self.session.add(conv)

    def delete(self, conv: Conversation) -> None:
        """Forget a conversation (the person refused the notice: nothing of them is kept)."""
        self.session.delete(conv)

    def state(self, conv: Conversation) -> dict[str, Any]:
        """The dialogue state of a conversation, opened (a state of the first format, plain JSON, too)."""
        text = conv.state_json or "{}"
        data = json.loads(self.vault.open_text(text) if is_sealed_text(text) else text)
        return data if isinstance(data, dict) else {}

    def save(self, conv: Conversation, state: dict[str, Any]) -> None:
        """Store the dialogue state, sealed: it may hold what the person said (a pending read-back)."""
        conv.state_json = self.vault.seal_text(json.dumps(state, ensure_ascii=False))
        conv.updated_at = utcnow()
        self.session.add(conv)
        self.session.flush()


class MessageRepo(Repository):
    """Channel messages already processed, with the replies they got (sealed): a retry gets the same replies."""

    def seen(self, channel: str, message_key: str) -> list[dict[str, Any]] | None:
        """The replies already given to this message, or None if it is new."""
        row = self.session.exec(
            select(InboundMessage).where(InboundMessage.channel == channel, InboundMessage.message_key == message_key)
        ).first()
        if row is None:
            return None
        return list(self.vault.open_json(row.replies_enc)) if row.replies_enc else []

    def remember(self, channel: str, message_key: str, replies: list[dict[str, Any]]) -> None:
        """Record that a message was processed, with its replies; raises DuplicateMessage when it already was
        (a retry, or a copy handled at the same time by another worker: the unique key decides)."""
        row = InboundMessage(channel=channel, message_key=message_key, replies_enc=self.vault.seal_json(replies))
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise DuplicateMessage(f"{channel}:{message_key}") from exc

    def record_replies(self, channel: str, message_key: str, replies: list[dict[str, Any]]) -> None:
        """Store the replies given to a message claimed with :meth:`remember`."""
        row = self.session.exec(
            select(InboundMessage).where(InboundMessage.channel == channel, InboundMessage.message_key == message_key)
        ).one()
        row.replies_enc = self.vault.seal_json(replies)
        self.session.add(row)
