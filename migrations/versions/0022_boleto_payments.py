"""Boleto, a third way to pay an installment: ``payments.method`` may be ``boleto``, and an
attempt keeps its linha digitável and the provider's voucher page and PDF.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('boleto_line', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('voucher_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('voucher_pdf_url', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_payments_method'), type_='check')
        batch_op.create_check_constraint('method', "method IN ('pix', 'card', 'boleto')")


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_method'), type_='check')
        batch_op.create_check_constraint('method', "method IN ('pix', 'card')")
        batch_op.drop_column('voucher_pdf_url')
        batch_op.drop_column('voucher_url')
        batch_op.drop_column('boleto_line')
