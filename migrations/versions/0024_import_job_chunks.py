"""CSV imports are streamed: the uploaded file is kept in chunks of 1 MiB
(``import_job_chunks``, erased once the import has run) instead of one ``content`` value, so
neither the upload nor the import ever holds the whole file in memory (issue 15).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_job_chunks',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], name=op.f('fk_import_job_chunks_job_id_import_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'position', name=op.f('pk_import_job_chunks'))
    )
    # A file queued before this migration and not yet imported moves over as one chunk.
    op.execute(
        "INSERT INTO import_job_chunks (job_id, position, data) "
        "SELECT id, 0, content FROM import_jobs WHERE content IS NOT NULL"
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('content')


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
    op.drop_table('import_job_chunks')
