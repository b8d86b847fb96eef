"""Every stock change is one conditional update plus its stock move.

No read-then-write: the WHERE clause is the check, so concurrent checkouts can't sell
more than exists. Each change also notices the product crossing its low-stock
threshold (once per crossing).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.catalog import StockLow
from core.store.tables import products, stock_moves

_RETURNING = (
    products.c.id,
    products.c.sku,
    products.c.name,
    products.c.on_hand,
    products.c.reserved,
    products.c.low_stock_threshold,
    products.c.low_stock_alerted,
)


class SqlStockRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.low_stock_crossings: list[StockLow] = []

    async def reserve(self, product_id: int, qty: int, **move: object) -> bool:
        """Reserve qty if that many are available; False (and nothing changed) if not."""
        p = products.c
        stmt = (
            update(products)
            .where(p.id == product_id, p.active.is_(True), p.on_hand - p.reserved >= qty)
            .values(reserved=p.reserved + qty)
        )
        return await self._apply(stmt, product_id, 0, qty, "reserve", move)

    async def release(self, product_id: int, qty: int, **move: object) -> bool:
        p = products.c
        stmt = (
            update(products)
            .where(p.id == product_id, p.reserved >= qty)
            .values(reserved=p.reserved - qty)
        )
        return await self._apply(stmt, product_id, 0, -qty, "release", move)

    async def consume(self, product_id: int, qty: int, **move: object) -> bool:
        """Reserved units leave the shelf (the order shipped)."""
        p = products.c
        stmt = (
            update(products)
            .where(p.id == product_id, p.reserved >= qty, p.on_hand >= qty)
            .values(reserved=p.reserved - qty, on_hand=p.on_hand - qty)
        )
        return await self._apply(stmt, product_id, -qty, -qty, "ship", move)

    async def adjust(self, product_id: int, delta: int, reason: str, **move: object) -> bool:
        """Add (or, negative, remove) units on hand; refused below what is reserved."""
        p = products.c
        stmt = (
            update(products)
            .where(p.id == product_id, p.on_hand + delta >= p.reserved)
            .values(on_hand=p.on_hand + delta)
        )
        return await self._apply(stmt, product_id, delta, 0, reason, move)

    async def set_on_hand(self, product_id: int, new_on_hand: int, reason: str, **move: object):
        """Set the counted stock (compare-and-set on the value read); False when the
        product is gone or the count is below what is already reserved."""
        current = (
            await self.conn.execute(select(products.c.on_hand).where(products.c.id == product_id))
        ).scalar_one_or_none()
        if current is None:
            return False
        p = products.c
        stmt = (
            update(products)
            .where(p.id == product_id, p.on_hand == current, p.reserved <= new_on_hand)
            .values(on_hand=new_on_hand)
        )
        return await self._apply(stmt, product_id, new_on_hand - current, 0, reason, move)

    async def _apply(self, stmt, product_id, on_hand_delta, reserved_delta, reason, move) -> bool:
        result = await self.conn.execute(stmt.returning(*_RETURNING))
        row = result.first()
        if row is None:
            return False
        if on_hand_delta or reserved_delta:
            await self._write_move(product_id, on_hand_delta, reserved_delta, reason, move)
        await self._note_threshold(row)
        return True

    async def _write_move(self, product_id, on_hand_delta, reserved_delta, reason, move) -> None:
        await self.conn.execute(
            stock_moves.insert().values(
                product_id=product_id,
                on_hand_delta=on_hand_delta,
                reserved_delta=reserved_delta,
                reason=reason,
                order_id=move.get("order_id"),
                actor=str(move.get("actor", "system")),
                note=str(move.get("note", "")),
                at=move["at"],
            )
        )

    async def _note_threshold(self, row) -> None:
        available = row.on_hand - row.reserved
        low = available <= row.low_stock_threshold
        if low == row.low_stock_alerted:
            return
        await self.conn.execute(
            update(products).where(products.c.id == row.id).values(low_stock_alerted=low)
        )
        if low:
            self.low_stock_crossings.append(
                StockLow(row.id, row.sku, row.name, available, row.low_stock_threshold)
            )
