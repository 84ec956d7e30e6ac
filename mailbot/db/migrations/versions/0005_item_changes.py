"""the office's corrections of items: re-attribution, dismissal, restoration

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import mailbot.db.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('old_status', sa.String(length=20), nullable=True),
    sa.Column('new_status', sa.String(length=20), nullable=True),
    sa.Column('old_unit', sa.String(length=64), nullable=True),
    sa.Column('new_unit', sa.String(length=64), nullable=True),
    sa.Column('old_duplicate_of', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('by', sa.String(length=320), nullable=False),
    sa.Column('at', mailbot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('item_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_changes_submission_id'), ['submission_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_changes_submission_id'))
    op.drop_table('item_changes')
