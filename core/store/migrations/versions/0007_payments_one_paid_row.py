"""payments: at most one paid row per order (issue 13)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

An order has at most one payment holding money (paid, or partly refunded). Cash on
delivery recorded when the merchant marked the order delivered and again with
/pagado left two paid rows for one payment; of such rows the one refunds were recorded
against (else the first) stays, the others become 'duplicate' (kept for their charge
id, no longer counted as money), so the partial unique index can be built.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

HOLDS_MONEY = "status IN ('paid', 'partially_refunded')"


def upgrade() -> None:
    kept_before = (
        "SELECT 1 FROM payments AS kept "
        "WHERE kept.order_id = payments.order_id "
        "AND kept.status IN ('paid', 'partially_refunded') "
        "AND (kept.refunded > payments.refunded "
        "OR (kept.refunded = payments.refunded AND kept.id < payments.id))"
    )
    op.execute(
        f"UPDATE payments SET status = 'duplicate' WHERE {HOLDS_MONEY} AND EXISTS ({kept_before})"
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(
            'ux_payments_one_paid_per_order',
            ['order_id'],
            unique=True,
            sqlite_where=sa.text(HOLDS_MONEY),
            postgresql_where=sa.text(HOLDS_MONEY),
        )


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(
            'ux_payments_one_paid_per_order',
            sqlite_where=sa.text(HOLDS_MONEY),
            postgresql_where=sa.text(HOLDS_MONEY),
        )
    # The code before 0007 knows no 'duplicate' payments: they were paid rows.
    op.execute("UPDATE payments SET status = 'paid' WHERE status = 'duplicate'")
