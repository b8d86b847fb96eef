"""outgoing webhooks: endpoints, events, deliveries (issue 17)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

`webhook_endpoints`: the URLs other systems registered, the event types they take and
the secret their messages are signed with. `webhook_events`: one row per event, written
in the transaction of the change that caused it. `webhook_deliveries`: an event for one
endpoint, retried until delivered. `webhook_attempts`: every try, the delivery log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

WAITING = "fanned_out_at IS NULL"


def upgrade() -> None:
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('previous_secret', sa.String(length=100), nullable=True),
        sa.Column('previous_secret_until', core.store.types.UtcDateTime(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('failure_streak', sa.Integer(), nullable=False),
        sa.Column('failing_since', core.store.types.UtcDateTime(), nullable=True),
        sa.Column('disabled_at', core.store.types.UtcDateTime(), nullable=True),
        sa.Column('disabled_reason', sa.Text(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('updated_at', core.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
    )
    op.create_table(
        'webhook_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('msg_id', sa.String(length=40), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('occurred_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('fanned_out_at', core.store.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index(
            'ix_webhook_events_waiting',
            ['id'],
            unique=False,
            sqlite_where=sa.text(WAITING),
            postgresql_where=sa.text(WAITING),
        )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('lease_until', core.store.types.UtcDateTime(), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('delivered_at', core.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['endpoint_id'],
            ['webhook_endpoints.id'],
            name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'),
        ),
        sa.ForeignKeyConstraint(
            ['event_id'],
            ['webhook_events.id'],
            name=op.f('fk_webhook_deliveries_event_id_webhook_events'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
        sa.UniqueConstraint(
            'endpoint_id', 'event_id', name=op.f('uq_webhook_deliveries_endpoint_id')
        ),
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_webhook_deliveries_due', ['status', 'next_attempt_at'], unique=False
        )
        batch_op.create_index('ix_webhook_deliveries_event_id', ['event_id'], unique=False)
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response', sa.Text(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['delivery_id'],
            ['webhook_deliveries.id'],
            name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries'),
        ),
        sa.ForeignKeyConstraint(
            ['endpoint_id'],
            ['webhook_endpoints.id'],
            name=op.f('fk_webhook_attempts_endpoint_id_webhook_endpoints'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts')),
    )
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_webhook_attempts_endpoint', ['endpoint_id', 'id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_webhook_attempts_delivery_id'), ['delivery_id'], unique=False
        )


def downgrade() -> None:
    op.drop_table('webhook_attempts')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_events')
    op.drop_table('webhook_endpoints')
