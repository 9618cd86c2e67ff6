"""Removal from the credit bureaus (Súmula 548 STJ): which pending items the company reported
to a bureau, when each became paid, and the day the company confirmed the record removed.

``pending_items.bureau_reported`` is what the company says (API ``bureau_reported``, CSV column
``negativado``); ``paid_at`` is set whenever an item becomes paid (items already paid take
their last update as the best date known); ``bureau_removed_on`` is the confirmed removal day,
only for reported items.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_items', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('bureau_reported', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('bureau_removed_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            'bureau_removed_reported', 'bureau_removed_on IS NULL OR bureau_reported'
        )
    op.execute("UPDATE pending_items SET paid_at = updated_at WHERE status = 'paid'")


def downgrade():
    with op.batch_alter_table('pending_items', schema=None) as batch_op:
        batch_op.drop_constraint('bureau_removed_reported', type_='check')
        batch_op.drop_column('bureau_removed_on')
        batch_op.drop_column('paid_at')
        batch_op.drop_column('bureau_reported')
