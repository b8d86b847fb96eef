"""API keys and idempotent API requests (issue 17)

`api_keys`: who may call the REST API (a prefix to find a key, a digest to check it) and
with which scopes. `api_idempotency`: the first answer to each POST sent with an
Idempotency-Key, so a repeat gets the same answer and the change is made once;
`committed` is set in the transaction of the request's change (a retry never runs it
again), `secret_withheld` when the kept answer's signing secret was left out.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('key_digest', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.Text(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('revoked_at', core.store.types.UtcDateTime(), nullable=True),
        sa.Column('last_used_at', core.store.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix')),
    )
    op.create_table(
        'api_idempotency',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_key_id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('committed', sa.Boolean(), nullable=False),
        sa.Column('secret_withheld', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['api_key_id'], ['api_keys.id'], name=op.f('fk_api_idempotency_api_key_id_api_keys')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency')),
        sa.UniqueConstraint(
            'api_key_id', 'idempotency_key', name=op.f('uq_api_idempotency_key')
        ),
    )
    with op.batch_alter_table('api_idempotency', schema=None) as batch_op:
        batch_op.create_index('ix_api_idempotency_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('api_idempotency')
    op.drop_table('api_keys')
