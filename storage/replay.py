"""Signed requests seen recently: a captured signature must not carry another body.

WeChat's plaintext mode signs only ``timestamp`` and ``nonce`` with the token, not the body, so a
captured query string could be replayed with any body while its timestamp is within the clock-skew
window. Each verified request is remembered by (signature, timestamp, nonce) with a digest of its
body until its timestamp leaves the window: the same request again (WeChat's own retries resend it
byte for byte) is let through to the message de-duplication, another body under the same signature
is refused. The table is shared by every process on the database (the unique key decides races)
and pruned as it is written.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Table, delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from storage.upsert import insert_ignore


class SignedRequest(SQLModel, table=True):
    """A verified request's signature (hashed) and a digest of its body, kept while a replay could pass."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=64)  # sha256 of channel, signature, timestamp, nonce
    body_sha256: str = Field(max_length=64)
    expires_at: datetime = Field(index=True)


_TABLE: Table = SignedRequest.__table__  # type: ignore[attr-defined]


class SignedRequests:
    """Remembers signed requests in the database, across processes."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def first_use(self, channel: str, signature: str, timestamp: str, nonce: str, body: bytes,
                  valid_until: float, now: float) -> bool:
        """False when the same signature, timestamp and nonce came before with another body; else remember it.

        ``valid_until`` (a Unix time) is when the request's timestamp leaves the clock-skew window.
        """
        at = datetime.fromtimestamp(now, UTC)
        expires = datetime.fromtimestamp(max(valid_until, now) + 5, UTC)
        key = hashlib.sha256("\0".join((channel, signature, timestamp, nonce)).encode()).hexdigest()
        digest = hashlib.sha256(body).hexdigest()
        with Session(self.db) as session:  # committed at once: another process must see the claim
            session.execute(delete(_TABLE).where(_TABLE.c.expires_at < at))
            inserted = insert_ignore(session, _TABLE, ["key"], {"key": key, "body_sha256": digest,
                                                                 "expires_at": expires})
            seen = digest if inserted else session.exec(
                select(SignedRequest.body_sha256).where(SignedRequest.key == key)).first()
            session.commit()
        return seen == digest
