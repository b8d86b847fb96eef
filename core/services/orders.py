"""An order's life after checkout: every status change goes through Order.move_to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.domain.actors import Actor, ActorKind
from core.domain.errors import InvalidTransition, OrderNotFound
from core.domain.events import (
    CashNotRecorded,
    CustomerEvent,
    LowRating,
    OrderCancelled,
    OrderCancelledByCustomer,
    OrderConfirmed,
    OrderDelivered,
    OrderPreparing,
    OrderRejected,
    TransferReceipt,
)
from core.domain.money import Money
from core.domain.orders import (
    OPEN_STATUSES,
    RESERVING_STATUSES,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    in_stock_lock_order,
    normalize_order_code,
)
from core.domain.outbox import OutboxMessage
from core.domain.payments import Payment, PaymentStatus
from core.domain.phones import clean_phone
from core.domain.returns import ReturnRequest
from core.domain.shipments import Shipment
from core.services import log_context
from core.services.context import Shop, require_admin, retry_on_conflict
from core.services.provider_refunds import give_back, send_due_refunds
from core.store.orders_repo import ConcurrentUpdate
from core.store.uow import SqlUnitOfWork

S = OrderStatus


@dataclass
class OrderDetails:
    order: Order
    timeline: list[OrderEvent]
    payments: list[Payment]
    shipment: Shipment | None
    returns: list[ReturnRequest] = field(default_factory=list)

    @property
    def paid(self) -> bool:
        return any(p.holds_money for p in self.payments)


async def load_order(
    uow: SqlUnitOfWork, code: str, actor: Actor, admin_action: str | None = None
) -> Order:
    """The order by code, if this actor may see it: a customer only their own, a
    merchant only when really an admin. With admin_action, only an admin (or the
    system) may have it, for that action: one check, whoever asks."""
    if admin_action is not None or actor.kind is ActorKind.MERCHANT:
        await require_admin(uow, actor, admin_action or "order")
    normalized = normalize_order_code(code) or code
    order = await uow.orders.get(code=normalized)
    if order is None or (actor.kind is ActorKind.CUSTOMER and str(order.customer_id) != actor.id):
        raise OrderNotFound(code=code)
    log_context.note_order(order.code)  # the update's log lines name it from here on
    return order


async def order_details(shop: Shop, code: str, actor: Actor) -> OrderDetails:
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor)
        return OrderDetails(
            order=order,
            timeline=await uow.orders.timeline(order.id),
            payments=await uow.payments.for_order(order.id),
            shipment=await uow.shipments.for_order(order.id),
            returns=await uow.returns.list(order_id=order.id),
        )


async def customer_orders(
    shop: Shop, customer_id: int, *, open_only: bool = False, limit: int | None = None
) -> list[Order]:
    """The customer's orders, newest first (the latest `limit` of them)."""
    async with shop.uow(write=False) as uow:
        return await uow.orders.list(
            customer_id=customer_id, statuses=OPEN_STATUSES if open_only else None, limit=limit
        )


async def list_orders(
    shop: Shop,
    actor: Actor,
    *,
    status: OrderStatus | None = None,
    page: int = 0,
    page_size: int = 10,
    awaiting_payment: bool = False,
) -> tuple[list[Order], int]:
    """A page of orders (newest first) and how many there are in all; a page before the
    first is the first. awaiting_payment: only those the shop waits to be paid for."""
    statuses = {status} if status else None
    page = max(page, 0)
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_orders")
        total = await uow.orders.count(statuses=statuses, awaiting_payment=awaiting_payment)
        orders = await uow.orders.list(
            statuses=statuses,
            offset=page * page_size,
            limit=page_size,
            awaiting_payment=awaiting_payment,
        )
    return orders, total


def status_message(order: Order, event: CustomerEvent) -> OutboxMessage:
    """A customer notification for an order event, sent at most once per order+kind."""
    return OutboxMessage.to_customer(order.customer_id, event, f"{order.code}:{event.kind}")


async def release_stock(uow: SqlUnitOfWork, order: Order, actor: Actor, at: datetime) -> None:
    for line in in_stock_lock_order(order.lines):
        await uow.stock.release(
            line.product_id, line.quantity, order_id=order.id, actor=actor, at=at
        )


async def refund_all(uow: SqlUnitOfWork, order: Order, actor: Actor, at: datetime) -> int:
    """Record a full refund of whatever was paid; returns the amount refunded."""
    refunded = 0
    for payment in await uow.payments.for_order(order.id):
        if payment.holds_money:
            amount = payment.refundable
            await give_back(uow, order, payment, amount, at)
            refunded += amount.amount
        elif payment.status is PaymentStatus.PENDING:
            payment.fail(at)
            await uow.payments.save(payment)
    if refunded:
        order.record(OrderEvent(at, str(actor), "refunded", data={"amount": refunded}))
    return refunded


