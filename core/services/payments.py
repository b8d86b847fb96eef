"""Recording payments and refunds. A provider charge id counts once, however often the
provider tells us about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from core.domain.actors import SYSTEM, Actor
from core.domain.errors import NothingToRefund, PaymentMismatch
from core.domain.events import (
    LatePaymentRefunded,
    LatePaymentRefundedToAdmins,
    OrderPaidOnline,
    OrderRefunded,
    PaymentOnClosedOrder,
    PaymentReceived,
    SecondCharge,
)
from core.domain.money import Money
from core.domain.orders import Order, OrderEvent, OrderStatus, PaymentMethod, in_stock_lock_order
from core.domain.outbox import OutboxMessage
from core.domain.payment_links import LINK_PROVIDERS
from core.domain.payments import Payment, PaymentStatus
from core.services.context import Shop, retry_on_conflict
from core.services.orders import load_order, status_message
from core.services.provider_refunds import give_back, send_due_refunds
from core.store.orders_repo import ConcurrentUpdate
from core.store.uow import SqlUnitOfWork


@dataclass(frozen=True)
class PaymentOutcome:
    order: Order
    recorded: bool  # False: this charge, or the order's payment, was already recorded
    # A payment link paid after the order expired or was cancelled: "revived" (its stock
    # reserved again, the order goes on) or "refunded" (given back through the provider).
    late: str = ""


@dataclass(frozen=True)
class Charge:
    """Money someone says arrived: how much, and from whom (a provider's charge id, or
    "manual:CODE" for the merchant's word)."""

    amount: Money
    provider: str
    charge_id: str
    channel_charge_id: str | None


class _StockGone(Exception):
    """A late payment's items are no longer all available: refund it instead."""


async def record_payment(
    shop: Shop,
    code: str,
    amount: Money,
    *,
    provider: str,
    provider_charge_id: str,
    channel_charge_id: str | None = None,
) -> PaymentOutcome:
    """A provider says the customer paid. Idempotent on provider_charge_id."""
    charge = Charge(amount, provider, provider_charge_id, channel_charge_id)
    try:
        return await _record_or_refund(shop, code, charge)
    except IntegrityError:
        # Another worker recorded this charge, or another charge took the order's one
        # paid row: once more, now seeing it (a second charge is then kept apart and the
        # admins are told, not dropped).
        return await _record_or_refund(shop, code, charge)


async def _record_or_refund(shop: Shop, code: str, charge: Charge) -> PaymentOutcome:
    try:
        return await _record_payment(shop, code, charge, revive=True)
    except _StockGone:  # rolled back: give the late payment back instead
        return await _record_payment(shop, code, charge, revive=False)


@retry_on_conflict
async def _record_payment(shop: Shop, code: str, charge: Charge, *, revive: bool) -> PaymentOutcome:
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, SYSTEM)
        if await uow.payments.by_charge_id(charge.charge_id) is not None:
            return PaymentOutcome(order, recorded=False)
        if charge.amount != order.total:
            raise PaymentMismatch(
                code=order.code, expected=order.total.amount, got=charge.amount.amount
            )
        found = await uow.payments.for_order(order.id)
        if any(p.holds_money for p in found):
            await _keep_second_charge(
                uow, order, charge.amount, charge.provider, charge.charge_id, now
            )
            await uow.commit(now)
            return PaymentOutcome(order, recorded=False)
        late = ""
        closed = order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED)
        if closed and charge.provider in LINK_PROVIDERS:
            late = await _late_link_payment(uow, shop, order, found, charge, now, revive)
        else:
            await _settle(uow, shop, order, found, charge, SYSTEM, now)
            if charge.provider in LINK_PROVIDERS:
                _tell_admins_paid_online(uow, order, charge)
        await uow.orders.save(order)
        await uow.commit(now)
        return PaymentOutcome(order, recorded=True, late=late)


