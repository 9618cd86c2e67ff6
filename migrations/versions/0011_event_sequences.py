"""Integration events numbered per creditor, in causal order (issue 18).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_sequences',
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_event_sequences_creditor_id_creditors')),
    sa.PrimaryKeyConstraint('creditor_id', name=op.f('pk_event_sequences'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
    # Number the events already written, per creditor, in the order they happened.
    op.execute(
        "UPDATE outbox_events SET sequence = (SELECT COUNT(*) FROM outbox_events AS earlier "
        "WHERE earlier.creditor_id = outbox_events.creditor_id AND "
        "(earlier.occurred_at < outbox_events.occurred_at OR "
        "(earlier.occurred_at = outbox_events.occurred_at AND earlier.id <= outbox_events.id)))"
    )
    op.execute(
        "INSERT INTO event_sequences (creditor_id, last_value) "
        "SELECT creditor_id, MAX(sequence) FROM outbox_events GROUP BY creditor_id"
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint('uq_outbox_events_sequence', ['creditor_id', 'sequence'])


def downgrade():
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_outbox_events_sequence', type_='unique')
        batch_op.drop_column('sequence')
    op.drop_table('event_sequences')
