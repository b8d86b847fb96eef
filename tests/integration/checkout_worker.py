"""Runs checkouts in a separate OS process (for the multi-process oversell test)."""

from __future__ import annotations

import asyncio

from core.domain.errors import OutOfStock
from core.services import checkout
from core.services.context import Shop
from core.store.database import Database
from tests.conftest import details, test_settings


async def _checkouts(database_url: str, customer_ids: list[int]) -> tuple[int, int]:
    shop = Shop(Database(database_url), test_settings(database_url))
    placed = refused = 0

    async def one(customer_id: int) -> None:
        nonlocal placed, refused
        try:
            await checkout.place_order(shop, customer_id, details())
            placed += 1
        except OutOfStock:
            refused += 1

    try:
        await asyncio.gather(*(one(c) for c in customer_ids))
    finally:
        await shop.db.dispose()
    return placed, refused


def run_checkouts(database_url: str, customer_ids: list[int]) -> tuple[int, int]:
    return asyncio.run(_checkouts(database_url, customer_ids))
