"""Suppliers, products' supply terms, and what reorder suggestions read: units sold and
units on order per product."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.suppliers import MAX_REORDER_POINT, ProductSupply, Supplier
from core.store.dialect import insert_for
from core.store.tables import (
    order_lines,
    orders,
    product_supply,
    purchase_order_lines,
    purchase_orders,
    suppliers,
)

# Orders that never turned into a sale: they count for no product's sales.
NOT_SOLD = ("cancelled", "expired")
# Purchase orders whose goods are still to come (quantity - received of each line).
OPEN_PURCHASE_ORDERS = ("sent", "partially_received")


def supplier_from_row(row: Row) -> Supplier:
    return Supplier(
        id=row.id,
        name=row.name,
        contact=row.contact,
        phone=row.phone,
        email=row.email,
        lead_time_days=row.lead_time_days,
        currency=row.currency,
        notes=row.notes,
        active=row.active,
    )


def _supplier_values(supplier: Supplier) -> dict[str, object]:
    return {
        "name": supplier.name,
        "contact": supplier.contact,
        "phone": supplier.phone,
        "email": supplier.email,
        "lead_time_days": supplier.lead_time_days,
        "currency": supplier.currency,
        "notes": supplier.notes,
        "active": supplier.active,
    }


def supply_from_row(row: Row) -> ProductSupply:
    return ProductSupply(
        product_id=row.product_id,
        supplier_id=row.supplier_id,
        supplier_sku=row.supplier_sku,
        cost=row.cost,
        # A point saved before it was capped at a purchase-order line's maximum reads
        # as that maximum (it suggests the same: as much as one line takes).
        reorder_point=(
            None if row.reorder_point is None else min(row.reorder_point, MAX_REORDER_POINT)
        ),
        pack_size=row.pack_size,
    )


class SqlSupplierRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def all(self, *, active_only: bool = False) -> list[Supplier]:
        """Every supplier by name (a shop has tens, not thousands)."""
        query = select(suppliers).order_by(suppliers.c.name, suppliers.c.id)
        if active_only:
            query = query.where(suppliers.c.active.is_(True))
        return [supplier_from_row(r) for r in await self.conn.execute(query)]

    async def get(self, supplier_id: int) -> Supplier | None:
        row = (
            await self.conn.execute(select(suppliers).where(suppliers.c.id == supplier_id))
        ).first()
        return supplier_from_row(row) if row else None

    async def insert(self, supplier: Supplier, at: datetime) -> int:
        result = await self.conn.execute(
            suppliers.insert().values(**_supplier_values(supplier), created_at=at, updated_at=at)
        )
        return int(result.inserted_primary_key[0])

    async def update(self, supplier: Supplier, at: datetime) -> None:
        await self.conn.execute(
            suppliers.update()
            .where(suppliers.c.id == supplier.id)
            .values(**_supplier_values(supplier), updated_at=at)
        )

    async def supply(self, product_id: int) -> ProductSupply | None:
        row = (
            await self.conn.execute(
                select(product_supply).where(product_supply.c.product_id == product_id)
            )
        ).first()
        return supply_from_row(row) if row else None

    async def supplies(self) -> dict[int, ProductSupply]:
        """Every product's supply terms, by product id."""
        rows = await self.conn.execute(select(product_supply))
        return {r.product_id: supply_from_row(r) for r in rows}

    async def supplied_by(self, supplier_id: int) -> list[ProductSupply]:
        rows = await self.conn.execute(
            select(product_supply)
            .where(product_supply.c.supplier_id == supplier_id)
            .order_by(product_supply.c.product_id)
        )
        return [supply_from_row(r) for r in rows]

    async def save_supply(self, supply: ProductSupply, at: datetime) -> None:
        values = {
            "supplier_id": supply.supplier_id,
            "supplier_sku": supply.supplier_sku,
            "cost": supply.cost,
            "reorder_point": supply.reorder_point,
            "pack_size": supply.pack_size,
            "updated_at": at,
        }
        stmt = insert_for(self.conn, product_supply).values(product_id=supply.product_id, **values)
        await self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["product_id"], set_=values)
        )

    async def units_sold(self, since: datetime, until: datetime) -> dict[int, int]:
        """Units per product of the orders placed in [since, until) that became sales
        (not cancelled, not expired)."""
        rows = await self.conn.execute(
            select(order_lines.c.product_id, func.sum(order_lines.c.quantity))
            .select_from(order_lines.join(orders, orders.c.id == order_lines.c.order_id))
            .where(
                orders.c.created_at >= since,
                orders.c.created_at < until,
                orders.c.status.not_in(NOT_SOLD),
            )
            .group_by(order_lines.c.product_id)
        )
        return {product_id: int(units) for product_id, units in rows}

    async def units_on_order(self) -> dict[int, int]:
        """Units per product ordered from suppliers and not received yet (purchase
        orders sent or partly received)."""
        outstanding = func.sum(purchase_order_lines.c.quantity - purchase_order_lines.c.received)
        rows = await self.conn.execute(
            select(purchase_order_lines.c.product_id, outstanding)
            .select_from(
                purchase_order_lines.join(
                    purchase_orders,
                    purchase_orders.c.id == purchase_order_lines.c.purchase_order_id,
                )
            )
            .where(purchase_orders.c.status.in_(OPEN_PURCHASE_ORDERS))
            .group_by(purchase_order_lines.c.product_id)
        )
        return {product_id: int(units) for product_id, units in rows if units}
