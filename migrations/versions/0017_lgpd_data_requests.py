"""LGPD self-service: data requests answered by staff, and opt-outs for one company.

``data_requests`` holds a debtor's correction requests to one company with the 15-day legal
deadline (``due_on``) and the staff answer. ``reminder_opt_outs.scope_creditor_id`` limits
an opt-out to one company's messages (the debtor's privacy page); existing rows (NULL) keep
covering every company. Uniqueness becomes one row per (debtor, channel, scope): a unique
constraint for the company rows and a partial unique index for the "every company" rows.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('field', sa.String(length=12), nullable=False),
    sa.Column('details', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('answer', sa.String(length=2000), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('correction')", name=op.f('ck_data_requests_kind')),
    sa.CheckConstraint(
        "field IN ('name', 'email', 'phone', 'birth_date', 'item', 'agreement', 'payment', 'other')",
        name=op.f('ck_data_requests_field'),
    ),
    sa.CheckConstraint("status IN ('open', 'done')", name=op.f('ck_data_requests_status')),
    sa.CheckConstraint(
        'length(details) >= 1 AND length(details) <= 2000',
        name=op.f('ck_data_requests_details_length'),
    ),
    sa.CheckConstraint(
        "(status = 'open' AND answered_at IS NULL) OR "
        "(status = 'done' AND answered_at IS NOT NULL AND answer IS NOT NULL)",
        name=op.f('ck_data_requests_answered_when_done'),
    ),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_users.id'], name=op.f('fk_data_requests_answered_by_id_staff_users')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_data_requests_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], name=op.f('fk_data_requests_debtor_id_debtors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_requests'))
    )
    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.create_index('ix_data_requests_creditor_status_due', ['creditor_id', 'status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_requests_debtor_id'), ['debtor_id'], unique=False)

    with op.batch_alter_table('reminder_opt_outs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_creditor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_reminder_opt_outs_scope_creditor_id_creditors'),
            'creditors', ['scope_creditor_id'], ['id'],
        )
        batch_op.drop_constraint('uq_reminder_opt_outs_debtor_id_channel', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_reminder_opt_outs_debtor_id_channel_scope_creditor_id'),
            ['debtor_id', 'channel', 'scope_creditor_id'],
        )
        batch_op.create_index(
            'uq_reminder_opt_outs_everywhere', ['debtor_id', 'channel'], unique=True,
            sqlite_where=sa.text('scope_creditor_id IS NULL'),
            postgresql_where=sa.text('scope_creditor_id IS NULL'),
        )


def downgrade():
    # Company-only opt-outs would collide with the old (debtor, channel) uniqueness: keep the
    # strongest wish, the "every company" one, or else one company's.
    op.execute(
        "DELETE FROM reminder_opt_outs WHERE scope_creditor_id IS NOT NULL AND ("
        "EXISTS (SELECT 1 FROM reminder_opt_outs o WHERE o.debtor_id = reminder_opt_outs.debtor_id"
        " AND o.channel = reminder_opt_outs.channel AND o.scope_creditor_id IS NULL)"
        " OR id > (SELECT min(o.id) FROM reminder_opt_outs o WHERE o.debtor_id = reminder_opt_outs.debtor_id"
        " AND o.channel = reminder_opt_outs.channel))"
    )
    with op.batch_alter_table('reminder_opt_outs', schema=None) as batch_op:
        batch_op.drop_index('uq_reminder_opt_outs_everywhere')
        batch_op.drop_constraint(
            batch_op.f('uq_reminder_opt_outs_debtor_id_channel_scope_creditor_id'), type_='unique'
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_reminder_opt_outs_debtor_id_channel'), ['debtor_id', 'channel']
        )
        batch_op.drop_constraint(
            batch_op.f('fk_reminder_opt_outs_scope_creditor_id_creditors'), type_='foreignkey'
        )
        batch_op.drop_column('scope_creditor_id')

    with op.batch_alter_table('data_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_requests_debtor_id'))
        batch_op.drop_index('ix_data_requests_creditor_status_due')
    op.drop_table('data_requests')
