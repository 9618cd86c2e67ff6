"""Staff search ignores accents and case: ``creditor_debtors.search_name`` keeps each name
folded (lower case, accents removed, blanks collapsed; ``portal.domain.search.fold``), written
with the name by the model and filled here for the rows that exist.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _fold(text):
    # A copy of portal.domain.search.fold as it is today: a migration never changes meaning.
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


def upgrade():
    with op.batch_alter_table('creditor_debtors', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_name', sa.String(length=200), nullable=False, server_default='')
        )
    connection = op.get_bind()
    table = sa.table(
        'creditor_debtors',
        sa.column('creditor_id', sa.Integer),
        sa.column('debtor_id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('search_name', sa.String),
    )
    rows = connection.execute(sa.select(table.c.creditor_id, table.c.debtor_id, table.c.name))
    updates = [
        {'c': creditor_id, 'd': debtor_id, 'folded': _fold(name)}
        for creditor_id, debtor_id, name in rows
    ]
    if updates:
        connection.execute(
            table.update()
            .where(table.c.creditor_id == sa.bindparam('c'), table.c.debtor_id == sa.bindparam('d'))
            .values(search_name=sa.bindparam('folded')),
            updates,
        )
    with op.batch_alter_table('creditor_debtors', schema=None) as batch_op:
        batch_op.alter_column('search_name', server_default=None)


def downgrade():
    with op.batch_alter_table('creditor_debtors', schema=None) as batch_op:
        batch_op.drop_column('search_name')
