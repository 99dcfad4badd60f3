"""The schema of intake before migrations: every table, and the append-only audit log's triggers.

Revision ID: 0001
Revises:
Create Date: 2026-12-06 20:43:17.029051
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the triggers as they were at this revision (a later revision that changes them carries its own copy)
AUDIT_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_update BEFORE UPDATE ON auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS auditentry_no_delete BEFORE DELETE ON auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
AUDIT_POSTGRES = (
    "CREATE OR REPLACE FUNCTION intake_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS auditentry_append_only ON auditentry",
    "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
    "FOR EACH ROW EXECUTE FUNCTION intake_append_only()",
    "DROP TRIGGER IF EXISTS auditentry_no_truncate ON auditentry",
    "CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only()",
)


def upgrade() -> None:
    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(), nullable=True),
    sa.Column('role', sa.String(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('target_type', sa.String(), nullable=True),
    sa.Column('target_id', sa.String(), nullable=True),
    sa.Column('result', sa.String(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditentry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_staff_id'), ['staff_id'], unique=False)

    op.create_table('blob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('content_type', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('data_enc', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('questionnaire', sa.String(), nullable=False),
    sa.Column('questionnaire_version', sa.String(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('reference_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('spot_check_rate', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_key'), ['key'], unique=True)
        batch_op.create_index(batch_op.f('ix_campaign_questionnaire'), ['questionnaire'], unique=False)

    op.create_table('identitythrottle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identitythrottle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identitythrottle_key'), ['key'], unique=True)

    op.create_table('inboundmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('message_key', sa.String(), nullable=False),
    sa.Column('replies_enc', sa.LargeBinary(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'message_key')
    )
    op.create_table('loginlimit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_ends', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('loginlimit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginlimit_key'), ['key'], unique=True)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('channel_user_id', sa.String(), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_channel_user_id'), ['channel_user_id'], unique=False)

    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=True),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('short_name', sa.String(), nullable=True),
    sa.Column('level', sa.String(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_path'), ['path'], unique=True)

    op.create_table('signedrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signedrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signedrequest_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signedrequest_key'), ['key'], unique=True)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_index', sa.String(), nullable=False),
    sa.Column('id_number_enc', sa.LargeBinary(), nullable=False),
    sa.Column('name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('phone_enc', sa.LargeBinary(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_id_index'), ['id_index'], unique=True)
        batch_op.create_index(batch_op.f('ix_person_region_id'), ['region_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(), nullable=False),
    sa.Column('display_name', sa.String(), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_username'), ['username'], unique=True)

    op.create_table('channelaccount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('channel_user_id', sa.String(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'channel_user_id')
    )
    with op.batch_alter_table('channelaccount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channelaccount_person_id'), ['person_id'], unique=False)

    op.create_table('identitychallenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('code_index', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=True),
    sa.Column('channel_user_id', sa.String(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identitychallenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identitychallenge_code_index'), ['code_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_identitychallenge_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_identitychallenge_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_identitychallenge_person_id'), ['person_id'], unique=False)

    op.create_table('reconcilerun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(), nullable=False),
    sa.Column('file_name', sa.String(), nullable=False),
    sa.Column('mapping_json', sa.Text(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('rejected_json', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconcilerun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconcilerun_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcilerun_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcilerun_region_id'), ['region_id'], unique=False)

    op.create_table('record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('stage', sa.String(), nullable=True),
    sa.Column('receipt', sa.String(), nullable=True),
    sa.Column('notice_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_channel', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'subject_key'),
    sa.UniqueConstraint('receipt')
    )
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_status'), ['status'], unique=False)

    op.create_table('rosterentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('prefill_enc', sa.LargeBinary(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'person_id')
    )
    with op.batch_alter_table('rosterentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rosterentry_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rosterentry_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rosterentry_region_id'), ['region_id'], unique=False)

    op.create_table('staffsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staffsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staffsession_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staffsession_token_hash'), ['token_hash'], unique=True)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('value_json', sa.Text(), nullable=True),
    sa.Column('value_enc', sa.LargeBinary(), nullable=True),
    sa.Column('raw_enc', sa.LargeBinary(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('message_id', sa.String(), nullable=True),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blob_id'], ['blob.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_id', 'question_key', 'version')
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_is_current'), ['is_current'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_question_key'), ['question_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_record_id'), ['record_id'], unique=False)

    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=True),
    sa.Column('channel_user_id', sa.String(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_status'), ['status'], unique=False)

    op.create_table('changerequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(), nullable=False),
    sa.Column('value_enc', sa.LargeBinary(), nullable=True),
    sa.Column('raw_enc', sa.LargeBinary(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('message_id', sa.String(), nullable=True),
    sa.Column('stage', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changerequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changerequest_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_changerequest_status'), ['status'], unique=False)

    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('channel_user_id', sa.String(), nullable=False),
    sa.Column('questionnaire', sa.String(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('state_json', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'channel_user_id')
    )
    op.create_table('declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('opened_by', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_record_id'), ['record_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_declaration_status'), ['status'], unique=False)

    op.create_table('reconcileitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('question_key', sa.String(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('roster_entry_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id_number_enc', sa.LargeBinary(), nullable=True),
    sa.Column('name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('ours_enc', sa.LargeBinary(), nullable=True),
    sa.Column('theirs_enc', sa.LargeBinary(), nullable=True),
    sa.Column('theirs_raw_enc', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['roster_entry_id'], ['rosterentry.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['reconcilerun.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconcileitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconcileitem_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcileitem_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcileitem_reason'), ['reason'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcileitem_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcileitem_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcileitem_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcileitem_status'), ['status'], unique=False)

    op.create_table('smsoutbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('phone_enc', sa.LargeBinary(), nullable=False),
    sa.Column('code_enc', sa.LargeBinary(), nullable=True),
    sa.Column('ttl_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['identitychallenge.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('smsoutbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smsoutbox_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('workflowevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('from_stage', sa.String(), nullable=True),
    sa.Column('to_stage', sa.String(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workflowevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflowevent_record_id'), ['record_id'], unique=False)

    op.create_table('appealnote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appealnote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appealnote_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('appealrecording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('mean_confidence', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], ),
    sa.ForeignKeyConstraint(['blob_id'], ['blob.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appealrecording', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appealrecording_appeal_id'), ['appeal_id'], unique=True)

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('question_key', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('detail', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_reason'), ['reason'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_status'), ['status'], unique=False)

    # existing databases (stamped at this revision) already have them; these are idempotent
    for statement in AUDIT_SQLITE if op.get_bind().dialect.name == "sqlite" else AUDIT_POSTGRES:
        op.execute(statement)



def downgrade() -> None:
    # dropping the audit log drops its triggers
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_status'))
        batch_op.drop_index(batch_op.f('ix_flag_record_id'))
        batch_op.drop_index(batch_op.f('ix_flag_reason'))

    op.drop_table('flag')
    with op.batch_alter_table('appealrecording', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appealrecording_appeal_id'))

    op.drop_table('appealrecording')
    with op.batch_alter_table('appealnote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appealnote_appeal_id'))

    op.drop_table('appealnote')
    with op.batch_alter_table('workflowevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflowevent_record_id'))

    op.drop_table('workflowevent')
    with op.batch_alter_table('smsoutbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smsoutbox_challenge_id'))

    op.drop_table('smsoutbox')
    with op.batch_alter_table('reconcileitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconcileitem_status'))
        batch_op.drop_index(batch_op.f('ix_reconcileitem_run_id'))
        batch_op.drop_index(batch_op.f('ix_reconcileitem_region_id'))
        batch_op.drop_index(batch_op.f('ix_reconcileitem_record_id'))
        batch_op.drop_index(batch_op.f('ix_reconcileitem_reason'))
        batch_op.drop_index(batch_op.f('ix_reconcileitem_person_id'))
        batch_op.drop_index(batch_op.f('ix_reconcileitem_kind'))

    op.drop_table('reconcileitem')
    with op.batch_alter_table('declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_status'))
        batch_op.drop_index(batch_op.f('ix_declaration_record_id'))
        batch_op.drop_index(batch_op.f('ix_declaration_person_id'))

    op.drop_table('declaration')
    op.drop_table('conversation')
    with op.batch_alter_table('changerequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changerequest_status'))
        batch_op.drop_index(batch_op.f('ix_changerequest_record_id'))

    op.drop_table('changerequest')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_status'))
        batch_op.drop_index(batch_op.f('ix_appeal_region_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_person_id'))

    op.drop_table('appeal')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_record_id'))
        batch_op.drop_index(batch_op.f('ix_answer_question_key'))
        batch_op.drop_index(batch_op.f('ix_answer_is_current'))

    op.drop_table('answer')
    with op.batch_alter_table('staffsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staffsession_token_hash'))
        batch_op.drop_index(batch_op.f('ix_staffsession_staff_id'))

    op.drop_table('staffsession')
    with op.batch_alter_table('rosterentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rosterentry_region_id'))
        batch_op.drop_index(batch_op.f('ix_rosterentry_person_id'))
        batch_op.drop_index(batch_op.f('ix_rosterentry_campaign_id'))

    op.drop_table('rosterentry')
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_status'))
        batch_op.drop_index(batch_op.f('ix_record_stage'))
        batch_op.drop_index(batch_op.f('ix_record_region_id'))
        batch_op.drop_index(batch_op.f('ix_record_person_id'))
        batch_op.drop_index(batch_op.f('ix_record_campaign_id'))

    op.drop_table('record')
    with op.batch_alter_table('reconcilerun', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconcilerun_region_id'))
        batch_op.drop_index(batch_op.f('ix_reconcilerun_department'))
        batch_op.drop_index(batch_op.f('ix_reconcilerun_campaign_id'))

    op.drop_table('reconcilerun')
    with op.batch_alter_table('identitychallenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identitychallenge_person_id'))
        batch_op.drop_index(batch_op.f('ix_identitychallenge_kind'))
        batch_op.drop_index(batch_op.f('ix_identitychallenge_created_at'))
        batch_op.drop_index(batch_op.f('ix_identitychallenge_code_index'))

    op.drop_table('identitychallenge')
    with op.batch_alter_table('channelaccount', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channelaccount_person_id'))

    op.drop_table('channelaccount')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_username'))
        batch_op.drop_index(batch_op.f('ix_staff_role'))
        batch_op.drop_index(batch_op.f('ix_staff_region_id'))

    op.drop_table('staff')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_region_id'))
        batch_op.drop_index(batch_op.f('ix_person_id_index'))

    op.drop_table('person')
    with op.batch_alter_table('signedrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signedrequest_key'))
        batch_op.drop_index(batch_op.f('ix_signedrequest_expires_at'))

    op.drop_table('signedrequest')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_path'))
        batch_op.drop_index(batch_op.f('ix_region_parent_id'))
        batch_op.drop_index(batch_op.f('ix_region_code'))

    op.drop_table('region')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_channel_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_channel'))

    op.drop_table('outbox')
    with op.batch_alter_table('loginlimit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginlimit_key'))

    op.drop_table('loginlimit')
    op.drop_table('inboundmessage')
    with op.batch_alter_table('identitythrottle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identitythrottle_key'))

    op.drop_table('identitythrottle')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_questionnaire'))
        batch_op.drop_index(batch_op.f('ix_campaign_key'))

    op.drop_table('campaign')
    op.drop_table('blob')
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_staff_id'))
        batch_op.drop_index(batch_op.f('ix_auditentry_at'))
        batch_op.drop_index(batch_op.f('ix_auditentry_action'))

    op.drop_table('auditentry')
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS intake_append_only()")
