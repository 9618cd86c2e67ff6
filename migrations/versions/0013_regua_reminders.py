"""Régua de cobrança: versioned rulers and steps per company, reminder messages, opt-outs.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('regua_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('window', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_type', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_regua_versions_version_positive')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_regua_versions_creditor_id_creditors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regua_versions')),
    sa.UniqueConstraint('creditor_id', 'version', name=op.f('uq_regua_versions_creditor_id_version'))
    )
    op.create_table('regua_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('provider_template', sa.String(length=120), nullable=True),
    sa.Column('subject_b', sa.String(length=200), nullable=True),
    sa.Column('body_b', sa.Text(), nullable=True),
    sa.Column('provider_template_b', sa.String(length=120), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms', 'whatsapp')", name=op.f('ck_regua_steps_channel')),
    sa.CheckConstraint("phase IN ('pre_due', 'first_notice', 'intensification', 'negotiation', 'final_notice')", name=op.f('ck_regua_steps_phase')),
    sa.CheckConstraint('offset_days BETWEEN -30 AND 365', name=op.f('ck_regua_steps_offset_days')),
    sa.ForeignKeyConstraint(['version_id'], ['regua_versions.id'], name=op.f('fk_regua_steps_version_id_regua_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regua_steps')),
    sa.UniqueConstraint('version_id', 'position', name=op.f('uq_regua_steps_version_id_position'))
    )
    with op.batch_alter_table('regua_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regua_steps_version_id'), ['version_id'], unique=False)

    op.create_table('reminder_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('pending_item_id', sa.Integer(), nullable=False),
    sa.Column('regua_version_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('step_key', sa.String(length=48), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('variant', sa.String(length=1), nullable=False),
    sa.Column('scheduled_date', sa.Date(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('day_slot', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('provider_message_id', sa.String(length=64), nullable=True),
    sa.Column('access_link_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms', 'whatsapp')", name=op.f('ck_reminder_messages_channel')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'delivered', 'failed', 'undelivered')", name=op.f('ck_reminder_messages_status')),
    sa.CheckConstraint("variant IN ('A', 'B')", name=op.f('ck_reminder_messages_variant')),
    sa.CheckConstraint('day_slot >= 1', name=op.f('ck_reminder_messages_day_slot')),
    sa.ForeignKeyConstraint(['access_link_id'], ['access_links.id'], name=op.f('fk_reminder_messages_access_link_id_access_links')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_reminder_messages_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], name=op.f('fk_reminder_messages_debtor_id_debtors')),
    sa.ForeignKeyConstraint(['pending_item_id'], ['pending_items.id'], name=op.f('fk_reminder_messages_pending_item_id_pending_items')),
    sa.ForeignKeyConstraint(['regua_version_id'], ['regua_versions.id'], name=op.f('fk_reminder_messages_regua_version_id_regua_versions')),
    sa.ForeignKeyConstraint(['step_id'], ['regua_steps.id'], name=op.f('fk_reminder_messages_step_id_regua_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_messages')),
    sa.UniqueConstraint('debtor_id', 'local_date', 'day_slot', name=op.f('uq_reminder_messages_debtor_id_local_date_day_slot')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_reminder_messages_idempotency_key')),
    sa.UniqueConstraint('provider_message_id', name=op.f('uq_reminder_messages_provider_message_id'))
    )
    with op.batch_alter_table('reminder_messages', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_messages_creditor_created', ['creditor_id', 'created_at'], unique=False)
        batch_op.create_index('ix_reminder_messages_item', ['pending_item_id', 'created_at'], unique=False)

    op.create_table('reminder_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms', 'whatsapp')", name=op.f('ck_reminder_opt_outs_channel')),
    sa.CheckConstraint("source IN ('message', 'lgpd', 'api', 'staff')", name=op.f('ck_reminder_opt_outs_source')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_reminder_opt_outs_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], name=op.f('fk_reminder_opt_outs_debtor_id_debtors')),
    sa.ForeignKeyConstraint(['message_id'], ['reminder_messages.id'], name=op.f('fk_reminder_opt_outs_message_id_reminder_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_opt_outs')),
    sa.UniqueConstraint('debtor_id', 'channel', name=op.f('uq_reminder_opt_outs_debtor_id_channel'))
    )


def downgrade():
    op.drop_table('reminder_opt_outs')
    with op.batch_alter_table('reminder_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_messages_item')
        batch_op.drop_index('ix_reminder_messages_creditor_created')

    op.drop_table('reminder_messages')
    with op.batch_alter_table('regua_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regua_steps_version_id'))

    op.drop_table('regua_steps')
    op.drop_table('regua_versions')
