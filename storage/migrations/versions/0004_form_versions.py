"""Form versions: the questionnaire files as published, pinned by campaigns, carried by records and answers.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06 21:06:09.672491
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the tables that carry a form version (a nullable column; rows from before it have none)
CARRIERS = ('campaign', 'record', 'answer')


def upgrade() -> None:
    op.create_table('formversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('content_hash', sa.String(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('questionnaire', 'content_hash')
    )
    op.create_index('ix_formversion_questionnaire', 'formversion', ['questionnaire'], unique=False)
    op.create_index('ix_formversion_status', 'formversion', ['status'], unique=False)
    # SQLite: ADD COLUMN … REFERENCES, so that these (large) tables are not copied as a batch would
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in CARRIERS:
        if sqlite:
            op.execute(f'ALTER TABLE {table} ADD COLUMN form_version_id INTEGER REFERENCES formversion (id)')
        else:
            op.add_column(table, sa.Column('form_version_id', sa.Integer(), nullable=True))
            op.create_foreign_key(f'fk_{table}_form_version_id', table, 'formversion', ['form_version_id'], ['id'])
    op.create_index('ix_record_form_version_id', 'record', ['form_version_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_record_form_version_id', table_name='record')
    for table in reversed(CARRIERS):  # the foreign key goes with the column (SQLite: by a copy of the table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('form_version_id')
    op.drop_index('ix_formversion_status', table_name='formversion')
    op.drop_index('ix_formversion_questionnaire', table_name='formversion')
    op.drop_table('formversion')
