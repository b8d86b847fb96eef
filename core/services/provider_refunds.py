"""Refunds through the payment provider that took the money (Mercado Pago, Stripe).

A refund is recorded on the payment and queued as a `provider_refunds` row in the same
transaction (`give_back`), then sent (`send_due_refunds`) with an idempotency key made
from the payment and the amount refunded so far: a retry after a timeout or a crash
refunds once. The provider's refund id is recorded when it answers; a refusal tells the
admins to give the money back by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.domain.actors import SYSTEM
from core.domain.events import ProviderRefundFailed
from core.domain.money import Money
from core.domain.orders import Order, OrderEvent
from core.domain.outbox import OutboxMessage
from core.domain.payment_links import (
    LINK_PROVIDERS,
    ProviderRefund,
    ProviderRefused,
    ProviderUnavailable,
    RefundStatus,
)
from core.domain.payments import Payment
from core.services.context import Shop
from core.store.uow import SqlUnitOfWork

log = logging.getLogger("pedidos.payments")

FIRST_RETRY = timedelta(seconds=30)
# A sender holds a refund this long (far longer than one call to the provider); if it
# died meanwhile, the refund is sent again after it, with the same idempotency key.
CLAIM = timedelta(minutes=2)
LONGEST_WAIT = timedelta(hours=1)


async def give_back(
    uow: SqlUnitOfWork, order: Order, payment: Payment, amount: Money, at: datetime
) -> None:
    """Record a refund of the payment; one taken by a payment link is also queued for
    its provider (sent after the commit by `send_due_refunds`)."""
    payment.refund(amount, at)
    await uow.payments.save(payment)
    if payment.provider not in LINK_PROVIDERS or not payment.provider_charge_id:
        return  # a Telegram invoice's or cash: given back outside the chat
    provider, _, provider_payment_id = payment.provider_charge_id.partition(":")
    await uow.provider_refunds.add(
        ProviderRefund(
            None,
            payment.id,  # type: ignore[arg-type]  (a stored payment)
            order.id,  # type: ignore[arg-type]
            payment.provider,
            provider_payment_id,
            amount,
            # Unique per refund of this payment at the provider (whatever database the
            # shop runs on: keys are per provider account), the same on every retry.
            f"refund:{provider}:{provider_payment_id}:{payment.refunded.amount}",
        ),
        at,
    )


@dataclass
class RefundRun:
    done: list[str] = field(default_factory=list)  # the providers' refund ids
    failed: list[int] = field(default_factory=list)  # refused: the admins were told
    retrying: list[int] = field(default_factory=list)  # no answer: tried again later


async def send_due_refunds(shop: Shop, order_id: int | None = None) -> RefundRun:
    """Send every queued refund whose time came (order_id: only that order's, as a turn
    or a webhook does right after recording one; the job sends the rest). A refund is
    claimed first, so two senders never ask the provider for it at once."""
    async with shop.uow(write=False) as uow:
        due = await uow.provider_refunds.due(shop.now(), order_id=order_id)
    run = RefundRun()
    for refund in due:
        if await _claim(shop, refund):
            await _send(shop, refund, run)
    return run


async def _claim(shop: Shop, refund: ProviderRefund) -> bool:
    now = shop.now()
    async with shop.uow() as uow:
        claimed = await uow.provider_refunds.claim(refund.id, now, now + CLAIM)  # type: ignore[arg-type]
        await uow.commit(now)
    return claimed


async def _send(shop: Shop, refund: ProviderRefund, run: RefundRun) -> None:
    provider = shop.payment_provider(refund.provider)
    if provider is None:
        await _fail(shop, refund, f"{refund.provider} is not configured")
        run.failed.append(refund.id)  # type: ignore[arg-type]
        return
    try:
        refund_id = await provider.refund(
            refund.provider_payment_id, refund.amount, refund.idempotency_key
        )
    except ProviderRefused as refused:
        await _fail(shop, refund, str(refused.data.get("detail", "")) or refused.code)
        run.failed.append(refund.id)  # type: ignore[arg-type]
    except ProviderUnavailable as unavailable:
        now = shop.now()
        wait = min(FIRST_RETRY * 2**refund.attempts, LONGEST_WAIT)
        async with shop.uow() as uow:
            await uow.provider_refunds.retry_later(
                refund.id,  # type: ignore[arg-type]
                now + wait,
                str(unavailable.data.get("detail", "")) or unavailable.code,
            )
            await uow.commit(now)
        log.warning("refund %s at %s: no answer, trying again", refund.id, refund.provider)
        run.retrying.append(refund.id)  # type: ignore[arg-type]
    else:
        await _done(shop, refund, refund_id)
        run.done.append(refund_id)


async def _done(shop: Shop, refund: ProviderRefund, refund_id: str) -> None:
    now = shop.now()
    async with shop.uow() as uow:
        if not await uow.provider_refunds.finish(
            refund.id,  # type: ignore[arg-type]
            RefundStatus.DONE,
            now,
            refund_id_at_provider=refund_id,
        ):
            return  # another worker recorded it
        await uow.orders.add_event(
            refund.order_id,
            OrderEvent(
                now,
                str(SYSTEM),
                "provider_refund",
                data={
                    "provider": refund.provider,
                    "refund_id": refund_id,
                    "amount": refund.amount.amount,
                },
            ),
        )
        await uow.commit(now)


async def _fail(shop: Shop, refund: ProviderRefund, reason: str) -> None:
    now = shop.now()
    async with shop.uow() as uow:
        if not await uow.provider_refunds.finish(
            refund.id,  # type: ignore[arg-type]
            RefundStatus.FAILED,
            now,
            refund_id_at_provider="",
        ):
            return
        codes = await uow.orders.codes([refund.order_id])
        code = codes.get(refund.order_id, "")
        await uow.orders.add_event(
            refund.order_id,
            OrderEvent(
                now,
                str(SYSTEM),
                "provider_refund_failed",
                data={"provider": refund.provider, "reason": reason[:200]},
            ),
        )
        uow.notify(
            OutboxMessage.to_admins(
                ProviderRefundFailed(code, refund.amount.amount, refund.provider, reason[:200]),
                f"{code}:provider_refund_failed:{refund.id}",
            )
        )
        await uow.commit(now)
    log.error("refund %s refused by %s: %s", refund.id, refund.provider, reason)
