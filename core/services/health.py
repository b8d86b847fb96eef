"""Is the shop able to work: the database answers (liveness, /healthz), and its schema is
the one this code was written for (readiness, /readyz)."""

from __future__ import annotations

from core.services.context import Shop


async def database_answers(shop: Shop) -> bool:
    """True when a trivial read succeeds (StoreUnavailable otherwise)."""
    async with shop.uow(write=False) as uow:
        return await uow.catalog.count(active_only=False) >= 0


async def schema_at_head(shop: Shop) -> bool:
    """True when the database's migrations are the newest this code has (`pedidos db
    upgrade` ran); StoreUnavailable when it can't be read."""
    # Alembic (8 MiB) is loaded on the first readiness check, not by every process that
    # imports the web app.
    from core.store.migrate import head_revisions

    async with shop.uow(write=False) as uow:
        current = await uow.metrics.schema_revisions()
    return frozenset(current) == head_revisions()
