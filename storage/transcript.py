"""The transcript of a conversation, for channels whose client keeps no history of its own (the web chat).

Each message in (what was typed or tapped, ``［照片］``, ``［语音］`` and what was heard) and each reply out
is one :class:`TranscriptEntry`, numbered per conversation (``seq``) and sealed: it is personal data. The
entries of a turn are written by one INSERT (an executemany) in the turn's transaction; the number of each
is computed by the INSERT itself, and a trigger keeps the last :data:`KEEP` entries or a few more (every
:data:`TRIM_EVERY`-th entry deletes those more than :data:`KEEP` behind it), so a turn costs one statement.
The entries go with their conversation (``ON DELETE CASCADE``) and are cleared when it starts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
)
from sqlmodel import Field, Session, SQLModel, col, select

from storage.crypto import Vault
from storage.models import utcnow

KEEP = 200  # entries kept per conversation (up to TRIM_EVERY - 1 more between trims)
TRIM_EVERY = 20  # the trigger trims when an entry's seq is a multiple of this


class Direction(StrEnum):
    """Who said it."""

    IN = "in"  # the person
    OUT = "out"  # the bot


class TranscriptEntry(SQLModel, table=True):
    """One message of a conversation's transcript, sealed."""

    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(sa_column=Column(
        Integer, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False))
    seq: int
    direction: str  # a Direction value
    kind: str  # of a reply: its kind (question, summary, ...); of a message in: text, photo or voice
    text_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Line:
    """An entry to write, or one read back opened."""

    direction: Direction
    kind: str
    text: str


#: the trimming trigger, per dialect (also created by the migration that adds the table)
TRIM_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS transcriptentry_trim AFTER INSERT ON transcriptentry "
    f"WHEN NEW.seq % {TRIM_EVERY} = 0 BEGIN "
    f"DELETE FROM transcriptentry WHERE conversation_id = NEW.conversation_id AND seq <= NEW.seq - {KEEP}; END",
)
TRIM_POSTGRES = (
    "CREATE OR REPLACE FUNCTION intake_transcript_trim() RETURNS trigger AS $$ BEGIN "
    f"DELETE FROM transcriptentry WHERE conversation_id = NEW.conversation_id AND seq <= NEW.seq - {KEEP}; "
    "RETURN NULL; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS transcriptentry_trim ON transcriptentry",
    "CREATE TRIGGER transcriptentry_trim AFTER INSERT ON transcriptentry "
    f"FOR EACH ROW WHEN (mod(NEW.seq, {TRIM_EVERY}) = 0) EXECUTE FUNCTION intake_transcript_trim()",
)

_table = TranscriptEntry.__table__  # type: ignore[attr-defined]
# the next number of the conversation, computed by each row's INSERT (executemany runs the rows in order)
_NEXT_SEQ = (
    select(func.coalesce(func.max(_table.c.seq), 0) + 1)
    .where(_table.c.conversation_id == bindparam("of_conversation"))
    .scalar_subquery()
)
_INSERT = insert(_table).values(seq=_NEXT_SEQ)


class Transcripts:
    """Reads and writes the transcripts, sealing and opening them; commit is the caller's."""

    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault

    def add(self, conversation_id: int, lines: list[Line]) -> None:
        """Append the lines of a turn, in order, with one statement."""
        if not lines:
            return
        now = utcnow()
        rows = [{"conversation_id": conversation_id, "of_conversation": conversation_id,
                 "direction": line.direction.value, "kind": line.kind, "text_enc": self.vault.seal(line.text),
                 "created_at": now} for line in lines]
        self.session.execute(_INSERT, rows)

    def clear(self, conversation_id: int) -> None:
        """Forget a conversation's transcript (it starts again)."""
        self.session.execute(delete(_table).where(_table.c.conversation_id == conversation_id))

    def lines(self, conversation_id: int) -> list[Line]:
        """The transcript of a conversation, oldest first, opened."""
        rows = self.session.exec(
            select(TranscriptEntry).where(col(TranscriptEntry.conversation_id) == conversation_id)
            .order_by(col(TranscriptEntry.seq))
        ).all()
        return [Line(Direction(r.direction), r.kind, self.vault.open(r.text_enc)) for r in rows]

    def is_empty(self, conversation_id: int) -> bool:
        """Whether nothing of the conversation is kept yet."""
        found = self.session.exec(
            select(TranscriptEntry.id).where(col(TranscriptEntry.conversation_id) == conversation_id).limit(1)
        ).first()
        return found is None
