"""Juros de mora capped at 1 % a month in every stored policy version (data only).

The engine now refuses juros de mora above 1 % a.m. (Súmula 379 STJ; Código Civil art. 406),
so a version published with more (the editor allowed up to 20 %) could no longer be loaded and
every page using it would fail. Such versions get the legal ceiling, 1. Agreements keep the
offer they accepted, frozen with its digest in their evidence, so nothing agreed changes; only
offers made from now on use the capped value. Policy versions are otherwise never updated
(the ORM refuses it); this one-off correction goes through plain SQL.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""
from decimal import Decimal, InvalidOperation

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CAP = Decimal(1)
_policies = sa.table(
    'negotiation_policies',
    sa.column('id', sa.Integer()),
    sa.column('terms', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')),
)


def _above_cap(value: object) -> bool:
    try:
        return Decimal(str(value)) > CAP
    except InvalidOperation:
        return False  # not a number: the engine reports it as it always did


def upgrade():
    connection = op.get_bind()
    for row in connection.execute(sa.select(_policies.c.id, _policies.c.terms)).all():
        terms = dict(row.terms)
        charges = dict(terms.get('charges') or {})
        if not _above_cap(charges.get('juros_monthly_pct')):
            continue
        charges['juros_monthly_pct'] = str(CAP)
        terms['charges'] = charges
        connection.execute(
            sa.update(_policies).where(_policies.c.id == row.id).values(terms=terms)
        )


def downgrade():
    pass  # the values above the cap are not kept: they can no longer be applied
