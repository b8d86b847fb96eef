"""Reading and settling the outbox (the dispatcher and the terminal chat use these)."""

from __future__ import annotations

from core.domain.outbox import PendingMessage
from core.services.context import Shop


async def pending_for_customer(shop: Shop, customer_id: int) -> list[PendingMessage]:
    async with shop.uow(write=False) as uow:
        return await uow.outbox.pending(customer_id=customer_id)


async def mark_sent(shop: Shop, message_ids: list[int]) -> None:
    if not message_ids:
        return
    async with shop.uow() as uow:
        await uow.outbox.mark_sent(message_ids, shop.now())
        await uow.commit(shop.now())
