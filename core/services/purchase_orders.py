"""Purchase orders to suppliers: drafted by hand or from the reorder suggestions, sent,
received into stock in part or in full, closed or cancelled. Every action is the shop's
team's (require_admin); every change goes through the status machine
(core/domain/purchase_orders.py) and appends to the purchase order's timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.domain.actors import Actor
from core.domain.errors import ProductNotFound
from core.domain.money import Money
from core.domain.orders import in_stock_lock_order
from core.domain.purchase_orders import (
    NothingToReorder,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseOrderNotFound,
    PurchaseOrderStatus,
    Receipt,
    check_quantity,
    new_purchase_order_code,
)
from core.domain.suppliers import Supplier, SupplierNotFound, check_cost
from core.services.context import Shop, require_admin, retry_on_conflict
from core.services.reorder import reorder_suggestions
from core.store.uow import SqlUnitOfWork

# A receipt's stock moves carry this reason (and the purchase order's id).
RECEIPT_REASON = "purchase_receipt"


@dataclass(frozen=True)
class LineRequest:
    """A line as the merchant asks for it. unit_cost: minor units of the purchase
    order's currency; None takes the product's cost from its supply terms with this
    supplier when that cost is in the purchase order's currency (and an empty
    supplier_sku takes the supplier's code). quantity 0 takes a draft's line off
    (edit_lines only)."""

    sku: str
    quantity: int
    unit_cost: int | None = None
    supplier_sku: str = ""


@dataclass(frozen=True)
class PurchaseOrderDetails:
    order: PurchaseOrder
    supplier: Supplier
    timeline: list[PurchaseOrderEvent]


@dataclass(frozen=True)
class DraftOutcome:
    """A draft from the suggestions; created False: the supplier already had a draft
    (a second press of the button), which is this one, unchanged."""

    details: PurchaseOrderDetails
    created: bool


@dataclass(frozen=True)
class ReceiptOutcome:
    details: PurchaseOrderDetails
    receipts: list[Receipt]


@dataclass(frozen=True)
class PurchaseOrderPage:
    orders: list[PurchaseOrder]
    suppliers: dict[int, Supplier]
    total: int  # how many match, over every page


async def _supplier(uow: SqlUnitOfWork, supplier_id: int, *, active: bool = False) -> Supplier:
    supplier = await uow.suppliers.get(supplier_id)
    if supplier is None or (active and not supplier.active):
        raise SupplierNotFound(supplier_id=supplier_id, inactive=supplier is not None)
    return supplier


async def _line(
    uow: SqlUnitOfWork, supplier: Supplier, currency: str, request: LineRequest
) -> PurchaseOrderLine:
    """A line of a product of the catalog (active or not: a product off sale can still
    be restocked) priced in `currency`, the purchase order's (fixed when drafted), with
    the supplier's code and cost from its supply terms when they name this supplier. The
    terms' cost is in the supplier's currency now: when that is no longer the purchase
    order's, it is not copied (the line has no cost until one is typed)."""
    product = await uow.catalog.get_by_sku(request.sku)
    if product is None:
        raise ProductNotFound(sku=request.sku.strip()[:64])
    check_quantity(request.quantity, product.sku)
    supply = await uow.suppliers.supply(product.id)
    ours = supply is not None and supply.supplier_id == supplier.id
    cost = request.unit_cost
    if cost is None and ours and supplier.currency == currency:
        cost = supply.cost  # type: ignore[union-attr]
    check_cost(cost, currency)
    return PurchaseOrderLine(
        product.id,
        product.sku,
        product.name,
        request.quantity,
        None if cost is None else Money(cost, currency),
        request.supplier_sku or (supply.supplier_sku if ours else ""),  # type: ignore[union-attr]
    )


async def _order(uow: SqlUnitOfWork, code: str) -> PurchaseOrder:
    order = await uow.purchase_orders.get(code=code)
    if order is None:
        raise PurchaseOrderNotFound(code=code)
    return order


