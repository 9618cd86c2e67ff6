"""Tenant isolation: contact data per company relationship; proofs on links and codes.

Name, e-mail, phone and birth date move from the shared ``debtors`` row to each company's
relationship with the person (``creditor_debtors``). Every company that has items for a
debtor gets a relationship carrying the contact data the debtor row had. Magic links
remember the address they were sent to (``contact_hash``); one-time codes remember the
company whose contact received them and, for step-up codes, the act they confirm.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creditor_debtors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))

    # Each company with items for a debtor knows them (0009 did this once; demo data and
    # direct loads since then may have added items without the relationship).
    op.execute(
        "INSERT INTO creditor_debtors (creditor_id, debtor_id, created_at, updated_at) "
        "SELECT DISTINCT p.creditor_id, p.debtor_id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
        "FROM pending_items p WHERE NOT EXISTS (SELECT 1 FROM creditor_debtors r "
        "WHERE r.creditor_id = p.creditor_id AND r.debtor_id = p.debtor_id)"
    )
    # ... and carries today's contact data, from now on its own copy.
    for column in ('name', 'email', 'phone', 'birth_date'):
        op.execute(
            f"UPDATE creditor_debtors SET {column} = (SELECT d.{column} FROM debtors d "
            "WHERE d.id = creditor_debtors.debtor_id)"
        )

    with op.batch_alter_table('creditor_debtors', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.create_index(batch_op.f('ix_creditor_debtors_email'), ['email'], unique=False)
        batch_op.create_index('ix_creditor_debtors_debtor_id', ['debtor_id'], unique=False)

    with op.batch_alter_table('debtors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtors_email'))
        batch_op.drop_column('birth_date')
        batch_op.drop_column('phone')
        batch_op.drop_column('email')
        batch_op.drop_column('name')

    with op.batch_alter_table('access_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('creditor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('act', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=80), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_one_time_codes_creditor_id_creditors'), 'creditors', ['creditor_id'], ['id']
        )
        batch_op.drop_constraint(batch_op.f('ck_one_time_codes_purpose'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_one_time_codes_purpose'), "purpose IN ('sign_in', 'step_up', 'company')"
        )


def downgrade():
    op.execute("DELETE FROM one_time_codes WHERE purpose = 'company'")
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_one_time_codes_purpose'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_one_time_codes_purpose'), "purpose IN ('sign_in', 'step_up')"
        )
        batch_op.drop_constraint(batch_op.f('fk_one_time_codes_creditor_id_creditors'), type_='foreignkey')
        batch_op.drop_column('subject')
        batch_op.drop_column('act')
        batch_op.drop_column('contact_hash')
        batch_op.drop_column('creditor_id')

    with op.batch_alter_table('access_links', schema=None) as batch_op:
        batch_op.drop_column('contact_hash')

    with op.batch_alter_table('debtors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
    # One shared row again: the contact data of the earliest relationship.
    for column in ('name', 'email', 'phone', 'birth_date'):
        op.execute(
            f"UPDATE debtors SET {column} = (SELECT r.{column} FROM creditor_debtors r "
            "WHERE r.debtor_id = debtors.id ORDER BY r.created_at, r.creditor_id LIMIT 1)"
        )
    op.execute("UPDATE debtors SET name = '' WHERE name IS NULL")
    with op.batch_alter_table('debtors', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.create_index(batch_op.f('ix_debtors_email'), ['email'], unique=False)

    with op.batch_alter_table('creditor_debtors', schema=None) as batch_op:
        batch_op.drop_index('ix_creditor_debtors_debtor_id')
        batch_op.drop_index(batch_op.f('ix_creditor_debtors_email'))
        batch_op.drop_column('birth_date')
        batch_op.drop_column('phone')
        batch_op.drop_column('email')
        batch_op.drop_column('name')
