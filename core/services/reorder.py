"""Reorder suggestions (/reabastecer): what to buy from whom, most urgent first. The
method is core/domain/reorder.py's (docs/purchasing.md); this reads its inputs.

A purchase order is drafted from these (core/services/purchase_orders.py): the
signature and the fields of ReorderLine and SupplierSuggestions are what it relies on.
"""

from __future__ import annotations

from datetime import timedelta

from core.domain.actors import Actor
from core.domain.reorder import (
    WINDOW_DAYS,
    ReorderInput,
    ReorderLine,
    SupplierSuggestions,
    advise,
    urgency,
)
from core.domain.suppliers import DEFAULT_LEAD_TIME_DAYS, ProductSupply, SupplierNotFound
from core.services.context import Shop, require_admin

__all__ = ["ReorderLine", "SupplierSuggestions", "reorder_suggestions"]


async def reorder_suggestions(
    shop: Shop, actor: Actor, *, supplier_id: int | None = None
) -> list[SupplierSuggestions]:
    """The active products worth reordering now, grouped by supplier: the groups in the
    order of their most urgent line, products without an active supplier in a group of
    their own (supplier None), last. supplier_id: that supplier's group only (empty
    when nothing of theirs needs reordering). Lead time: the supplier's, else
    DEFAULT_LEAD_TIME_DAYS."""
    now = shop.now()
    safety = shop.settings.reorder_safety_days
    # Off the loop's thread on SQLite, as reports are: four weeks of order lines summed.
    with shop.db.off_loop():
        async with shop.uow(write=False) as uow:
            await require_admin(uow, actor, "reorder_suggestions")
            if supplier_id is not None and await uow.suppliers.get(supplier_id) is None:
                raise SupplierNotFound(supplier_id=supplier_id)
            products = await uow.catalog.list(active_only=True)
            suppliers = {s.id: s for s in await uow.suppliers.all(active_only=True)}
            supplies = await uow.suppliers.supplies()
            # The 28 days up to now, this instant included (an order placed this second).
            until = now + timedelta(microseconds=1)
            sold = await uow.suppliers.units_sold(until - timedelta(days=WINDOW_DAYS), until)
            on_order = await uow.suppliers.units_on_order()
    groups: dict[int | None, list[ReorderLine]] = {}
    for product in products:
        supply = supplies.get(product.id) or ProductSupply(product.id)
        supplier = suppliers.get(supply.supplier_id) if supply.supplier_id else None
        if supplier_id is not None and (supplier is None or supplier.id != supplier_id):
            continue
        reorder_point = (
            supply.reorder_point
            if supply.reorder_point is not None
            else product.low_stock_threshold
        )
        given = ReorderInput(
            sold=sold.get(product.id, 0),
            available=product.available,
            on_order=on_order.get(product.id, 0),
            reorder_point=reorder_point,
            pack_size=supply.pack_size,
            lead_time_days=supplier.lead_time_days if supplier else DEFAULT_LEAD_TIME_DAYS,
            safety_days=safety,
        )
        advice = advise(given)
        if not advice.suggested_quantity:
            continue
        line = ReorderLine(
            product_id=product.id,
            sku=product.sku,
            name=product.name,
            supplier_sku=supply.supplier_sku if supplier else "",
            available=given.available,
            on_order=given.on_order,
            sold_28d=given.sold,
            daily_sales=advice.daily_sales,
            days_of_cover=advice.days_of_cover,
            reorder_point=reorder_point,
            pack_size=supply.pack_size,
            suggested_quantity=advice.suggested_quantity,
            unit_cost=supply.cost if supplier else None,
            capped=advice.capped,
        )
        groups.setdefault(supplier.id if supplier else None, []).append(line)
    result = [
        SupplierSuggestions(suppliers[key] if key is not None else None, sorted(lines, key=urgency))
        for key, lines in groups.items()
    ]
    result.sort(key=lambda group: (group.supplier is None, urgency(group.lines[0])))
    return result
