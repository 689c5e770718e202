"""walk-in code: off by default once attendees (with personal codes) are registered

``workshop.walkin_open`` becomes nullable: NULL is the default rule (on only while the workshop
has no registered attendees), True/False the facilitator's switch. Existing workshops keep the
value they have (they were made with the walk-in code on), so nothing changes for them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.alter_column("walkin_open", existing_type=sa.Boolean(), nullable=True, server_default=None)


def downgrade() -> None:
    # The default rule has no stored value before 0010: write what it means today, then restore NOT NULL.
    bind = op.get_bind()
    workshop = sa.table("workshop", sa.column("id", sa.Integer), sa.column("walkin_open", sa.Boolean))
    attendee = sa.table("attendee", sa.column("workshop_id", sa.Integer))
    registered = sa.select(attendee.c.workshop_id).distinct()
    bind.execute(workshop.update().where(workshop.c.walkin_open.is_(None), workshop.c.id.in_(registered))
                 .values(walkin_open=False))
    bind.execute(workshop.update().where(workshop.c.walkin_open.is_(None)).values(walkin_open=True))
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.alter_column("walkin_open", existing_type=sa.Boolean(), nullable=False, server_default=sa.true())
