"""Recording stockouts: each time a customer is told a product is sold out or short.

A refusal rolls its own transaction back, so the stockout is written after it, in a
unit of its own of one statement (cheap: no BEGIN/COMMIT), then the refusal goes on:

    try:
        ...  # a unit of work that raises OutOfStock
    except OutOfStock as refused:
        await stockouts.record(shop, StockoutSource.CART, refused.shortages)
        raise

Recording never fails the refusal: a database error here is logged and dropped (the
customer's answer matters more than the count)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from core.domain.api_keys import idempotent_request
from core.domain.errors import StockShortage
from core.domain.stockouts import StockoutSource
from core.services.context import Shop

log = logging.getLogger(__name__)


async def record(shop: Shop, source: StockoutSource, shortages: Iterable[StockShortage]) -> None:
    """One stockout row per shortage (the product by its SKU, what was asked, what was
    available then). Never raises but for cancellation."""
    told = [(s.sku, s.requested, s.available) for s in shortages]
    if not told:
        return
    # Not the API request's change: it must not mark an Idempotency-Key claim as
    # committed (the refusal itself changed nothing; a retry may run again).
    claim = idempotent_request.set(None)
    try:
        async with shop.uow(one_statement=True) as uow:
            await uow.stockouts.add(told, str(source), shop.now())
            await uow.commit(shop.now())
    except Exception:
        log.warning("stockout not recorded: %s %s", source, told, exc_info=True)
    finally:
        idempotent_request.reset(claim)


async def told(
    shop: Shop, source: StockoutSource, sku: str, name: str, asked: int, available: int
) -> None:
    """One stockout the chat answered itself (a typed quantity over what is left,
    checked before any service was called)."""
    await record(shop, source, [StockShortage(sku, name, asked, max(available, 0))])
