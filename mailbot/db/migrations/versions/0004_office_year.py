"""the office's year: mailbox switch-on, 通报 releases, reminder history, adoption notices, Cc

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

import mailbot.db.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailboxes',
    sa.Column('mailbox', sa.String(length=500), nullable=False),
    sa.Column('switched_on_at', mailbot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('backfilled', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('mailbox')
    )
    op.create_table('tally_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('by', sa.String(length=320), nullable=False),
    sa.Column('at', mailbot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tally_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_releases_period'), ['period'], unique=False)
    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('shortfall', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_sent_unit_id'), ['unit_id'], unique=False)
    op.create_table('adoption_notices',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('at', mailbot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['score_events.id'], ),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cc', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('cc')
    op.drop_table('adoption_notices')
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_sent_unit_id'))
    op.drop_table('reminders_sent')
    with op.batch_alter_table('tally_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_releases_period'))
    op.drop_table('tally_releases')
    op.drop_table('mailboxes')