@retry_on_conflict
async def _advance(
    shop: Shop,
    actor: Actor,
    code: str,
    to: OrderStatus,
    notify: type[OrderConfirmed | OrderPreparing] | None,
) -> Order:
    """A merchant moves an order one step on; the customer hears of it (notify)."""
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor, admin_action=str(to))
        order.move_to(to, actor, shop.now(), str(to))
        await uow.orders.save(order)
        if notify:
            uow.notify(status_message(order, notify(order.code)))
        await uow.commit(shop.now())
        return order


async def confirm_order(shop: Shop, actor: Actor, code: str) -> Order:
    """Confirm an order; a transfer or card order only once paid (PaymentRequired)."""
    return await _advance(shop, actor, code, S.CONFIRMED, OrderConfirmed)


@retry_on_conflict
async def confirm_without_payment(shop: Shop, actor: Actor, code: str) -> Order:
    """The merchant's explicit override: confirm a transfer or card order before its
    payment arrived (or let an order past confirmation go on without it). The timeline
    records who and when; an order that needs no override is simply confirmed."""
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor, admin_action="confirm_without_payment")
        was = order.status
        order.confirm_without_payment(actor, now)
        await uow.orders.save(order)
        if order.status is not was:
            uow.notify(status_message(order, OrderConfirmed(order.code)))
        await uow.commit(now)
        return order


async def reject_order(shop: Shop, actor: Actor, code: str, reason: str) -> Order:
    """The merchant turns down an order awaiting confirmation, saying why."""
    outcome = await _cancel(
        shop,
        actor,
        code,
        reason,
        kind="rejected",
        only_from={S.AWAITING_CONFIRMATION},
        admin_action="reject_order",
    )
    return outcome.order


async def cancel_order(shop: Shop, actor: Actor, code: str, reason: str = "") -> Order:
    """Cancel before shipping: stock released, a refund recorded when it was paid."""
    outcome = await _cancel(shop, actor, code, reason, kind="cancelled", only_from=None)
    return outcome.order


@dataclass(frozen=True)
class CancelOutcome:
    """What a cancel did: the order, and the money recorded as refunded (nothing when
    nothing had been paid)."""

    order: Order
    refunded: Money

    @property
    def refunds(self) -> bool:
        """The customer gets money back."""
        return self.refunded.amount > 0


@dataclass(frozen=True)
class NotCancellable:
    """The customer may no longer cancel the order (the shop is preparing it, or it
    left): nothing changed."""

    order: Order


async def cancel_by_customer(
    shop: Shop, actor: Actor, code: str, reason: str
) -> CancelOutcome | NotCancellable:
    """The customer cancels their own order, if they still may. OrderNotFound when it
    isn't theirs."""
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor)
    if not order.cancellable_by_customer:
        return NotCancellable(order)
    return await _cancel(shop, actor, order.code, reason, kind="cancelled", only_from=None)


async def _cancel(shop: Shop, actor: Actor, code: str, reason: str, **how) -> CancelOutcome:
    outcome = await _cancel_once(shop, actor, code, reason, **how)
    if outcome.refunds:  # money taken by a payment link goes back now, not at the next run
        await send_due_refunds(shop, outcome.order.id)
    return outcome


@retry_on_conflict
async def _cancel_once(
    shop: Shop,
    actor: Actor,
    code: str,
    reason: str,
    *,
    kind: str,
    only_from: set[OrderStatus] | None,
    admin_action: str | None = None,
) -> CancelOutcome:
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor, admin_action=admin_action)
        if only_from is not None and order.status not in only_from:
            raise InvalidTransition(entity="order", from_status=str(order.status), to_status=kind)
        was = order.move_to(S.CANCELLED, actor, now, kind, reason=reason.strip()[:500])
        order.cancel_reason = reason.strip()[:500]
        if was in RESERVING_STATUSES:
            await release_stock(uow, order, actor, now)
        refunded = await refund_all(uow, order, actor, now)
        await uow.orders.save(order)
        if actor.kind is ActorKind.CUSTOMER:  # told in their own chat: the shop hears it
            uow.notify(
                OutboxMessage.to_admins(
                    OrderCancelledByCustomer(order.code, order.cancel_reason),
                    f"{order.code}:cancelled:admins",
                )
            )
        else:
            uow.notify(
                status_message(
                    order,
                    (OrderRejected if kind == "rejected" else OrderCancelled)(
                        order.code, order.cancel_reason, refunded, order.currency, actor.kind
                    ),
                )
            )
        await uow.commit(now)
        return CancelOutcome(order, Money(refunded, order.currency))


async def start_preparing(shop: Shop, actor: Actor, code: str) -> Order:
    return await _advance(shop, actor, code, S.PREPARING, OrderPreparing)


async def mark_packed(shop: Shop, actor: Actor, code: str) -> Order:
    return await _advance(shop, actor, code, S.PACKED, None)


