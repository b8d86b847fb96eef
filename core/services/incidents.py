"""Internal errors reach the admins' chat with a reference to find them in the logs."""

from __future__ import annotations

from core.domain.events import InternalError
from core.domain.outbox import OutboxMessage
from core.services.context import Shop


async def report(shop: Shop, reference: str, where: str) -> None:
    async with shop.uow() as uow:
        uow.notify(
            OutboxMessage.to_admins(InternalError(reference, where), f"incident:{reference}")
        )
        await uow.commit(shop.now())
