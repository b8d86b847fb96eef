"""payment links and refunds through the provider (issue 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

`payment_links`: the pages at Mercado Pago or Stripe where customers pay their orders,
so a webhook or the reconciliation job can find the order a link belongs to, and a
customer who asks again gets the same link. `provider_refunds`: money to give back
through the provider that took it, sent after the refund is recorded and retried with
the same idempotency key until the provider answers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.store.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payment_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('provider_ref', sa.String(length=200), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('expires_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('updated_at', core.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['order_id'], ['orders.id'], name=op.f('fk_payment_links_order_id_orders')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_links')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_links_idempotency_key')),
        sa.UniqueConstraint('provider_ref', name=op.f('uq_payment_links_provider_ref')),
    )
    with op.batch_alter_table('payment_links', schema=None) as batch_op:
        batch_op.create_index('ix_payment_links_open', ['status', 'created_at'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_payment_links_order_id'), ['order_id'], unique=False
        )

    op.create_table(
        'provider_refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('provider_payment_id', sa.String(length=200), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('idempotency_key', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('provider_refund_id', sa.String(length=200), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', core.store.types.UtcDateTime(), nullable=False),
        sa.Column('updated_at', core.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['order_id'], ['orders.id'], name=op.f('fk_provider_refunds_order_id_orders')
        ),
        sa.ForeignKeyConstraint(
            ['payment_id'], ['payments.id'], name=op.f('fk_provider_refunds_payment_id_payments')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_refunds')),
        sa.UniqueConstraint(
            'idempotency_key', name=op.f('uq_provider_refunds_idempotency_key')
        ),
    )
    with op.batch_alter_table('provider_refunds', schema=None) as batch_op:
        batch_op.create_index(
            'ix_provider_refunds_due', ['status', 'next_attempt_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_provider_refunds_order_id'), ['order_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_provider_refunds_payment_id'), ['payment_id'], unique=False
        )


def downgrade() -> None:
    op.drop_table('provider_refunds')
    op.drop_table('payment_links')
