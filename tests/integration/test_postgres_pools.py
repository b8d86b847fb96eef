"""A PostgreSQL worker opens its connections when it starts, so the first burst of
customers after a start or a deploy does not wait for the server to start dozens of
processes (bench/mixed.py --rate showed it in every first message)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from core.services import inbox
from core.store.database import AUTOCOMMIT_POOL_SIZE, POOL_SIZE

OPEN = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")


async def connections_open(shop) -> int:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(OPEN)).scalar_one()


async def test_a_worker_opens_its_connections_at_start_and_a_burst_opens_none(shop):
    if shop.db.is_sqlite:
        pytest.skip("PostgreSQL's connection pools")
    await shop.db.open_connections()
    opened = await connections_open(shop)
    assert opened >= POOL_SIZE + AUTOCOMMIT_POOL_SIZE

    # A burst of people: everything they need is already open.
    await asyncio.gather(
        *(inbox.receive(shop, "telegram", str(n), str(n), {"update_id": n}) for n in range(30))
    )
    assert await connections_open(shop) == opened
