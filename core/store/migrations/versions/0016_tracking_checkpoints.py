"""carrier tracking checkpoints (issue 17)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

`tracking_checkpoints`: each checkpoint a carrier's tracking webhook reported, once
(`dedupe_id`), with the tag and time that decide what a later one does. Shipments get an
index on their tracking number, which is how a webhook finds them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tracking_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dedupe_id', sa.String(length=64), nullable=False),
        sa.Column('shipment_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=24), nullable=False),
        sa.Column('occurred_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('received_at', core.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['order_id'], ['orders.id'], name=op.f('fk_tracking_checkpoints_order_id_orders')
        ),
        sa.ForeignKeyConstraint(
            ['shipment_id'],
            ['shipments.id'],
            name=op.f('fk_tracking_checkpoints_shipment_id_shipments'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_checkpoints')),
        sa.UniqueConstraint('dedupe_id', name=op.f('uq_tracking_checkpoints_dedupe_id')),
    )
    with op.batch_alter_table('tracking_checkpoints', schema=None) as batch_op:
        batch_op.create_index(
            'ix_tracking_checkpoints_shipment_at', ['shipment_id', 'occurred_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_tracking_checkpoints_order_id'), ['order_id'], unique=False
        )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index('ix_shipments_tracking_number', ['tracking_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_shipments_tracking_number')
    with op.batch_alter_table('tracking_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_checkpoints_order_id'))
        batch_op.drop_index('ix_tracking_checkpoints_shipment_at')
    op.drop_table('tracking_checkpoints')