async def _details(uow: SqlUnitOfWork, order: PurchaseOrder) -> PurchaseOrderDetails:
    assert order.id is not None
    return PurchaseOrderDetails(
        order,
        await _supplier(uow, order.supplier_id),
        await uow.purchase_orders.timeline(order.id),
    )


@retry_on_conflict  # the random code already taken: draw another
async def create_draft(
    shop: Shop,
    actor: Actor,
    supplier_id: int,
    lines: list[LineRequest],
    *,
    notes: str = "",
    source: str = "hand",
) -> PurchaseOrderDetails:
    """A new draft for an active supplier, in the supplier's currency."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "purchase_order_create")
        supplier = await _supplier(uow, supplier_id, active=True)
        made = [await _line(uow, supplier, supplier.currency, request) for request in lines]
        order = PurchaseOrder.draft(
            new_purchase_order_code(),
            supplier.id,
            supplier.currency,
            made,
            actor,
            now,
            notes=notes,
            source=source,
        )
        await uow.purchase_orders.add(order)
        details = await _details(uow, order)
        await uow.commit(now)
    return details


async def draft_from_suggestions(shop: Shop, actor: Actor, supplier_id: int) -> DraftOutcome:
    """A draft of what the reorder suggestions say to buy from this supplier now: each
    suggested quantity at the supplier's cost and code. The supplier's draft already
    there (the button pressed twice) is answered instead of a second one."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "purchase_order_create")
        await _supplier(uow, supplier_id, active=True)
        drafts = await uow.purchase_orders.list(
            statuses={PurchaseOrderStatus.DRAFT}, supplier_id=supplier_id, limit=1
        )
        if drafts:
            return DraftOutcome(await _details(uow, drafts[0]), created=False)
    groups = await reorder_suggestions(shop, actor, supplier_id=supplier_id)
    # The cost and code come from the supply terms as create_draft reads them, in the
    # same transaction as the supplier's currency.
    lines = [
        LineRequest(line.sku, line.suggested_quantity)
        for group in groups
        if group.supplier is not None and group.supplier.id == supplier_id
        for line in group.lines
        if line.suggested_quantity > 0
    ]
    if not lines:
        raise NothingToReorder(supplier_id=supplier_id)
    details = await create_draft(shop, actor, supplier_id, lines, source="suggestions")
    return DraftOutcome(details, created=True)


@retry_on_conflict
async def edit_lines(
    shop: Shop, actor: Actor, code: str, requests: list[LineRequest]
) -> PurchaseOrderDetails:
    """Change a draft's lines, all or nothing, in one transaction (one version check):
    each request adds a line, changes its quantity (and cost, when given), or takes it
    off (quantity 0). A SKU typed twice: the last one counts. Lines are set before any
    is taken off, so a draft's only line can be swapped for another in one message."""
    now = shop.now()
    wanted: dict[str, LineRequest] = {}
    for request in requests:
        key = request.sku.strip().upper()
        wanted.pop(key, None)  # the last one typed counts, where it was typed last
        wanted[key] = request
    async with shop.uow() as uow:
        await require_admin(uow, actor, "purchase_order_edit")
        order = await _order(uow, code)
        supplier = await _supplier(uow, order.supplier_id)
        for request in wanted.values():
            if request.quantity == 0:
                continue
            line = await _line(uow, supplier, order.currency, request)
            existing = next((x for x in order.lines if x.product_id == line.product_id), None)
            if existing is not None and request.unit_cost is None:
                line.unit_cost = None  # only the quantity changes: the line keeps its cost
            order.set_line(line, actor, now)
        for request in wanted.values():
            if request.quantity == 0:
                order.remove_line(request.sku, actor, now)
        await uow.purchase_orders.save(order)
        details = await _details(uow, order)
        await uow.commit(now)
    return details


async def set_line(
    shop: Shop, actor: Actor, code: str, request: LineRequest
) -> PurchaseOrderDetails:
    """Add a line to a draft, or change its quantity (and cost, when given)."""
    check_quantity(request.quantity, request.sku)  # 0 here is a typo, not "take it off"
    return await edit_lines(shop, actor, code, [request])


