"""the web chat's retention: its transcript and files by age (issue 19)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

The hourly housekeeping deletes `web_messages` and `web_files` older than
ABANDONED_DATA_KEEP_DAYS, the oldest first in batches: an index on each table's
`created_at` finds them without reading the whole table (a file's content included).
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.create_index('ix_web_messages_created_at', ['created_at'], unique=False)
    with op.batch_alter_table('web_files', schema=None) as batch_op:
        batch_op.create_index('ix_web_files_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_files', schema=None) as batch_op:
        batch_op.drop_index('ix_web_files_created_at')
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_web_messages_created_at')
