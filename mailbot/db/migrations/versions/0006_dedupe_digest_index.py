"""resends found by an index, not a scan: the exact-text digest of each item (indexed) and an
index on (unit, received) for the near-duplicate window; the outbox's receipts of the last hour
(the per-sender cap) by (kind, created)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The stored fingerprint's hex text: a 10-byte header (version, sizes, length, figure count),
# then the 16-byte digest of the normalized text (resubmission/fingerprints.py, Fingerprint._HEADER).
DIGEST_FROM, DIGEST_CHARS = 21, 32  # 1-based position in the hex text, hex characters


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_digest', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_text_digest'), ['text_digest'], unique=False)
        batch_op.create_index('ix_submissions_unit_received', ['unit_id', 'received_at'], unique=False)
    op.create_index('ix_outbox_kind_created', 'outbox', ['kind', 'created_at'], unique=False)
    op.execute(f"UPDATE submissions SET text_digest = substr(fingerprint, {DIGEST_FROM}, {DIGEST_CHARS}) "
               f"WHERE fingerprint IS NOT NULL AND length(fingerprint) >= {DIGEST_FROM + DIGEST_CHARS - 1}")


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of the table would trip
    # the foreign keys that point at submissions.
    op.drop_index('ix_outbox_kind_created', table_name='outbox')
    op.drop_index('ix_submissions_unit_received', table_name='submissions')
    op.drop_index('ix_submissions_text_digest', table_name='submissions')
    op.drop_column('submissions', 'text_digest')
