"""After-sales: returns and exchanges, each with a reason and its own lifecycle."""

from __future__ import annotations

from datetime import timedelta

from core.domain.actors import Actor
from core.domain.errors import InvalidReturn, NotAllowed, ReturnNotFound, ReturnWindowClosed
from core.domain.money import Money
from core.domain.orders import OrderEvent, OrderStatus, in_stock_lock_order
from core.domain.outbox import OutboxMessage
from core.domain.returns import (
    OPEN_RETURN_STATUSES,
    ReturnLine,
    ReturnRequest,
    ReturnResolution,
    ReturnStatus,
)
from core.services.context import Shop, require_admin, retry_on_conflict
from core.services.orders import load_order
from core.store.uow import SqlUnitOfWork

R = ReturnStatus


@retry_on_conflict
async def request_return(
    shop: Shop,
    actor: Actor,
    code: str,
    quantities: dict[str, int],
    reason: str,
    resolution: ReturnResolution = ReturnResolution.REFUND,
) -> ReturnRequest:
    """The customer asks to send items back: {sku: quantity}, within the return window."""
    reason = reason.strip()[:1000]
    if not reason:
        raise InvalidReturn(problem="reason_required")
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
                ReturnLine(
                    line.id or 0, sku, line.name, qty, line.unit_price.amount, line.product_id
                )
            )
        if not lines:
            raise InvalidReturn(problem="no_items")
        request = ReturnRequest(
            None, order.id, R.REQUESTED, reason, ReturnResolution(resolution), lines, now, now
        )
        await uow.returns.add(request)
        await uow.orders.add_event(
            order.id,
            OrderEvent(now, str(actor), "return_requested", data={"return_id": request.id}),
        )
        uow.notify(
            OutboxMessage.to_admins(
                "return_requested",
                f"return:{request.id}:requested",
                code=order.code,
                return_id=request.id,
                reason=reason,
            )
        )
        await uow.commit(now)
        return request


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
        request.move_to(to, now)
        if note:
            request.decision_note = note.strip()[:1000]
        order = await uow.orders.get(order_id=request.order_id)
        assert order is not None
        if to is R.RECEIVED:
            await _restock(uow, request, sellable or {}, actor, now)
        if to is R.REFUNDED:
            request.refund_amount = await _refund(uow, request, order.id, now)
        await uow.returns.save(request)
        await uow.orders.add_event(
            order.id,
            OrderEvent(now, str(actor), f"return_{to}", data={"return_id": request.id}),
        )
        if to in (R.APPROVED, R.REJECTED, R.REFUNDED, R.EXCHANGED):
            uow.notify(
                OutboxMessage.to_customer(
                    order.customer_id,
                    f"return_{to}",
                    f"return:{request.id}:{to}",
                    code=order.code,
                    return_id=request.id,
                    note=request.decision_note,
                    amount=request.refund_amount,
                    currency=order.currency,
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


async def _refund(uow: SqlUnitOfWork, request: ReturnRequest, order_id: int, now) -> int:
    """Refund the returned items' value against the order's payment (when it was paid)."""
    for payment in await uow.payments.for_order(order_id):
        if payment.holds_money:
            amount = min(request.value, payment.refundable.amount)
            if amount > 0:
                payment.refund(Money(amount, payment.amount.currency), now)
                await uow.payments.save(payment)
            return amount
    raise NotAllowed(action="refund_unpaid_order", return_id=request.id)


async def approve_return(shop: Shop, actor: Actor, return_id: int) -> ReturnRequest:
    return await _decide(shop, actor, return_id, R.APPROVED)


async def reject_return(shop: Shop, actor: Actor, return_id: int, reason: str) -> ReturnRequest:
    return await _decide(shop, actor, return_id, R.REJECTED, note=reason)


async def receive_return(
    shop: Shop, actor: Actor, return_id: int, sellable: dict[str, bool] | None = None
) -> ReturnRequest:
    """Items arrived back; `sellable` maps SKU -> False for damaged ones (default True)."""
    return await _decide(shop, actor, return_id, R.RECEIVED, sellable=sellable)


async def refund_return(shop: Shop, actor: Actor, return_id: int) -> ReturnRequest:
    return await _decide(shop, actor, return_id, R.REFUNDED)


async def exchange_return(
    shop: Shop, actor: Actor, return_id: int, note: str = ""
) -> ReturnRequest:
    return await _decide(shop, actor, return_id, R.EXCHANGED, note=note)
