"""Stockouts: written one statement at a time, counted per product for the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.stockouts import StockoutCount
from core.store.tables import products, stockouts
from core.store.types import UtcDateTime

# One row per shortage, the product found by its SKU (unique; a shortage names the SKU
# the catalog gave it), so the caller needs no product ids. Built once.
_ADD = stockouts.insert().from_select(
    ["product_id", "asked", "available", "source", "at"],
    select(
        products.c.id,
        bindparam("asked", type_=Integer),
        bindparam("available", type_=Integer),
        bindparam("source", type_=String),
        bindparam("at", type_=UtcDateTime),
    ).where(products.c.sku == bindparam("sku")),
)


class SqlStockoutRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, told: Sequence[tuple[str, int, int]], source: str, at: datetime) -> None:
        """Each (sku, asked, available) a customer was told: one statement for all."""
        if told:
            await self.conn.execute(
                _ADD,
                [
                    {
                        "sku": sku,
                        "asked": asked,
                        "available": max(available, 0),
                        "source": source,
                        "at": at,
                    }
                    for sku, asked, available in told
                ],
            )

    async def per_product(self, since: datetime, until: datetime) -> list[StockoutCount]:
        """Each product's stockouts in [since, until): most first, then by SKU."""
        sold_out = func.sum(case((stockouts.c.available <= 0, 1), else_=0))
        short = func.sum(case((stockouts.c.available > 0, 1), else_=0))
        rows = await self.conn.execute(
            select(products.c.sku, products.c.name, sold_out, short)
            .join(products, products.c.id == stockouts.c.product_id)
            .where(stockouts.c.at >= since, stockouts.c.at < until)
            .group_by(products.c.sku, products.c.name)
            .order_by(func.count().desc(), products.c.sku)
        )
        return [StockoutCount(sku, name, int(out), int(few)) for sku, name, out, few in rows]
