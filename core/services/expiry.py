"""Unpaid orders past their reservation time give their stock back."""

from __future__ import annotations

from core.domain.actors import SYSTEM
from core.domain.errors import DomainError
from core.domain.orders import OrderStatus
from core.services.context import Shop
from core.services.orders import load_order, refund_all, release_stock, status_message


async def expire_overdue_orders(shop: Shop) -> list[str]:
    """Expire every pending-payment order whose time ran out; returns their codes.

    Each order is its own transaction, so one bad order can't hold up the rest, and a
    payment that lands at the same moment wins or loses cleanly (the status check).
    """
    async with shop.uow(write=False) as uow:
        codes = await uow.orders.overdue_codes(shop.now())
    expired = []
    for code in codes:
        now = shop.now()
        try:
            async with shop.uow() as uow:
                order = await load_order(uow, code, SYSTEM)
                if order.status is not OrderStatus.PENDING_PAYMENT:
                    continue
                order.move_to(OrderStatus.EXPIRED, SYSTEM, now, "expired")
                await release_stock(uow, order, SYSTEM, now)
                await refund_all(uow, order, SYSTEM, now)
                await uow.orders.save(order)
                uow.notify(status_message(order, "order_expired"))
                await uow.commit(now)
                expired.append(code)
        except DomainError:
            continue
    return expired
