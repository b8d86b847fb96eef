"""Reservations nobody completed give their stock back: unpaid card orders past their
reservation time, and cash-on-delivery / transfer orders the shop never confirmed (the
customer and the admins are reminded first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain.actors import SYSTEM
from core.domain.errors import DomainError
from core.domain.events import (
    OrderConfirmationReminder,
    OrderExpired,
    OrderReleased,
    OrderReleasedToAdmins,
    OrderReleaseReminder,
)
from core.domain.orders import Order, OrderEvent, OrderStatus
from core.domain.outbox import OutboxMessage
from core.services.context import Shop
from core.services.orders import load_order, refund_all, release_stock, status_message
from core.store.uow import SqlUnitOfWork


@dataclass(frozen=True)
class ExpiryRun:
    """What one run of the expiry job did (order codes)."""

    expired_unpaid: list[str]
    reminded: list[str]
    released_unconfirmed: list[str]


async def run_expiry(shop: Shop) -> ExpiryRun:
    """The whole job, as `pedidos expire` and every worker's timer run it."""
    return ExpiryRun(
        expired_unpaid=await expire_overdue_orders(shop),
        reminded=await remind_unconfirmed_orders(shop),
        released_unconfirmed=await release_unconfirmed_orders(shop),
    )


async def expire_overdue_orders(shop: Shop) -> list[str]:
    """Expire every pending-payment order whose time ran out; returns their codes."""
    async with shop.uow(write=False) as uow:
        codes = await uow.orders.overdue_codes(shop.now())
    return await _each_order(shop, codes, _expire_unpaid)


async def _expire_unpaid(uow: SqlUnitOfWork, order: Order, now: datetime) -> bool:
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return False
    order.move_to(OrderStatus.EXPIRED, SYSTEM, now, "expired")
    await release_stock(uow, order, SYSTEM, now)
    await refund_all(uow, order, SYSTEM, now)
    await uow.orders.save(order)
    uow.notify(status_message(order, OrderExpired(order.code)))
    return True


async def _each_order(
    shop: Shop,
    codes: list[str],
    step: Callable[[SqlUnitOfWork, Order, datetime], Awaitable[bool]],
) -> list[str]:
    """Run step on each order in a transaction of its own, so one bad order can't hold
    up the rest; a step says False (or a concurrent change raises) and nothing is
    written for that order. Returns the codes it changed."""
    done = []
    for code in codes:
        now = shop.now()
        try:
            async with shop.uow() as uow:
                order = await load_order(uow, code, SYSTEM)
                if not await step(uow, order, now):
                    continue
                await uow.commit(now)
                done.append(code)
        except DomainError:  # paid, confirmed, cancelled or reminded at the same moment
            continue
    return done


def release_time(
    placed_at: datetime, now: datetime, *, expiry: timedelta, notice: timedelta
) -> datetime:
    """When an unconfirmed order is released, decided when its reminder goes: `expiry`
    after checkout, but never sooner than `notice` after the reminder (a reminder sent
    late, after the job was stopped or the setting lowered, still gives that notice)."""
    return max(placed_at + expiry, now + notice)


async def remind_unconfirmed_orders(shop: Shop) -> list[str]:
    """Give each unconfirmed order due a reminder its release time, and tell the
    customer and the admins; returns the codes.

    Exactly once per order, also with several workers and across restarts: the release
    time is stored on the order (orders with one are not picked again), written with the
    order's version check (of two workers at once, one saves and the other rolls back
    with its messages), and the messages carry one dedupe key per order.
    """
    settings = shop.settings
    expiry = timedelta(hours=settings.unconfirmed_order_expiry_hours)
    notice = timedelta(hours=settings.unconfirmed_order_reminder_hours)
    async with shop.uow(write=False) as uow:
        codes = await uow.orders.unconfirmed_to_remind(shop.now() - (expiry - notice))

    async def remind(uow: SqlUnitOfWork, order: Order, now: datetime) -> bool:
        if order.expires_at is not None or not await _unconfirmed_unpaid(uow, order):
            return False
        release_at = release_time(order.created_at, now, expiry=expiry, notice=notice)
        order.expires_at = release_at
        order.record(
            OrderEvent(
                now, str(SYSTEM), "release_reminder", data={"release_at": release_at.isoformat()}
            )
        )
        await uow.orders.save(order)
        receipt = await _has_receipt(uow, order)
        if not receipt:  # with the receipt sent, the customer has nothing to do
            uow.notify(
                status_message(
                    order, OrderReleaseReminder(order.code, release_at, order.payment_method)
                )
            )
        uow.notify(
            OutboxMessage.to_admins(
                OrderConfirmationReminder(order.code, release_at, receipt),
                f"{order.code}:confirmation_reminder",
            )
        )
        return True

    return await _each_order(shop, codes, remind)


async def release_unconfirmed_orders(shop: Shop) -> list[str]:
    """Expire the unconfirmed orders whose release time came: stock back, the customer
    and the admins told; returns the codes. A transfer whose receipt the customer sent
    waits for the merchant instead (the query leaves it out)."""
    async with shop.uow(write=False) as uow:
        codes = await uow.orders.unconfirmed_overdue(shop.now())
    return await _each_order(shop, codes, _release_unconfirmed)


async def _release_unconfirmed(uow: SqlUnitOfWork, order: Order, now: datetime) -> bool:
    due = order.expires_at is not None and order.expires_at <= now
    if not due or not await _unconfirmed_unpaid(uow, order) or await _has_receipt(uow, order):
        return False
    order.move_to(OrderStatus.EXPIRED, SYSTEM, now, "expired", reason="unconfirmed")
    await release_stock(uow, order, SYSTEM, now)
    await refund_all(uow, order, SYSTEM, now)  # the pending payment: failed
    await uow.orders.save(order)
    uow.notify(status_message(order, OrderReleased(order.code)))
    uow.notify(
        OutboxMessage.to_admins(
            OrderReleasedToAdmins(order.code), f"{order.code}:order_released:admins"
        )
    )
    return True


async def _unconfirmed_unpaid(uow: SqlUnitOfWork, order: Order) -> bool:
    """Still awaiting confirmation, paid later, and no money received."""
    if order.status is not OrderStatus.AWAITING_CONFIRMATION or order.payment_method.is_prepaid:
        return False
    return not any(p.holds_money for p in await uow.payments.for_order(order.id))


async def _has_receipt(uow: SqlUnitOfWork, order: Order) -> bool:
    return any(e.kind == "receipt_attached" for e in await uow.orders.timeline(order.id))
