"""Early payments (CDC art. 52 §2): an attempt that pays several installments at once with
the interest removed pro rata, and the installments it covers.

``payments.kind`` says what an attempt pays (``installment``, ``prepayment`` of the last
ones, ``settlement`` of all that are left) and ``payments.discount_cents`` the interest it
removed; ``payment_covers`` lists each covered installment with what was owed on it and the
part of the payment booked to it; ``installments.discount_cents`` keeps the interest removed
from an installment paid early; ``documents.payment_id`` names the payment a receipt
acknowledges. Existing rows are ordinary installment payments.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=12), nullable=False, server_default='installment')
        )
        batch_op.add_column(
            sa.Column('discount_cents', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_check_constraint(
            'kind', "kind IN ('installment', 'prepayment', 'settlement')"
        )
        batch_op.create_check_constraint('discount_non_negative', 'discount_cents >= 0')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.alter_column('discount_cents', server_default=None)

    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('discount_cents', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_check_constraint('discount_non_negative', 'discount_cents >= 0')
    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.alter_column('discount_cents', server_default=None)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_documents_payment_id_payments'), 'payments', ['payment_id'], ['id']
        )

    op.create_table('payment_covers',
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('installment_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('owed_cents', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_cents > 0 AND owed_cents >= amount_cents', name=op.f('ck_payment_covers_amounts')),
    sa.ForeignKeyConstraint(['installment_id'], ['installments.id'], name=op.f('fk_payment_covers_installment_id_installments')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_covers_payment_id_payments')),
    sa.PrimaryKeyConstraint('payment_id', 'installment_id', name=op.f('pk_payment_covers'))
    )
    with op.batch_alter_table('payment_covers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_covers_installment_id'), ['installment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_covers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_covers_installment_id'))
    op.drop_table('payment_covers')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_payment_id_payments'), type_='foreignkey')
        batch_op.drop_column('payment_id')
    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.drop_constraint('discount_non_negative', type_='check')
        batch_op.drop_column('discount_cents')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('discount_non_negative', type_='check')
        batch_op.drop_constraint('kind', type_='check')
        batch_op.drop_column('discount_cents')
        batch_op.drop_column('kind')
