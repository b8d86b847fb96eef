"""unpaid transfer and card orders already in progress keep going

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Since 0007 a transfer or card order with no payment can't be confirmed, prepared,
packed or shipped without the merchant's "confirm without payment". Orders that were
already past confirmation unpaid when this version came would be stuck: the system
records that override for them (as the merchant did in effect), so they go on as
before. Nothing is undone on downgrade: the events are history.
"""

from __future__ import annotations

from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO order_events (order_id, at, actor, kind, from_status, to_status, data) "
        "SELECT o.id, o.updated_at, 'system', 'confirmed_without_payment', NULL, NULL, '{}' "
        "FROM orders AS o "
        "WHERE o.payment_method <> 'cash_on_delivery' "
        "AND o.status IN ('confirmed', 'preparing', 'packed') "
        "AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id "
        "AND p.status IN ('paid', 'partially_refunded')) "
        "AND NOT EXISTS (SELECT 1 FROM order_events AS e WHERE e.order_id = o.id "
        "AND e.kind = 'confirmed_without_payment')"
    )


def downgrade() -> None:
    pass
