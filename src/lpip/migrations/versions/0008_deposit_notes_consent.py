"""deposit: the workshop's notes-consent declaration (who and when)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:59:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes_consent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('notes_consent_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('notes_consent_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('notes_consent_at')
        batch_op.drop_column('notes_consent_by')
        batch_op.drop_column('notes_consent')
