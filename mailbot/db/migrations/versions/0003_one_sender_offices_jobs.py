"""one sender (claims, fixed Message-IDs, failures), the office a database belongs to,
receipt counters, scheduled job runs

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import mailbot.db.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', mailbot.db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', mailbot.db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_id'), ['message_id'], unique=False)
    op.create_table('office',
    sa.Column('office_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', mailbot.db.models.UtcDateTime(timezone=True), nullable=False,
              server_default=sa.func.current_timestamp()),
    sa.PrimaryKeyConstraint('office_id')
    )
    op.create_table('receipt_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('due', sa.String(length=40), nullable=False),
    sa.Column('started_at', mailbot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', mailbot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('runner', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job', 'due', name='uq_job_run')
    )
    # Receipts already given out: each day's counter starts at that day's highest number.
    op.execute("INSERT INTO receipt_counters (day, last) "
               "SELECT substr(receipt, 1, 8), max(CAST(substr(receipt, 10) AS INTEGER)) FROM submissions "
               "WHERE receipt LIKE '________-%' GROUP BY substr(receipt, 1, 8)")


def downgrade() -> None:
    op.drop_table('job_runs')
    op.drop_table('receipt_counters')
    op.drop_table('office')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_failed_at'))
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('message_id')
        batch_op.drop_column('failed_at')
