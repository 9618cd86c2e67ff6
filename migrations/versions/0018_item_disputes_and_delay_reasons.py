"""Disputes opened by debtors ("não reconheço esta pendência") and delay reasons.

``item_disputes`` is the company's case: the reason from a short list, the debtor's text,
an optional attachment kept as bytes (PDF, JPEG or PNG up to 5 MB, checked by content),
the answer deadline, and the staff answer with its outcome (cancelled, adjusted, rejected).
At most one open case per item. ``delay_reasons`` keeps the latest "motivo do atraso" a
person gave a company (one row per relationship).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa



revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pending_item_id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('details', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('attachment_type', sa.String(length=40), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('attachment', sa.LargeBinary(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('answer', sa.String(length=1000), nullable=True),
    sa.Column('previous_amount_cents', sa.Integer(), nullable=True),
    sa.Column('adjusted_amount_cents', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('not_mine', 'already_paid', 'wrong_amount', 'cancelled_service', 'fraud', 'other')", name=op.f('ck_item_disputes_reason')),
    sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name=op.f('ck_item_disputes_status')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('cancelled', 'adjusted', 'rejected')", name=op.f('ck_item_disputes_outcome')),
    sa.CheckConstraint('attachment_size IS NULL OR (attachment_size > 0 AND attachment_size <= 5242880)', name=op.f('ck_item_disputes_attachment_size')),
    sa.ForeignKeyConstraint(['pending_item_id'], ['pending_items.id'], name=op.f('fk_item_disputes_pending_item_id_pending_items')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_item_disputes_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], name=op.f('fk_item_disputes_debtor_id_debtors')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['staff_users.id'], name=op.f('fk_item_disputes_resolved_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_disputes'))
    )
    with op.batch_alter_table('item_disputes', schema=None) as batch_op:
        batch_op.create_index('uq_item_disputes_open_item', ['pending_item_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_item_disputes_creditor_status', ['creditor_id', 'status'], unique=False)
        batch_op.create_index('ix_item_disputes_debtor_id', ['debtor_id'], unique=False)

    op.create_table('delay_reasons',
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('unemployment', 'illness', 'income_drop', 'forgot', 'other')", name=op.f('ck_delay_reasons_reason')),
    sa.ForeignKeyConstraint(['creditor_id', 'debtor_id'], ['creditor_debtors.creditor_id', 'creditor_debtors.debtor_id'], name='fk_delay_reasons_relationship'),
    sa.PrimaryKeyConstraint('creditor_id', 'debtor_id', name=op.f('pk_delay_reasons'))
    )


def downgrade():
    op.drop_table('delay_reasons')
    with op.batch_alter_table('item_disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_item_disputes_debtor_id')
        batch_op.drop_index('ix_item_disputes_creditor_status')
        batch_op.drop_index('uq_item_disputes_open_item')
    op.drop_table('item_disputes')
