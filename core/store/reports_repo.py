"""Raw facts for reports; the arithmetic lives in core/services/reports.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.store.tables import order_events, order_lines, orders, return_requests


@dataclass(frozen=True)
class OrderFact:
    order_id: int
    created_at: datetime
    status: str
    total: int
    rating: int | None
    has_return: bool


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
            )
            .where(orders.c.created_at >= since, orders.c.created_at < until)
            .order_by(orders.c.created_at)
        )
        return [
            OrderFact(r.id, r.created_at, r.status, r.total, r.rating, bool(r.has_return))
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

    async def top_products(
        self, order_ids: list[int], limit: int
    ) -> list[tuple[str, str, int, int]]:
        if not order_ids:
            return []
        qty = func.sum(order_lines.c.quantity)
        rows = await self.conn.execute(
            select(
                order_lines.c.sku,
                func.max(order_lines.c.name),
                qty,
                func.sum(order_lines.c.quantity * order_lines.c.unit_price),
            )
            .where(order_lines.c.order_id.in_(order_ids))
            .group_by(order_lines.c.sku)
            .order_by(qty.desc(), order_lines.c.sku)
            .limit(limit)
        )
        return [(sku, name, int(q), int(rev)) for sku, name, q, rev in rows]