async def _late_link_payment(
    uow: SqlUnitOfWork,
    shop: Shop,
    order: Order,
    found: list[Payment],
    charge: Charge,
    now: datetime,
    revive: bool,
) -> str:
    """A payment link paid after its order expired or was cancelled. An expired order
    whose items are all still available goes on as if paid in time; otherwise (or when
    the order was cancelled) the money goes back through the provider, by itself."""
    payment = await _mark_paid(uow, order, found, charge, SYSTEM, now)
    if revive and order.status is OrderStatus.EXPIRED:
        for line in in_stock_lock_order(order.lines):
            if not await uow.stock.reserve(
                line.product_id, line.quantity, order_id=order.id, actor=SYSTEM, at=now
            ):
                raise _StockGone()
        order.expires_at = None
        target = _paid_status(shop)
        order.move_to(target, SYSTEM, now, "payment_received", late=True)
        uow.notify(status_message(order, PaymentReceived(order.code, target)))
        _tell_admins_paid_online(uow, order, charge, late=True)
        return "revived"
    await give_back(uow, order, payment, charge.amount, now)
    order.record(OrderEvent(now, str(SYSTEM), "refunded", data={"amount": charge.amount.amount}))
    key = f"{order.code}:late_payment_refunded:{charge.charge_id}"
    uow.notify(
        OutboxMessage.to_customer(
            order.customer_id,
            LatePaymentRefunded(
                order.code, charge.amount.amount, charge.amount.currency, order.status
            ),
            key,
        )
    )
    uow.notify(
        OutboxMessage.to_admins(
            LatePaymentRefundedToAdmins(
                order.code, charge.amount.amount, charge.provider, order.status
            ),
            key,
        )
    )
    return "refunded"


def _tell_admins_paid_online(
    uow: SqlUnitOfWork, order: Order, charge: Charge, *, late: bool = False
) -> None:
    uow.notify(
        OutboxMessage.to_admins(
            OrderPaidOnline(order.code, charge.amount.amount, charge.provider, order.status, late),
            f"{order.code}:paid_online",
        )
    )


async def record_manual_payment(shop: Shop, actor: Actor, code: str) -> PaymentOutcome:
    """The merchant received cash on delivery or saw the bank transfer arrive. An order
    already paid (by card, by the cash recorded on delivery, by an earlier /pagado)
    records nothing: recorded is False."""
    try:
        return await _record_manual_payment(shop, actor, code)
    except IntegrityError:  # another worker recorded its payment between our read and write
        return await _already_recorded(shop, code, actor)


@retry_on_conflict
async def _record_manual_payment(shop: Shop, actor: Actor, code: str) -> PaymentOutcome:
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor, admin_action="record_manual_payment")
        found = await uow.payments.for_order(order.id)
        if any(p.was_paid for p in found):
            return PaymentOutcome(order, recorded=False)
        charge = Charge(order.total, "manual", f"manual:{order.code}", None)
        await _settle(uow, shop, order, found, charge, actor, now)
        await uow.orders.save(order)
        await uow.commit(now)
        return PaymentOutcome(order, recorded=True)


async def _already_recorded(shop: Shop, code: str, actor: Actor) -> PaymentOutcome:
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor)
    return PaymentOutcome(order, recorded=False)


def _paid_status(shop: Shop) -> OrderStatus:
    """Where an order waiting for its payment goes once paid."""
    if shop.settings.auto_confirm_paid_orders:
        return OrderStatus.CONFIRMED
    return OrderStatus.AWAITING_CONFIRMATION


async def _mark_paid(
    uow: SqlUnitOfWork,
    order: Order,
    found: list[Payment],
    charge: Charge,
    actor: Actor,
    now: datetime,
) -> Payment:
    """Mark the order's pending payment paid (or add one), and record who said so on
    the timeline; returns the payment, now paid."""
    payment = next((p for p in found if p.status is PaymentStatus.PENDING), None)
    if payment is None:
        payment = await uow.payments.add(
            Payment(
                None,
                order.id,
                str(order.payment_method),
                PaymentStatus.PENDING,
                charge.amount,
                Money.zero(charge.amount.currency),
                created_at=now,
                updated_at=now,
            )
        )
    marked = await uow.payments.mark_paid(
        payment.id, charge.provider, charge.charge_id, charge.channel_charge_id, now
    )
    if not marked:
        raise ConcurrentUpdate(code=order.code)  # paid meanwhile: read it again
    payment.status = PaymentStatus.PAID
    payment.provider = charge.provider
    payment.provider_charge_id = charge.charge_id
    order.paid = True
    order.record(
        OrderEvent(
            now,
            str(actor),
            "paid",
            data={
                "amount": charge.amount.amount,
                "provider": charge.provider,
                "charge_id": charge.charge_id,
            },
        )
    )
    return payment


