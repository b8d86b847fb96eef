"""Is the shop able to work: the database answers."""

from __future__ import annotations

from core.services.context import Shop


async def database_answers(shop: Shop) -> bool:
    """True when a trivial read succeeds (StoreUnavailable otherwise)."""
    async with shop.uow(write=False) as uow:
        return await uow.catalog.count(active_only=False) >= 0
