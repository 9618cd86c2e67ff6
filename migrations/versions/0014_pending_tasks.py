"""Pending Celery tasks: queued inside the transaction, removed once the broker has them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table('pending_tasks',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('args', json_type, nullable=False),
    sa.Column('kwargs', json_type, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_tasks'))
    )
    op.create_index(op.f('ix_pending_tasks_created_at'), 'pending_tasks', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pending_tasks_created_at'), table_name='pending_tasks')
    op.drop_table('pending_tasks')
