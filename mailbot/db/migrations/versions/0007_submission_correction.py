"""a duplicate that is the unit's 更正 of its item says so in a column (the digest read it out of
the reason text before)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('submissions', sa.Column('correction', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Rows recorded before: the dedupe stage wrote "correction" into the reason of such a duplicate.
    op.execute("UPDATE submissions SET correction = TRUE WHERE status = 'duplicate' "
               "AND (status_reason LIKE '%correction%' OR subject LIKE '%更正%')")


def downgrade() -> None:
    op.drop_column('submissions', 'correction')
