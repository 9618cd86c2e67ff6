"""Pix Automático: ``pix_recurrences`` (the payer's authorisation of an agreement's
installments at her bank: idRec, status, when it was asked, approved, ended, and who cancelled)
and ``recurring_charges`` (each installment's ``cobr``, tied to the ``payments`` attempt that
applies its money; retries per the authorisation's policy).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'pix_recurrences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('idempotency_key', sa.String(length=80), nullable=False),
        sa.Column('provider_ref', sa.String(length=40), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('retry_policy', sa.String(length=16), nullable=False),
        sa.Column('first_due', sa.Date(), nullable=False),
        sa.Column('last_due', sa.Date(), nullable=False),
        sa.Column('pix_payload', sa.Text(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_by', sa.String(length=16), nullable=True),
        sa.Column('end_code', sa.String(length=8), nullable=True),
        sa.Column('flags', _JSON, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'rejected', 'expired', 'cancelled')",
            name=op.f('ck_pix_recurrences_status'),
        ),
        sa.ForeignKeyConstraint(
            ['agreement_id'], ['agreements.id'], name=op.f('fk_pix_recurrences_agreement_id_agreements')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pix_recurrences')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_pix_recurrences_idempotency_key')),
        sa.UniqueConstraint('provider_ref', name=op.f('uq_pix_recurrences_provider_ref')),
    )
    with op.batch_alter_table('pix_recurrences', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_pix_recurrences_agreement_id'), ['agreement_id'], unique=False
        )
    op.create_table(
        'recurring_charges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recurrence_id', sa.Integer(), nullable=False),
        sa.Column('installment_id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('txid', sa.String(length=40), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('retries', sa.Integer(), nullable=False),
        sa.Column('next_retry_on', sa.Date(), nullable=True),
        sa.Column('last_rejection', sa.String(length=8), nullable=True),
        sa.Column('failures_told', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('pending', 'collected', 'failed', 'ended')",
            name=op.f('ck_recurring_charges_outcome'),
        ),
        sa.CheckConstraint('retries >= 0', name=op.f('ck_recurring_charges_retries_non_negative')),
        sa.ForeignKeyConstraint(
            ['installment_id'], ['installments.id'],
            name=op.f('fk_recurring_charges_installment_id_installments'),
        ),
        sa.ForeignKeyConstraint(
            ['payment_id'], ['payments.id'], name=op.f('fk_recurring_charges_payment_id_payments')
        ),
        sa.ForeignKeyConstraint(
            ['recurrence_id'], ['pix_recurrences.id'],
            name=op.f('fk_recurring_charges_recurrence_id_pix_recurrences'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_charges')),
        sa.UniqueConstraint('payment_id', name=op.f('uq_recurring_charges_payment_id')),
        sa.UniqueConstraint('txid', name=op.f('uq_recurring_charges_txid')),
    )
    with op.batch_alter_table('recurring_charges', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_recurring_charges_installment_id'), ['installment_id'], unique=False
        )
        batch_op.create_index('ix_recurring_charges_outcome', ['outcome'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_recurring_charges_recurrence_id'), ['recurrence_id'], unique=False
        )


def downgrade():
    op.drop_table('recurring_charges')
    op.drop_table('pix_recurrences')
