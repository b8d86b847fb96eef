"""What the shop's documents are made of: the orders a packing slip or picking list
covers, and whether an order has a receipt (docs/documents.md). The PDFs themselves are
drawn in handlers/documents/."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain.actors import Actor
from core.domain.errors import NoReceipt
from core.domain.orders import Order, OrderStatus
from core.domain.payments import Payment
from core.services.context import Shop, require_admin
from core.services.orders import OrderDetails, load_order
from core.store.uow import SqlUnitOfWork

# Ready to prepare: confirmed, or being prepared and not packed yet (packed is its own
# status). An order the shop still waits to be paid for is not (it can't move on).
READY_TO_PREPARE = frozenset({OrderStatus.CONFIRMED, OrderStatus.PREPARING})
# A picking list covers at most this many orders, the oldest first.
MOST_ON_A_PICKING_LIST = 100
# "Mi recibo" with no code: the orders placed this recently are offered to choose from.
RECENT = timedelta(days=30)


def has_receipt(order: Order, payments: Iterable[Payment]) -> bool:
    """A receipt is for an order that was placed and stands: not one that expired
    unpaid, nor one cancelled before anything was paid (nothing was sold). A cancelled
    order that had been paid keeps it: its receipt shows the refund."""
    if order.status is OrderStatus.EXPIRED:
        return False
    if order.status is OrderStatus.CANCELLED:
        return any(p.was_paid for p in payments)
    return True


def receipt_candidate(order: Order) -> bool:
    """An order "mi recibo" may mean without naming it: one that stands (a cancelled one
    is only given by its code)."""
    return order.status not in (OrderStatus.EXPIRED, OrderStatus.CANCELLED)


@dataclass
class ReceiptSource:
    details: OrderDetails
    locale: str  # the customer's language ("" when they never chose one)


async def _details(uow: SqlUnitOfWork, order: Order) -> OrderDetails:
    assert order.id is not None
    return OrderDetails(
        order=order,
        timeline=await uow.orders.timeline(order.id),
        payments=await uow.payments.for_order(order.id),
        shipment=await uow.shipments.for_order(order.id),
    )


async def receipt(shop: Shop, actor: Actor, code: str) -> ReceiptSource:
    """The order a receipt is drawn from: the customer's own (another's code is not
    found) or any, for an admin. An order with no receipt (has_receipt) is refused with
    NoReceipt, naming its status."""
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor)
        details = await _details(uow, order)
        if not has_receipt(order, details.payments):
            raise NoReceipt(code=order.code, order_status=str(order.status))
        customer = await uow.customers.get(order.customer_id)
    return ReceiptSource(details, customer.locale if customer else "")


async def packing_slip(shop: Shop, actor: Actor, code: str) -> OrderDetails:
    """One order for its packing slip: the shop's team only, whatever its status."""
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor, admin_action="packing_slip")
        return await _details(uow, order)


async def ready_to_prepare(shop: Shop, actor: Actor) -> list[OrderDetails]:
    """The orders to prepare now (READY_TO_PREPARE, not awaiting payment), oldest first,
    for the picking list: the shop's team only."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "picking_list")
        found = await uow.orders.list(
            statuses=READY_TO_PREPARE, limit=MOST_ON_A_PICKING_LIST, newest_first=False
        )
        # A slip reads the order and its timeline (the note) only: one query per order,
        # not four (order.paid and order.awaits_payment come with the order itself).
        return [
            OrderDetails(order, await uow.orders.timeline(order.id), [], None)
            for order in found
            if order.id is not None and not order.awaits_payment
        ]


async def recent_receipts(shop: Shop, customer_id: int, now: datetime) -> list[Order]:
    """The customer's orders "mi recibo" may mean, newest first: those that stand among
    their last few, placed within RECENT; else their latest that stands, if any."""
    async with shop.uow(write=False) as uow:
        mine = await uow.orders.list(customer_id=customer_id, limit=8)
    standing = [o for o in mine if receipt_candidate(o)]
    recent = [o for o in standing if o.created_at >= now - RECENT]
    return recent or standing[:1]


def order_note(details: OrderDetails) -> str:
    """The note the merchant typed with a phone order (its "placed" event's), or ""."""
    for event in details.timeline:
        if event.kind == "placed":
            return str(event.data.get("note") or "")
    return ""
