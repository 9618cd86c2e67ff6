"""CSV import jobs: one row per imported file (counts, error report, status).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('file_name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('created_rows', sa.Integer(), nullable=False),
    sa.Column('updated_rows', sa.Integer(), nullable=False),
    sa.Column('unchanged_rows', sa.Integer(), nullable=False),
    sa.Column('error_rows', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('error_report', sa.Text(), nullable=True),
    sa.Column('failure', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_jobs_status')),
    sa.CheckConstraint("origin IN ('staff', 'cli')", name=op.f('ck_import_jobs_origin')),
    sa.CheckConstraint('total_rows >= 0 AND processed_rows >= 0 AND created_rows >= 0 AND updated_rows >= 0 AND unchanged_rows >= 0 AND error_rows >= 0', name=op.f('ck_import_jobs_counts')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_import_jobs_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_import_jobs_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    op.create_index('ix_import_jobs_creditor_created', 'import_jobs', ['creditor_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_import_jobs_creditor_created', table_name='import_jobs')
    op.drop_table('import_jobs')
