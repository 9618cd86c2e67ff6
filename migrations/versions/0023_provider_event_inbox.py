"""Provider events as an inbox: a webhook records the event (``outcome = 'received'``, with
``report``, what applying it needs) and answers; a worker applies it and stamps
``applied_at``. A partial index finds the received ones.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("provider_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "report",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_provider_events_received",
            ["id"],
            unique=False,
            postgresql_where=sa.text("outcome = 'received'"),
            sqlite_where=sa.text("outcome = 'received'"),
        )


def downgrade():
    with op.batch_alter_table("provider_events", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_provider_events_received",
            postgresql_where=sa.text("outcome = 'received'"),
            sqlite_where=sa.text("outcome = 'received'"),
        )
        batch_op.drop_column("applied_at")
        batch_op.drop_column("report")
