"""Staff back-office: append-only notes about a debtor, per creditor.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "debtor notes are append-only"


def upgrade():
    op.create_table('debtor_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(text) >= 1 AND length(text) <= 2000', name=op.f('ck_debtor_notes_text_length')),
    sa.ForeignKeyConstraint(['author_id'], ['staff_users.id'], name=op.f('fk_debtor_notes_author_id_staff_users')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditors.id'], name=op.f('fk_debtor_notes_creditor_id_creditors')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtors.id'], name=op.f('fk_debtor_notes_debtor_id_debtors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_notes'))
    )
    with op.batch_alter_table('debtor_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_notes_creditor_id'), ['creditor_id'], unique=False)
        batch_op.create_index('ix_debtor_notes_debtor_created', ['debtor_id', 'created_at'], unique=False)
    _create_append_only_triggers()


def _create_append_only_triggers():
    """Refuse UPDATE and DELETE on debtor_notes in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION debtor_notes_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END $$;
        """)
        op.execute("""
            CREATE TRIGGER debtor_notes_append_only
            BEFORE UPDATE OR DELETE ON debtor_notes
            FOR EACH ROW EXECUTE FUNCTION debtor_notes_append_only();
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER debtor_notes_no_{operation.lower()}
                BEFORE {operation} ON debtor_notes
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;
            """)


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS debtor_notes_append_only ON debtor_notes")
        op.execute("DROP FUNCTION IF EXISTS debtor_notes_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS debtor_notes_no_update")
        op.execute("DROP TRIGGER IF EXISTS debtor_notes_no_delete")


def downgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table('debtor_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_debtor_notes_debtor_created')
        batch_op.drop_index(batch_op.f('ix_debtor_notes_creditor_id'))

    op.drop_table('debtor_notes')
