"""Bulk issue of access links for a segment: bulk_jobs and bulk_job_links.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('bulk_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('filter', JSON, nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('link_days', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('export_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_bulk_jobs_status')),
    sa.CheckConstraint("channel IN ('sms', 'whatsapp')", name=op.f('ck_bulk_jobs_channel')),
    sa.CheckConstraint('total >= 0 AND done >= 0 AND failed >= 0 AND done + failed <= total', name=op.f('ck_bulk_jobs_counts')),
    sa.CheckConstraint('link_days >= 1', name=op.f('ck_bulk_jobs_link_days')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_bulk_jobs_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_bulk_jobs_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_jobs'))
    )
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_jobs_creditor_id'), ['creditor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulk_jobs_staff_id'), ['staff_id'], unique=False)

    op.create_table('bulk_job_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('access_link_id', sa.Integer(), nullable=True),
    sa.Column('sealed_token', sa.Text(), nullable=True),
    sa.Column('error', sa.String(length=40), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'issued', 'failed')", name=op.f('ck_bulk_job_links_status')),
    sa.ForeignKeyConstraint(['access_link_id'], ['access_links.id'], name=op.f('fk_bulk_job_links_access_link_id_access_links')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], name=op.f('fk_bulk_job_links_debtor_id_debtors')),
    sa.ForeignKeyConstraint(['job_id'], ['bulk_jobs.id'], name=op.f('fk_bulk_job_links_job_id_bulk_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_job_links')),
    sa.UniqueConstraint('access_link_id', name=op.f('uq_bulk_job_links_access_link_id')),
    sa.UniqueConstraint('job_id', 'debtor_id', name=op.f('uq_bulk_job_links_job_id_debtor_id'))
    )


def downgrade():
    op.drop_table('bulk_job_links')
    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_jobs_staff_id'))
        batch_op.drop_index(batch_op.f('ix_bulk_jobs_creditor_id'))

    op.drop_table('bulk_jobs')
