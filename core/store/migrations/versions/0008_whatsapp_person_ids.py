"""WhatsApp people known by phone or business-scoped user id (issue 13)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A WhatsApp message names its sender by phone number, by business-scoped user id
(BSUID, since April 2026), or by both; a person who adopts a username may write with
the BSUID alone. person_aliases remembers every id a person wrote with, each pointing
at the id the shop knows them by, so their customer, conversation and orders stay one
whichever id a message carries. The WhatsApp customers who already wrote are known by
their phone number: each is written down as its own alias.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_aliases',
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('alias', sa.String(length=140), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'alias', name=op.f('pk_person_aliases')),
    )
    with op.batch_alter_table('person_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_person_aliases_user', ['channel', 'user_id'], unique=False)
    op.execute(
        "INSERT INTO person_aliases (channel, alias, user_id, created_at) "
        "SELECT channel, external_id, external_id, created_at FROM customers "
        "WHERE channel = 'whatsapp'"
    )


def downgrade() -> None:
    with op.batch_alter_table('person_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_person_aliases_user')
    op.drop_table('person_aliases')
