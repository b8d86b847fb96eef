"""After-sales: returns and exchanges, each with a reason and its own lifecycle.

The customer is told where to send the items when the return is approved
(RETURN_ADDRESS), and when they arrive. An exchange names its replacement when it is
requested: that stock is reserved for the customer from then on, and the replacement
ships as a shipment of its own (carrier, tracking number) once the items are back."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.domain.actors import Actor
from core.domain.catalog import Product
from core.domain.errors import (
    InvalidReturn,
    InvalidTransition,
    NothingToRefund,
    ReturnNotFound,
    ReturnWindowClosed,
)
from core.domain.events import (
    ReturnAddress,
    ReturnAddressMissing,
    ReturnApproved,
    ReturnExchanged,
    ReturnReceived,
    ReturnRefunded,
    ReturnRejected,
    ReturnRequested,
)
from core.domain.money import Money
from core.domain.orders import Order, OrderEvent, OrderLine, OrderStatus, in_stock_lock_order
from core.domain.outbox import OutboxMessage
from core.domain.returns import (
    OPEN_RETURN_STATUSES,
    ReturnLine,
    ReturnRequest,
    ReturnResolution,
    ReturnStatus,
)
from core.domain.shipments import clean_tracking_number
from core.services.context import Shop, require_admin, retry_on_conflict
from core.services.orders import load_order
from core.services.provider_refunds import give_back, send_due_refunds
from core.services.shipping import parcel
from core.store.uow import SqlUnitOfWork

R = ReturnStatus
MOST_EXCHANGE_OPTIONS = 8


async def exchange_options(
    shop: Shop, actor: Actor, code: str, sku: str, quantity: int
) -> list[Product]:
    """What the customer may get instead of `quantity` of the order's `sku`: the same
    product first, then the other sizes or colours (same category, same price as paid),
    each with that many units available."""
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor)
        line = next((li for li in order.lines if li.sku == sku), None)
        if line is None:
            return []
        return await _exchange_options(uow, line, quantity)


async def _exchange_options(uow: SqlUnitOfWork, line: OrderLine, quantity: int) -> list[Product]:
    same = await uow.catalog.get(line.product_id)
    found = [same] if same is not None and same.active and same.available >= quantity else []
    if same is not None and same.category_id is not None:
        for product in await uow.catalog.list(category_id=same.category_id):
            if (
                product.id != same.id
                and product.price.amount == line.unit_price.amount  # no money changes hands
                and product.available >= quantity
            ):
                found.append(product)
    return found[:MOST_EXCHANGE_OPTIONS]


@retry_on_conflict
async def request_return(
    shop: Shop,
    actor: Actor,
    code: str,
    quantities: dict[str, int],
    reason: str,
    resolution: ReturnResolution = ReturnResolution.REFUND,
    replacements: dict[str, int] | None = None,
) -> ReturnRequest:
    """The customer asks to send items back: {sku: quantity}, within the return window.
    An exchange names the product sent instead of each: {sku: product id}, reserved now."""
    reason = reason.strip()[:1000]
    if not reason:
        raise InvalidReturn(problem="reason_required")
    resolution = ReturnResolution(resolution)
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor)  # a merchant must really be an admin
        if order.status is not OrderStatus.DELIVERED:
            raise InvalidReturn(problem="not_delivered", status=str(order.status))
        shipment = await uow.shipments.for_order(order.id)
        delivered_at = (shipment.delivered_at if shipment else None) or order.updated_at
        deadline = delivered_at + timedelta(days=shop.settings.return_window_days)
        if now > deadline:
            raise ReturnWindowClosed(code=order.code, deadline=deadline.isoformat())
        lines = await _return_lines(uow, order, quantities)
        request = ReturnRequest(None, order.id, R.REQUESTED, reason, resolution, lines, now, now)
        if request.is_exchange:
            await _choose_replacements(uow, order, request, replacements or {})
            await _hold_replacements(uow, request, order, actor, now)
        await uow.returns.add(request)
        await uow.orders.add_event(
            order.id,
            OrderEvent(now, str(actor), "return_requested", data={"return_id": request.id}),
        )
        uow.notify(
            OutboxMessage.to_admins(
                ReturnRequested(
                    order.code, request.id, reason, resolution, _replacement_items(request)
                ),
                f"return:{request.id}:requested",
            )
        )
        await uow.commit(now)
        return request


async def _return_lines(
    uow: SqlUnitOfWork, order: Order, quantities: dict[str, int]
) -> list[ReturnLine]:
    already = await uow.returns.returned_quantities(order.id)
    lines = []
    by_sku = {line.sku: line for line in order.lines}
    for sku, qty in quantities.items():
        line = by_sku.get(sku)
        if line is None:
            raise InvalidReturn(problem="unknown_item", sku=sku)
        left = line.quantity - already.get(line.id or 0, 0)
        if not isinstance(qty, int) or qty < 1 or qty > left:
            raise InvalidReturn(problem="bad_quantity", sku=sku, maximum=left)
        lines.append(
            ReturnLine(line.id or 0, sku, line.name, qty, line.unit_price.amount, line.product_id)
        )
    if not lines:
        raise InvalidReturn(problem="no_items")
    return lines


async def _choose_replacements(
    uow: SqlUnitOfWork, order: Order, request: ReturnRequest, replacements: dict[str, int]
) -> None:
    """Each returned line's replacement must be one of its exchange options."""
    by_sku = {line.sku: line for line in order.lines}
    for line in request.lines:
        wanted = replacements.get(line.sku)
        options = await _exchange_options(uow, by_sku[line.sku], line.quantity)
        chosen = next((p for p in options if p.id == wanted), None)
        if chosen is None:
            raise InvalidReturn(problem="replacement_unavailable", sku=line.sku)
        line.replacement_id, line.replacement_name = chosen.id, chosen.name


