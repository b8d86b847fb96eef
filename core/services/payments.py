"""Recording payments and refunds. A provider charge id counts once, however often the
provider tells us about it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from core.domain.actors import SYSTEM, Actor
from core.domain.errors import NotAllowed, PaymentMismatch
from core.domain.money import Money
from core.domain.orders import Order, OrderEvent, OrderStatus
from core.domain.outbox import OutboxMessage
from core.domain.payments import Payment, PaymentStatus
from core.services.context import Shop, retry_on_conflict
from core.services.orders import load_order, status_message


@dataclass(frozen=True)
class PaymentOutcome:
    order: Order
    recorded: bool  # False: this charge was already recorded; nothing changed


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
    try:
        return await _record_payment(
            shop, code, amount, provider, provider_charge_id, channel_charge_id
        )
    except IntegrityError:  # the same charge recorded concurrently by another worker
        async with shop.uow(write=False) as uow:
            order = await load_order(uow, code, SYSTEM)
        return PaymentOutcome(order, recorded=False)


@retry_on_conflict
async def _record_payment(
    shop: Shop,
    code: str,
    amount: Money,
    provider: str,
    provider_charge_id: str,
    channel_charge_id: str | None,
) -> PaymentOutcome:
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, SYSTEM)
        if await uow.payments.by_charge_id(provider_charge_id) is not None:
            return PaymentOutcome(order, recorded=False)
        if amount != order.total:
            raise PaymentMismatch(code=order.code, expected=order.total.amount, got=amount.amount)
        payment = next(
            (
                p
                for p in await uow.payments.for_order(order.id)
                if p.status is PaymentStatus.PENDING
            ),
            None,
        )
        if payment is None:
            payment = await uow.payments.add(
                Payment(
                    None,
                    order.id,
                    str(order.payment_method),
                    PaymentStatus.PENDING,
                    amount,
                    Money.zero(amount.currency),
                    created_at=now,
                    updated_at=now,
                )
            )
        await uow.payments.mark_paid(
            payment.id, provider, provider_charge_id, channel_charge_id, now
        )
        order.record(
            OrderEvent(
                now,
                str(SYSTEM),
                "paid",
                data={
                    "amount": amount.amount,
                    "provider": provider,
                    "charge_id": provider_charge_id,
                },
            )
        )
        if order.status is OrderStatus.PENDING_PAYMENT:
            target = (
                OrderStatus.CONFIRMED
                if shop.settings.auto_confirm_paid_orders
                else OrderStatus.AWAITING_CONFIRMATION
            )
            order.move_to(target, SYSTEM, now, "payment_received")
            uow.notify(status_message(order, "payment_received", status=str(target)))
        elif order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
            # Paid after it expired or was cancelled: the merchant must refund by hand.
            uow.notify(
                OutboxMessage.to_admins(
                    "payment_on_closed_order",
                    f"{order.code}:late_payment:{provider_charge_id}",
                    code=order.code,
                    status=str(order.status),
                    amount=amount.amount,
                )
            )
        await uow.orders.save(order)
        await uow.commit(now)
        return PaymentOutcome(order, recorded=True)


async def record_manual_payment(shop: Shop, actor: Actor, code: str) -> PaymentOutcome:
    """The merchant received cash on delivery or saw the bank transfer arrive."""
    async with shop.uow(write=False) as uow:
        order = await load_order(uow, code, actor, admin_action="record_manual_payment")
    return await record_payment(
        shop, code, order.total, provider="manual", provider_charge_id=f"manual:{order.code}"
    )


@retry_on_conflict
async def refund_order(shop: Shop, actor: Actor, code: str, amount: Money) -> Payment:
    """Record a (partial) refund of a paid order."""
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
            raise NotAllowed(action="refund_unpaid_order", actor=str(actor))
        payment = paid[0]
        payment.refund(amount, now)
        await uow.payments.save(payment)
        order.record(OrderEvent(now, str(actor), "refunded", data={"amount": amount.amount}))
        await uow.orders.save(order)
        uow.notify(
            OutboxMessage.to_customer(
                order.customer_id,
                "order_refunded",
                f"{order.code}:refund:{payment.refunded.amount}",
                code=order.code,
                amount=amount.amount,
                currency=amount.currency,
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
