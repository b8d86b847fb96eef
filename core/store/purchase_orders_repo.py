"""Purchase orders to suppliers with their lines and their append-only timeline.

Two admins receiving the same purchase order at once cannot take in more than was
ordered: the order's version is checked (and its row locked) before the lines change,
each line's count goes up by one guarded UPDATE (received + n <= quantity), and the
database's check (received <= quantity) is the last guard.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.money import Money
from core.domain.purchase_orders import (
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from core.store.orders_repo import ConcurrentUpdate
from core.store.tables import purchase_order_events, purchase_order_lines, purchase_orders

_po, _line = purchase_orders.c, purchase_order_lines.c
_INSERT_LINE = purchase_order_lines.insert()
_INSERT_EVENT = purchase_order_events.insert()


class PurchaseOrderChanged(ConcurrentUpdate):
    """Someone else changed the purchase order between our read and our write: the
    service runs again on what is there now (retry_on_conflict)."""


class PurchaseOrderCodeTaken(ConcurrentUpdate):
    """Another purchase order has the random code just drawn: run again, draw again."""


def _order(row, lines: list[PurchaseOrderLine]) -> PurchaseOrder:
    return PurchaseOrder(
        id=row.id,
        code=row.code,
        supplier_id=row.supplier_id,
        status=PurchaseOrderStatus(row.status),
        currency=row.currency,
        lines=lines,
        created_at=row.created_at,
        updated_at=row.updated_at,
        notes=row.notes,
        sent_at=row.sent_at,
        expected_at=row.expected_at,
        version=row.version,
    )


def _line_values(order_id: int, line: PurchaseOrderLine) -> dict:
    return {
        "purchase_order_id": order_id,
        "product_id": line.product_id,
        "sku": line.sku,
        "name": line.name,
        "supplier_sku": line.supplier_sku,
        "quantity": line.quantity,
        "received": line.received,
        "unit_cost": None if line.unit_cost is None else line.unit_cost.amount,
    }


def _event_values(order_id: int, event: PurchaseOrderEvent) -> dict:
    return {
        "purchase_order_id": order_id,
        "at": event.at,
        "actor": event.actor,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "data": event.data,
    }


class SqlPurchaseOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, order: PurchaseOrder) -> PurchaseOrder:
        try:
            result = await self.conn.execute(
                purchase_orders.insert().values(
                    code=order.code,
                    supplier_id=order.supplier_id,
                    status=str(order.status),
                    currency=order.currency,
                    notes=order.notes,
                    created_at=order.created_at,
                    updated_at=order.updated_at,
                    sent_at=order.sent_at,
                    expected_at=order.expected_at,
                    version=0,
                )
            )
        except IntegrityError as error:
            text = str(error.orig)
            if "purchase_orders.code" in text or "uq_purchase_orders_code" in text:
                raise PurchaseOrderCodeTaken(code=order.code) from error
            raise
        order.id = int(result.inserted_primary_key[0])
        order.version = 0
        await self._insert_lines(order)
        await self._write_events(order)
        order.lines_changed = False
        return order

    async def save(self, order: PurchaseOrder) -> None:
        """Write the order's changes if nobody changed it since it was read: its row
        first (which also makes a concurrent writer wait here), then its lines."""
        assert order.id is not None
        result = await self.conn.execute(
            update(purchase_orders)
            .where(_po.id == order.id, _po.version == order.version)
            .values(
                status=str(order.status),
                notes=order.notes,
                updated_at=order.updated_at,
                sent_at=order.sent_at,
                expected_at=order.expected_at,
                version=order.version + 1,
            )
        )
        if result.rowcount != 1:
            raise PurchaseOrderChanged(code=order.code)
        order.version += 1
        if order.lines_changed:  # a draft's lines: nothing received yet, written again
            await self.conn.execute(
                delete(purchase_order_lines).where(_line.purchase_order_id == order.id)
            )
            await self._insert_lines(order)
            order.lines_changed = False
        for receipt in order.new_receipts:
            counted = await self.conn.execute(
                update(purchase_order_lines)
                .where(
                    _line.purchase_order_id == order.id,
                    _line.product_id == receipt.product_id,
                    _line.received + receipt.quantity <= _line.quantity,
                )
                .values(received=_line.received + receipt.quantity)
            )
            if counted.rowcount != 1:  # the version check makes this unreachable
                raise PurchaseOrderChanged(code=order.code, sku=receipt.sku)
        order.new_receipts.clear()
        await self._write_events(order)

    async def _insert_lines(self, order: PurchaseOrder) -> None:
        await self.conn.execute(_INSERT_LINE, [_line_values(order.id, x) for x in order.lines])
        # Their ids, for a receipt made on this object later in the same unit.
        rows = await self.conn.execute(
            select(_line.id, _line.product_id).where(_line.purchase_order_id == order.id)
        )
        ids = dict((product_id, line_id) for line_id, product_id in rows)
        for line in order.lines:
            line.id = ids.get(line.product_id)

    async def _write_events(self, order: PurchaseOrder) -> None:
        if order.new_events:
            await self.conn.execute(
                _INSERT_EVENT, [_event_values(order.id, e) for e in order.new_events]
            )
            order.new_events.clear()

    async def get(
        self, *, code: str | None = None, order_id: int | None = None
    ) -> PurchaseOrder | None:
        query = select(purchase_orders)
        query = query.where(_po.code == code) if code else query.where(_po.id == order_id)
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return _order(row, (await self._lines_of([row.id])).get(row.id, []))

    async def _lines_of(self, order_ids: list[int]) -> dict[int, list[PurchaseOrderLine]]:
        """The lines of several purchase orders in one query, by order id."""
        if not order_ids:
            return {}
        rows = await self.conn.execute(
            select(purchase_order_lines, _po.currency)
            .join(purchase_orders, _po.id == _line.purchase_order_id)
            .where(_line.purchase_order_id.in_(order_ids))
            .order_by(_line.purchase_order_id, _line.id)
        )
        by_order: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
        for r in rows:
            by_order[r.purchase_order_id].append(
                PurchaseOrderLine(
                    product_id=r.product_id,
                    sku=r.sku,
                    name=r.name,
                    quantity=r.quantity,
                    unit_cost=None if r.unit_cost is None else Money(r.unit_cost, r.currency),
                    supplier_sku=r.supplier_sku,
                    received=r.received,
                    id=r.id,
                )
            )
        return by_order

    async def list(
        self,
        *,
        statuses: frozenset[PurchaseOrderStatus] | set[PurchaseOrderStatus] | None = None,
        supplier_id: int | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> list[PurchaseOrder]:
        """Newest first, with their lines."""
        query = select(purchase_orders)
        if statuses is not None:
            query = query.where(_po.status.in_([str(s) for s in statuses]))
        if supplier_id is not None:
            query = query.where(_po.supplier_id == supplier_id)
        query = query.order_by(_po.created_at.desc(), _po.id.desc()).offset(offset).limit(limit)
        rows = (await self.conn.execute(query)).all()
        lines = await self._lines_of([row.id for row in rows])
        return [_order(row, lines.get(row.id, [])) for row in rows]

    async def count(
        self,
        *,
        statuses: frozenset[PurchaseOrderStatus] | set[PurchaseOrderStatus] | None = None,
        supplier_id: int | None = None,
    ) -> int:
        query = select(func.count()).select_from(purchase_orders)
        if statuses is not None:
            query = query.where(_po.status.in_([str(s) for s in statuses]))
        if supplier_id is not None:
            query = query.where(_po.supplier_id == supplier_id)
        return int((await self.conn.execute(query)).scalar_one())

    async def timeline(self, order_id: int) -> list[PurchaseOrderEvent]:
        rows = await self.conn.execute(
            select(purchase_order_events)
            .where(purchase_order_events.c.purchase_order_id == order_id)
            .order_by(purchase_order_events.c.at, purchase_order_events.c.id)
        )
        return [
            PurchaseOrderEvent(r.at, r.actor, r.kind, r.from_status, r.to_status, r.data)
            for r in rows
        ]