async def _hold_replacements(
    uow: SqlUnitOfWork, request: ReturnRequest, order: Order, actor: Actor, now: datetime
) -> None:
    """Reserve the replacements: the one guarded update, so two customers can't both be
    promised the last unit."""
    for line in sorted(request.lines, key=lambda li: li.replacement_id or 0):
        held = await uow.stock.reserve(
            line.replacement_id, line.quantity, order_id=order.id, actor=actor, at=now
        )
        if not held:
            raise InvalidReturn(problem="replacement_unavailable", sku=line.sku)


async def _release_replacements(
    uow: SqlUnitOfWork, request: ReturnRequest, actor: Actor, now: datetime
) -> None:
    for line in sorted(request.lines, key=lambda li: li.replacement_id or 0):
        if line.replacement_id is not None:
            await uow.stock.release(
                line.replacement_id,
                line.quantity,
                order_id=request.order_id,
                actor=actor,
                at=now,
                note=f"return {request.id}",
            )


def _replacement_items(request: ReturnRequest) -> tuple[tuple[int, str], ...]:
    """((quantity, name), ...) of what an exchange sends (for the messages)."""
    return tuple(
        (line.quantity, line.replacement_name) for line in request.lines if line.replacement_id
    )


async def list_returns(
    shop: Shop, actor: Actor, *, open_only: bool = True
) -> list[tuple[str, ReturnRequest]]:
    """(order code, request) pairs, oldest first: the merchant's returns queue."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_returns")
        requests = await uow.returns.list(statuses=OPEN_RETURN_STATUSES if open_only else None)
        codes = await uow.orders.codes(sorted({r.order_id for r in requests}))
        return [(codes.get(r.order_id, "?"), r) for r in requests]


async def get_return(shop: Shop, actor: Actor, return_id: int) -> tuple[str, ReturnRequest]:
    """One return and its order's code, for the merchant's return card."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_returns")
        request = await _load(uow, return_id)
        codes = await uow.orders.codes([request.order_id])
        return codes.get(request.order_id, "?"), request


async def _load(uow: SqlUnitOfWork, return_id: int) -> ReturnRequest:
    request = await uow.returns.get(return_id)
    if request is None:
        raise ReturnNotFound(return_id=return_id)
    return request


@retry_on_conflict
async def _decide(
    shop: Shop,
    actor: Actor,
    return_id: int,
    to: ReturnStatus,
    note: str = "",
    sellable: dict[str, bool] | None = None,
) -> ReturnRequest:
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, f"return_{to}")
        request = await _load(uow, return_id)
        held = request.reserves_replacement
        request.move_to(to, now)
        if note:
            request.decision_note = note.strip()[:1000]
        order = await uow.orders.get(order_id=request.order_id)
        assert order is not None
        if held and not request.reserves_replacement:  # rejected, or refunded instead
            await _release_replacements(uow, request, actor, now)
        if to is R.RECEIVED:
            await _restock(uow, request, sellable or {}, actor, now)
        if to is R.REFUNDED:
            request.refund_amount = await _refund(uow, request, order, now)
        await uow.returns.save(request)
        await uow.orders.add_event(
            order.id,
            OrderEvent(now, str(actor), f"return_{to}", data={"return_id": request.id}),
        )
        address = shop.settings.return_address.strip()
        told = {
            R.APPROVED: ReturnApproved,
            R.REJECTED: ReturnRejected,
            R.RECEIVED: ReturnReceived,
            R.REFUNDED: ReturnRefunded,
        }[to]
        event = told(
            order.code,
            request.id,
            request.decision_note,
            request.refund_amount,
            order.currency,
            request.resolution,
            _replacement_items(request),
            **({"address": address} if to is R.APPROVED else {}),
        )
        uow.notify(OutboxMessage.to_customer(order.customer_id, event, f"return:{request.id}:{to}"))
        if to is R.APPROVED and not address:
            uow.notify(  # the customer was told the shop will send the address
                OutboxMessage.to_admins(
                    ReturnAddressMissing(order.code, request.id),
                    f"return:{request.id}:address_missing",
                )
            )
        await uow.commit(now)
        return request


async def _restock(uow, request, sellable, actor, now) -> None:
    """Sellable items go back on the shelf; damaged ones are recorded, not restocked."""
    order = await uow.orders.get(order_id=request.order_id)
    for line in in_stock_lock_order(request.lines):
        line.sellable = bool(sellable.get(line.sku, True))
        if line.sellable:
            await uow.stock.adjust(
                line.product_id,
                line.quantity,
                "return_restock",
                order_id=order.id,
                actor=actor,
                at=now,
            )


