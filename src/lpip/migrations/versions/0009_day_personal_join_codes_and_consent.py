"""day: personal join codes, round opening times, walk-in code switch and cap, participants' consent and attendee link

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-06 03:50:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("walkin_open", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("walkin_cap", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("expected", sa.Integer(), nullable=True))

    with op.batch_alter_table("workshop_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_code", sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_attendee_join_code"), ["join_code"])

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attendee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("joined_with", sa.String(length=10), server_default="walk-in", nullable=False))
        batch_op.add_column(sa.Column("consent_archive", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_wording", sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_participant_attendee_id"), ["attendee_id"])
        batch_op.create_foreign_key(batch_op.f("fk_participant_attendee_id_attendee"), "attendee", ["attendee_id"], ["id"],
                                    ondelete="SET NULL")

    # Attendees registered before personal codes get one each now.
    bind = op.get_bind()
    attendee = sa.table("attendee", sa.column("id", sa.Integer), sa.column("join_code", sa.String))
    for (attendee_id,) in bind.execute(sa.select(attendee.c.id)).all():
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        bind.execute(attendee.update().where(attendee.c.id == attendee_id).values(join_code=code))


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_participant_attendee_id_attendee"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_participant_attendee_id"), type_="unique")
        batch_op.drop_column("consent_wording")
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent_archive")
        batch_op.drop_column("joined_with")
        batch_op.drop_column("attendee_id")
    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_attendee_join_code"), type_="unique")
        batch_op.drop_column("join_code")
    with op.batch_alter_table("workshop_round", schema=None) as batch_op:
        batch_op.drop_column("opened_at")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("expected")
        batch_op.drop_column("walkin_cap")
        batch_op.drop_column("walkin_open")
