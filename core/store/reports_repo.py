"""Raw facts for reports; the arithmetic lives in core/services/reports.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.payments import HOLDS_MONEY, PaymentStatus
from core.store.tables import order_events, order_lines, orders, payments, return_requests

# A payment that brought money in, whatever was given back since.
WAS_PAID = [str(s) for s in (*HOLDS_MONEY, PaymentStatus.REFUNDED)]


@dataclass(frozen=True)
class OrderFact:
    order_id: int
    created_at: datetime
    status: str
    total: int
    rating: int | None
    has_return: bool
    delivery_promised_by: datetime | None = None  # None: placed before it was recorded


@dataclass(frozen=True)
class OrderMoney:
    """An order's money, in minor units: paid (brought in, refunds included), refunded
    (given back of that), pending (a payment still expected)."""

    paid: int = 0
    refunded: int = 0
    pending: int = 0


class SqlReportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def orders_between(self, since: datetime, until: datetime) -> list[OrderFact]:
        returned = select(return_requests.c.order_id).distinct().scalar_subquery()
        rows = await self.conn.execute(
            select(
                orders.c.id,
                orders.c.created_at,
                orders.c.status,
                orders.c.total,
                orders.c.rating,
                orders.c.id.in_(returned).label("has_return"),
                orders.c.delivery_promised_by,
            )
            .where(orders.c.created_at >= since, orders.c.created_at < until)
            .order_by(orders.c.created_at)
        )
        return [
            OrderFact(
                r.id,
                r.created_at,
                r.status,
                r.total,
                r.rating,
                bool(r.has_return),
                r.delivery_promised_by,
            )
            for r in rows
        ]

    async def status_times(self, order_ids: list[int]) -> dict[int, dict[str, datetime]]:
        """When each order first reached each status."""
        if not order_ids:
            return {}
        rows = await self.conn.execute(
            select(order_events.c.order_id, order_events.c.to_status, func.min(order_events.c.at))
            .where(order_events.c.order_id.in_(order_ids), order_events.c.to_status.is_not(None))
            .group_by(order_events.c.order_id, order_events.c.to_status)
        )
        times: dict[int, dict[str, datetime]] = {}
        for order_id, status, at in rows:
            if isinstance(at, str):  # SQLite returns aggregates of DateTime as text
                at = datetime.fromisoformat(at)
            times.setdefault(order_id, {})[status] = at
        return times

    async def money_by_order(self, order_ids: list[int]) -> dict[int, OrderMoney]:
        """Each order's money in one query (orders without payments are left out)."""
        if not order_ids:
            return {}
        was_paid = payments.c.status.in_(WAS_PAID)
        pending = payments.c.status == str(PaymentStatus.PENDING)
        rows = await self.conn.execute(
            select(
                payments.c.order_id,
                func.sum(case((was_paid, payments.c.amount), else_=0)),
                func.sum(case((was_paid, payments.c.refunded), else_=0)),
                func.sum(case((pending, payments.c.amount), else_=0)),
            )
            .where(payments.c.order_id.in_(order_ids))
            .group_by(payments.c.order_id)
        )
        return {
            order_id: OrderMoney(int(paid), int(refunded), int(owed))
            for order_id, paid, refunded, owed in rows
        }

    async def top_products(
        self, order_ids: list[int], limit: int, *, by_revenue: bool = False
    ) -> list[tuple[str, str, int, int]]:
        """(sku, name, units, line value) of these orders' lines per SKU: the most units
        first, or the most value with by_revenue; ties by SKU."""
        if not order_ids:
            return []
        qty = func.sum(order_lines.c.quantity)
        value = func.sum(order_lines.c.quantity * order_lines.c.unit_price)
        first, then = (value, qty) if by_revenue else (qty, value)
        rows = await self.conn.execute(
            select(order_lines.c.sku, func.max(order_lines.c.name), qty, value)
            .where(order_lines.c.order_id.in_(order_ids))
            .group_by(order_lines.c.sku)
            .order_by(first.desc(), then.desc(), order_lines.c.sku)
            .limit(limit)
        )
        return [(sku, name, int(q), int(rev)) for sku, name, q, rev in rows]
