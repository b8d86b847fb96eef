"""each platform message of a notification is sent once (issue 14)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

A notification can become several platform messages (a text over Telegram's or
WhatsApp's 4096 characters, a text and a document): `outbox.pieces_sent` counts those
the channel accepted, written after each one, so a retry after a 429 or a crash on a
later piece sends only the rest. Rows from before count none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('pieces_sent', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('pieces_sent')
