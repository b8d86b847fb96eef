"""Every stock change is one conditional update plus its stock move.

No read-then-write: the WHERE clause is the check, so concurrent checkouts can't sell
more than exists. Each change also notices the product crossing its low-stock
threshold (once per crossing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.catalog import StockLevel, StockLow
from core.store.tables import orders, products, stock_moves


@dataclass(frozen=True)
class StockMove:
    """One line of a product's stock ledger."""

    id: int
    at: datetime
    on_hand_delta: int
    reserved_delta: int
    reason: str  # reserve, release, ship, adjustment, import, ...
    actor: str  # as recorded: "merchant:api:3", "customer:12", "system"
    note: str
    order_code: str | None


_RETURNING = (
    products.c.id,
    products.c.sku,
    products.c.name,
    products.c.on_hand,
    products.c.reserved,
    products.c.low_stock_threshold,
    products.c.low_stock_alerted,
)

_p = products.c
# One guarded statement for every kind of change: reserved never below zero and never
# above on hand. Built once; each call only binds numbers.
_CHANGE = (
    update(products)
    .where(
        _p.id == bindparam("pid"),
        _p.reserved + bindparam("d_reserved") >= 0,
        _p.on_hand + bindparam("d_on_hand") >= _p.reserved + bindparam("d_reserved"),
    )
    .values(
        on_hand=_p.on_hand + bindparam("d_on_hand"),
        reserved=_p.reserved + bindparam("d_reserved"),
    )
    .returning(*_RETURNING)
)
_RESERVE = _CHANGE.where(_p.active.is_(True))
_INSERT_MOVE = stock_moves.insert()


class SqlStockRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.low_stock_crossings: list[StockLow] = []

    async def reserve(self, product_id: int, qty: int, **move: object) -> bool:
        """Reserve qty if that many are available; False (and nothing changed) if not."""
        return await self._change(_RESERVE, product_id, 0, qty, "reserve", move)

    async def release(self, product_id: int, qty: int, **move: object) -> bool:
        return await self._change(_CHANGE, product_id, 0, -qty, "release", move)

    async def consume(self, product_id: int, qty: int, **move: object) -> bool:
        """Reserved units leave the shelf (the order shipped)."""
        return await self._change(_CHANGE, product_id, -qty, -qty, "ship", move)

    async def adjust(self, product_id: int, delta: int, reason: str, **move: object) -> bool:
        """Add (or, negative, remove) units on hand; refused below what is reserved."""
        return await self._change(_CHANGE, product_id, delta, 0, reason, move)

    async def _change(self, stmt, product_id, on_hand_delta, reserved_delta, reason, move) -> bool:
        params = {"pid": product_id, "d_on_hand": on_hand_delta, "d_reserved": reserved_delta}
        row = (await self.conn.execute(stmt, params)).first()
        if row is None:
            return False
        await self._write_move(product_id, on_hand_delta, reserved_delta, reason, move)
        await self._note_threshold(row)
        return True

    async def set_on_hand(self, product_id: int, new_on_hand: int, reason: str, **move: object):
        """Set the counted stock (compare-and-set on the value read); False when the
        product is gone or the count is below what is already reserved."""
        current = (
            await self.conn.execute(select(products.c.on_hand).where(products.c.id == product_id))
        ).scalar_one_or_none()
        if current is None:
            return False
        p = products.c
        row = (
            await self.conn.execute(
                update(products)
                .where(p.id == product_id, p.on_hand == current, p.reserved <= new_on_hand)
                .values(on_hand=new_on_hand)
                .returning(*_RETURNING)
            )
        ).first()
        if row is None:
            return False
        if new_on_hand != current:
            await self._write_move(product_id, new_on_hand - current, 0, reason, move)
        await self._note_threshold(row)
        return True

    async def _write_move(self, product_id, on_hand_delta, reserved_delta, reason, move) -> None:
        await self.conn.execute(
            _INSERT_MOVE,
            {
                "product_id": product_id,
                "on_hand_delta": on_hand_delta,
                "reserved_delta": reserved_delta,
                "reason": reason,
                "order_id": move.get("order_id"),
                # A purchase receipt names the purchase order the units came in with.
                "purchase_order_id": move.get("purchase_order_id"),
                "actor": str(move.get("actor", "system")),
                "note": str(move.get("note", "")),
                "at": move["at"],
            },
        )

    async def _note_threshold(self, row) -> None:
        level = StockLevel(row.on_hand, row.reserved, row.low_stock_threshold)
        if level.low == row.low_stock_alerted:
            return  # no crossing: the flag already says where it is
        await self.conn.execute(
            update(products).where(products.c.id == row.id).values(low_stock_alerted=level.low)
        )
        if level.low:
            self.low_stock_crossings.append(
                StockLow(row.id, row.sku, row.name, level.available, level.threshold)
            )

    async def moves(
        self, product_id: int, *, before_id: int | None = None, limit: int
    ) -> list[StockMove]:
        """A product's stock moves, newest first: a keyset page before a move's id."""
        m = stock_moves.c
        query = (
            select(stock_moves, orders.c.code)
            .outerjoin(orders, orders.c.id == m.order_id)
            .where(m.product_id == product_id)
            .order_by(m.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(m.id < before_id)
        rows = await self.conn.execute(query)
        return [
            StockMove(
                r.id, r.at, r.on_hand_delta, r.reserved_delta, r.reason, r.actor, r.note, r.code
            )
            for r in rows
        ]