async def _refund(uow: SqlUnitOfWork, request: ReturnRequest, order: Order, now) -> int:
    """Refund the returned items' value against the order's payment (when it was paid)."""
    for payment in await uow.payments.for_order(order.id):
        if payment.holds_money:
            amount = min(request.value, payment.refundable.amount)
            if amount > 0:
                await give_back(uow, order, payment, Money(amount, payment.amount.currency), now)
            return amount
    raise NothingToRefund(return_id=request.id)


async def approve_return(shop: Shop, actor: Actor, return_id: int) -> ReturnRequest:
    """The customer is told to send the items to RETURN_ADDRESS. Unset, they are told
    the shop will send it, and the admins are alerted (send_return_address)."""
    return await _decide(shop, actor, return_id, R.APPROVED)


async def send_return_address(shop: Shop, actor: Actor, return_id: int, address: str) -> None:
    """Tell the customer of an approved return where to send the items."""
    address = address.strip()[:500]
    if not address:
        raise InvalidReturn(problem="address_required")
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "return_address")
        request = await _load(uow, return_id)
        if request.status is not R.APPROVED:  # received or closed: nothing is on its way
            raise InvalidTransition(
                entity="return", from_status=str(request.status), to_status=str(R.APPROVED)
            )
        order = await uow.orders.get(order_id=request.order_id)
        assert order is not None
        uow.notify(
            OutboxMessage.to_customer(
                order.customer_id,
                ReturnAddress(order.code, request.id, address),
                f"return:{request.id}:address:{now.isoformat()}",
            )
        )
        await uow.commit(now)


async def reject_return(shop: Shop, actor: Actor, return_id: int, reason: str) -> ReturnRequest:
    return await _decide(shop, actor, return_id, R.REJECTED, note=reason)


async def receive_return(
    shop: Shop, actor: Actor, return_id: int, sellable: dict[str, bool] | None = None
) -> ReturnRequest:
    """Items arrived back; `sellable` maps SKU -> False for damaged ones (default True).
    The customer is told they arrived."""
    return await _decide(shop, actor, return_id, R.RECEIVED, sellable=sellable)


async def refund_return(shop: Shop, actor: Actor, return_id: int) -> ReturnRequest:
    """Refund the items (an exchange refunded instead gives its replacement back);
    money a payment link took goes back through its provider at once."""
    request = await _decide(shop, actor, return_id, R.REFUNDED)
    await send_due_refunds(shop, request.order_id)
    return request


@retry_on_conflict
async def ship_exchange(
    shop: Shop, actor: Actor, return_id: int, carrier_code: str, tracking_number: str
) -> ReturnRequest:
    """The replacement leaves with a carrier: its reserved stock leaves the shelf, the
    return becomes exchanged, the customer gets the tracking link."""
    tracking = clean_tracking_number(tracking_number)
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, "return_exchanged")
        request = await _load(uow, return_id)
        if not request.is_exchange or not _replacement_items(request):
            raise InvalidReturn(problem="no_replacement", return_id=return_id)
        shipment = await parcel(uow, carrier_code, request.order_id, tracking, now, request.id)
        request.move_to(R.EXCHANGED, now)
        order = await uow.orders.get(order_id=request.order_id)
        assert order is not None
        for line in sorted(request.lines, key=lambda li: li.replacement_id or 0):
            await uow.stock.consume(
                line.replacement_id, line.quantity, order_id=order.id, actor=actor, at=now
            )
        await uow.returns.add_shipment(shipment)
        request.shipment = shipment
        await uow.returns.save(request)
        await uow.orders.add_event(
            order.id,
            OrderEvent(
                now,
                str(actor),
                "return_exchanged",
                data={
                    "return_id": request.id,
                    "carrier": shipment.carrier_code,
                    "tracking": tracking,
                },
            ),
        )
        uow.notify(
            OutboxMessage.to_customer(
                order.customer_id,
                ReturnExchanged(
                    order.code,
                    request.id,
                    _replacement_items(request),
                    shipment.carrier_name,
                    tracking,
                    shipment.tracking_url,
                ),
                f"return:{request.id}:exchanged",
            )
        )
        await uow.commit(now)
        return request


# --- The REST API's reads (bot/api/returns.py) ---


async def returns_page(
    shop: Shop,
    actor: Actor,
    *,
    limit: int,
    after_id: int = 0,
    statuses: frozenset[ReturnStatus] | None = None,
) -> list[tuple[str, ReturnRequest]]:
    """Up to `limit` (order code, return) pairs, oldest first, numbered after `after_id`
    (the previous page's last): new returns only ever come after it."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_returns")
        requests = await uow.returns.list(statuses=statuses)
        chosen = sorted((r for r in requests if (r.id or 0) > after_id), key=lambda r: r.id or 0)
        chosen = chosen[:limit]
        codes = await uow.orders.codes(sorted({r.order_id for r in chosen}))
        return [(codes.get(r.order_id, "?"), r) for r in chosen]
