"""Financial-education articles: Markdown body, draft or published, edited by staff.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=160), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('reading_minutes', sa.Integer(), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'published' AND published_at IS NOT NULL) OR (status = 'draft' AND published_at IS NULL)", name=op.f('ck_articles_published_at_matches_status')),
    sa.CheckConstraint("category IN ('orcamento', 'dividas', 'credito-consciente', 'pix-seguro', 'superendividamento')", name=op.f('ck_articles_category')),
    sa.CheckConstraint("slug <> '' AND title <> '' AND summary <> ''", name=op.f('ck_articles_not_blank')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_articles_status')),
    sa.CheckConstraint('reading_minutes BETWEEN 1 AND 60', name=op.f('ck_articles_reading_minutes')),
    sa.ForeignKeyConstraint(['created_by_staff_id'], ['staff_users.id'], name=op.f('fk_articles_created_by_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_staff_id'], ['staff_users.id'], name=op.f('fk_articles_updated_by_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('slug', name=op.f('uq_articles_slug'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_status_category', ['status', 'category'], unique=False)


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_status_category')

    op.drop_table('articles')
