"""The transcript of the web chat: one sealed row per message in or out, trimmed by a trigger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 20:43:17.996562
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# every 20th entry of a conversation deletes the entries more than 200 behind it (storage/transcript.py)
TRIM_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS transcriptentry_trim AFTER INSERT ON transcriptentry "
    "WHEN NEW.seq % 20 = 0 BEGIN "
    "DELETE FROM transcriptentry WHERE conversation_id = NEW.conversation_id AND seq <= NEW.seq - 200; END",
)
TRIM_POSTGRES = (
    "CREATE OR REPLACE FUNCTION intake_transcript_trim() RETURNS trigger AS $$ BEGIN "
    "DELETE FROM transcriptentry WHERE conversation_id = NEW.conversation_id AND seq <= NEW.seq - 200; "
    "RETURN NULL; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS transcriptentry_trim ON transcriptentry",
    "CREATE TRIGGER transcriptentry_trim AFTER INSERT ON transcriptentry "
    "FOR EACH ROW WHEN (mod(NEW.seq, 20) = 0) EXECUTE FUNCTION intake_transcript_trim()",
)


def upgrade() -> None:
    op.create_table('transcriptentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'seq')
    )
    for statement in TRIM_SQLITE if op.get_bind().dialect.name == "sqlite" else TRIM_POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table('transcriptentry')  # and its trigger
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS intake_transcript_trim()")