async def remove_line(shop: Shop, actor: Actor, code: str, sku: str) -> PurchaseOrderDetails:
    return await edit_lines(shop, actor, code, [LineRequest(sku, 0)])


@retry_on_conflict
async def send(shop: Shop, actor: Actor, code: str) -> PurchaseOrderDetails:
    """Sent to the supplier (the merchant forwards its PDF): expected after the
    supplier's lead time."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "purchase_order_send")
        order = await _order(uow, code)
        supplier = await _supplier(uow, order.supplier_id)
        order.send(actor, now, supplier.lead_time_days)
        await uow.purchase_orders.save(order)
        details = await _details(uow, order)
        await uow.commit(now)
    return details


@retry_on_conflict  # two admins receiving at once: the second runs on what the first left
async def receive(
    shop: Shop, actor: Actor, code: str, quantities: Mapping[str, int] | None = None
) -> ReceiptOutcome:
    """Goods arrived: quantities by SKU, or None for everything still outstanding. Each
    goes on hand as a stock move of its own kind (purchase_receipt, naming the purchase
    order), which also clears a product's low-stock flag once it is above its
    threshold. More than a line has outstanding is refused, naming the line."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "purchase_order_receive")
        order = await _order(uow, code)
        receipts = order.receive(quantities, actor, now)
        await uow.purchase_orders.save(order)  # the version check first: one receipt at a time
        for receipt in in_stock_lock_order(receipts):
            if not await uow.stock.adjust(
                receipt.product_id,
                receipt.quantity,
                RECEIPT_REASON,
                actor=actor,
                at=now,
                purchase_order_id=order.id,
                note=order.code,
            ):
                raise ProductNotFound(sku=receipt.sku)
        details = await _details(uow, order)
        await uow.commit(now)
    return ReceiptOutcome(details, receipts)


@retry_on_conflict
async def close(shop: Shop, actor: Actor, code: str) -> PurchaseOrderDetails:
    """Done with it: everything arrived, or what is missing will not come."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "purchase_order_close")
        order = await _order(uow, code)
        order.close(actor, now)
        await uow.purchase_orders.save(order)
        details = await _details(uow, order)
        await uow.commit(now)
    return details


@retry_on_conflict
async def cancel(shop: Shop, actor: Actor, code: str, reason: str) -> PurchaseOrderDetails:
    """Not going ahead (a draft, or sent and nothing arrived), for the reason given."""
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "purchase_order_cancel")
        order = await _order(uow, code)
        order.cancel(actor, now, reason)
        await uow.purchase_orders.save(order)
        details = await _details(uow, order)
        await uow.commit(now)
    return details


async def purchase_order_details(shop: Shop, actor: Actor, code: str) -> PurchaseOrderDetails:
    """One purchase order with its lines (received and outstanding) and its timeline."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "purchase_order")
        return await _details(uow, await _order(uow, code))


async def list_purchase_orders(
    shop: Shop,
    actor: Actor,
    *,
    statuses: frozenset[PurchaseOrderStatus] | set[PurchaseOrderStatus] | None = None,
    supplier_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> PurchaseOrderPage:
    """Purchase orders newest first, of these statuses and this supplier (None: all)."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "purchase_orders")
        found = await uow.purchase_orders.list(
            statuses=statuses, supplier_id=supplier_id, offset=offset, limit=limit
        )
        total = await uow.purchase_orders.count(statuses=statuses, supplier_id=supplier_id)
        suppliers = {s.id: s for s in await uow.suppliers.all()}
    return PurchaseOrderPage(found, suppliers, total)


async def suppliers_to_order_from(
    shop: Shop, actor: Actor, *, active: bool = True
) -> list[Supplier]:
    """The suppliers by name (active ones only, unless active=False): what a typed
    supplier's name is matched against."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "purchase_orders")
        return await uow.suppliers.all(active_only=active)