@retry_on_conflict
async def mark_delivered(shop: Shop, actor: Actor, code: str) -> Order:
    """Delivered: by the merchant, a carrier webhook (system) or the customer."""
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor)
        order.move_to(S.DELIVERED, actor, now, "delivered")
        if order.payment_method is PaymentMethod.CASH_ON_DELIVERY:
            if actor.kind is ActorKind.CUSTOMER:
                # The customer's word records the delivery, never that the cash was
                # paid: only the merchant (or a carrier) can say the money arrived.
                uow.notify(
                    OutboxMessage.to_admins(
                        CashNotRecorded(order.code), f"{order.code}:cash_not_recorded"
                    )
                )
            else:
                await _collect_cash(uow, order, actor, now)
        await uow.orders.save(order)
        await uow.shipments.mark_delivered(order.id, now)
        uow.notify(status_message(order, OrderDelivered(order.code)))
        await uow.commit(now)
        return order


async def _collect_cash(uow: SqlUnitOfWork, order: Order, actor: Actor, now: datetime) -> None:
    """Cash on delivery is paid when the parcel is handed over: recorded once, so not
    when a /pagado already recorded it."""
    found = await uow.payments.for_order(order.id)
    if any(p.was_paid for p in found):
        return
    pending = next((p for p in found if p.status is PaymentStatus.PENDING), None)
    if pending is None:
        return
    if not await uow.payments.mark_paid(pending.id, "cash", f"cod:{order.code}", None, now):
        raise ConcurrentUpdate(code=order.code)  # marked paid meanwhile: decide again
    order.paid = True
    order.record(OrderEvent(now, str(actor), "paid", data={"amount": pending.amount.amount}))


@retry_on_conflict
async def rate_order(shop: Shop, actor: Actor, code: str, stars: int, comment: str = "") -> Order:
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor)
        order.rate(stars, comment, actor, shop.now())
        await uow.orders.save(order)
        if stars <= 2:
            uow.notify(
                OutboxMessage.to_admins(
                    LowRating(order.code, stars, order.rating_comment), f"{order.code}:low_rating"
                )
            )
        await uow.commit(shop.now())
        return order


@retry_on_conflict
@retry_on_conflict
async def attach_transfer_receipt(
    shop: Shop, actor: Actor, code: str, channel: str, file_ref: str
) -> Order:
    """The customer sent the bank-transfer receipt; the merchant sees it on the order."""
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor)
        if order.payment_method is not PaymentMethod.BANK_TRANSFER or not order.is_open:
            raise InvalidTransition(
                entity="order", from_status=str(order.status), to_status="receipt_attached"
            )
        event = OrderEvent(
            now, str(actor), "receipt_attached", data={"channel": channel, "file": file_ref}
        )
        order.record(event)
        # Saved with the version check: a release of the unconfirmed order that read the
        # timeline before this receipt then fails and reads it again.
        await uow.orders.save(order)
        uow.notify(
            OutboxMessage.to_admins(
                TransferReceipt(order.code, channel, file_ref),
                f"{order.code}:receipt:{file_ref[:100]}",
            )
        )
        await uow.commit(now)
        return order


# --- The REST API's reads (bot/api/orders.py) ---


@dataclass(frozen=True)
class OrderQuery:
    """Which orders a list shows; every condition given must hold."""

    statuses: frozenset[OrderStatus] | None = None
    customer_id: int | None = None
    created_from: datetime | None = None  # placed at or after
    created_to: datetime | None = None  # placed before
    text: str = ""  # an order code ("PED-7K3FQ", "7k3fq") or the phone it was placed with
    awaiting_payment: bool = False  # only those the shop waits to be paid for


async def orders_page(
    shop: Shop,
    actor: Actor,
    query: OrderQuery,
    *,
    limit: int,
    before: tuple[datetime, int] | None = None,
) -> list[Order]:
    """Up to `limit` orders, newest first, placed before the position (created_at, id)
    of the previous page's last one: a new order never shifts the pages after it."""
    codes = phones = None
    text = " ".join(query.text.split())
    if text:
        code = normalize_order_code(text)
        codes = [code] if code else []
        phone = clean_phone(text, shop.settings.store_country)
        phones = sorted({text, phone} if phone else {text})
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_orders")
        return await uow.orders.page(
            limit=limit,
            before=before,
            statuses=query.statuses,
            customer_id=query.customer_id,
            created_from=query.created_from,
            created_to=query.created_to,
            codes=codes,
            phones=phones,
            awaiting_payment=query.awaiting_payment,
        )


async def refundable(shop: Shop, actor: Actor, code: str) -> Money:
    """What the order's payment can still give back (zero when nothing is held): the
    refund when the merchant names no amount."""
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor, admin_action="refund_order")
        held = [p.refundable for p in await uow.payments.for_order(order.id) if p.holds_money]
    return max(held, key=lambda money: money.amount, default=Money.zero(order.currency))