async def _settle(
    uow: SqlUnitOfWork,
    shop: Shop,
    order: Order,
    found: list[Payment],
    charge: Charge,
    actor: Actor,
    now: datetime,
) -> None:
    """Mark the order paid and move on a card order that was waiting for it."""
    await _mark_paid(uow, order, found, charge, actor, now)
    if order.status is OrderStatus.PENDING_PAYMENT:
        target = _paid_status(shop)
        order.move_to(target, SYSTEM, now, "payment_received")
        uow.notify(status_message(order, PaymentReceived(order.code, target)))
    elif order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        # Paid after it expired or was cancelled: the merchant must refund by hand.
        _tell_admins_to_refund(uow, order, charge.amount, charge.charge_id)
    elif order.payment_method is not PaymentMethod.CASH_ON_DELIVERY:
        # A transfer the shop saw arrive: the customer who sent it hears it was received
        # (cash is handed over in person, at delivery).
        uow.notify(status_message(order, PaymentReceived(order.code, order.status)))


async def _keep_second_charge(
    uow: SqlUnitOfWork,
    order: Order,
    amount: Money,
    provider: str,
    charge_id: str,
    now: datetime,
) -> None:
    """A provider charged an order already paid (two invoices paid at once): the charge
    is kept, so a repeated notice of it changes nothing, but it is not a second payment
    of the order; the admins are told to give it back."""
    await uow.payments.add(
        Payment(
            None,
            order.id,
            str(order.payment_method),
            PaymentStatus.DUPLICATE,
            amount,
            Money.zero(amount.currency),
            provider=provider,
            provider_charge_id=charge_id,
            created_at=now,
            updated_at=now,
        )
    )
    # Not "/reembolso": that refunds the order's real payment, not this second charge.
    uow.notify(
        OutboxMessage.to_admins(
            SecondCharge(order.code, amount.amount, provider, charge_id),
            f"{order.code}:second_charge:{charge_id}",
        )
    )


def _tell_admins_to_refund(uow: SqlUnitOfWork, order: Order, amount: Money, charge_id: str) -> None:
    uow.notify(
        OutboxMessage.to_admins(
            PaymentOnClosedOrder(order.code, order.status, amount.amount),
            f"{order.code}:late_payment:{charge_id}",
        )
    )


async def refund_order(shop: Shop, actor: Actor, code: str, amount: Money) -> Payment:
    """Record a (partial) refund of a paid order; money a payment link took goes back
    through its provider at once (or, when it does not answer, with the next run)."""
    payment = await _refund_order(shop, actor, code, amount)
    await send_due_refunds(shop, payment.order_id)
    return payment


@retry_on_conflict
async def _refund_order(shop: Shop, actor: Actor, code: str, amount: Money) -> Payment:
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor, admin_action="refund_order")
        paid = [
            p
            for p in await uow.payments.for_order(order.id)
            # a wholly refunded one too: refunding it again is refused as "too much"
            if p.was_paid
        ]
        if not paid:
            raise NothingToRefund(code=order.code)
        # The one still holding money first: a wholly refunded one can't give more back.
        payment = max(paid, key=lambda p: p.holds_money)
        await give_back(uow, order, payment, amount, now)
        order.record(OrderEvent(now, str(actor), "refunded", data={"amount": amount.amount}))
        await uow.orders.save(order)
        uow.notify(
            OutboxMessage.to_customer(
                order.customer_id,
                OrderRefunded(order.code, amount.amount, amount.currency),
                f"{order.code}:refund:{payment.refunded.amount}",
            )
        )
        await uow.commit(now)
        return payment


async def check_payable(shop: Shop, code: str, amount: Money) -> str | None:
    """None when the order can be paid now, for exactly that amount, with its stock
    still reserved; otherwise why not: "unknown_order", "expired", "not_payable",
    "amount_changed"."""
    async with shop.uow(write=False) as uow:
        order = await uow.orders.get(code=code)
    if order is None:
        return "unknown_order"
    overdue = order.expires_at is not None and order.expires_at <= shop.now()
    if order.status is OrderStatus.EXPIRED or (
        order.status is OrderStatus.PENDING_PAYMENT and overdue
    ):
        return "expired"
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return "not_payable"
    if amount != order.total:
        return "amount_changed"
    return None
