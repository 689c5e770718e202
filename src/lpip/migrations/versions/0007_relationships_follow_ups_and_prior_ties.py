"""relationships: follow-up wishes and prior ties between attendees

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-06 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('from_attendee_id', sa.Integer(), nullable=True),
    sa.Column('from_participant_id', sa.Integer(), nullable=True),
    sa.Column('to_attendee_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['from_attendee_id'], ['attendee.id'], name=op.f('fk_follow_up_from_attendee_id_attendee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_participant_id'], ['participant.id'], name=op.f('fk_follow_up_from_participant_id_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_attendee_id'], ['attendee.id'], name=op.f('fk_follow_up_to_attendee_id_attendee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_follow_up_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('prior_tie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('attendee_a', sa.Integer(), nullable=False),
    sa.Column('attendee_b', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendee_a'], ['attendee.id'], name=op.f('fk_prior_tie_attendee_a_attendee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attendee_b'], ['attendee.id'], name=op.f('fk_prior_tie_attendee_b_attendee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_prior_tie_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_tie')),
    sa.UniqueConstraint('workshop_id', 'attendee_a', 'attendee_b', name='uq_prior_tie_pair')
    )
    with op.batch_alter_table('prior_tie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_tie_workshop_id'), ['workshop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('prior_tie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_tie_workshop_id'))
    op.drop_table('prior_tie')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_workshop_id'))
    op.drop_table('follow_up')
