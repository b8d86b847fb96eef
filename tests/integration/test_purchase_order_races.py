"""Two admins receiving one purchase order at once, on two workers (each its own
Database and pools): together they never take in more than was ordered.

Both services read the purchase order before either writes (a barrier holds each after
its first read), so both decide on the same version every time. PostgreSQL only:
SQLite serialises writers, so the interleaving cannot happen there (see
tests/integration/test_postgres_concurrency.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from core.domain.purchase_orders import ReceiptTooLarge
from core.services import purchase_orders as po
from core.services.catalog import get_product
from core.services.context import Shop
from core.services.purchase_orders import LineRequest
from core.store.database import Database
from core.store.purchase_orders_repo import SqlPurchaseOrderRepository
from tests.conftest import MERCHANT, add_product, test_settings
from tests.integration.test_postgres_concurrency import SQLITE_PROVES_NOTHING
from tests.integration.test_purchase_orders import add_supplier


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip(SQLITE_PROVES_NOTHING)


@contextmanager
def both_read_first(monkeypatch: pytest.MonkeyPatch, parties: int = 2) -> Iterator[None]:
    """Each service's first read of the purchase order waits until every party has read
    it; a retry after a conflict reads again without waiting."""
    real = SqlPurchaseOrderRepository.get
    barrier = asyncio.Barrier(parties)
    waited: set[asyncio.Task] = set()

    async def get_then_wait(self, **where):
        found = await real(self, **where)
        task = asyncio.current_task()
        if task not in waited:
            waited.add(task)
            await asyncio.wait_for(barrier.wait(), timeout=10)
        return found

    monkeypatch.setattr(SqlPurchaseOrderRepository, "get", get_then_wait)
    yield
    monkeypatch.setattr(SqlPurchaseOrderRepository, "get", real)


async def sent_order(shop: Shop, quantity: int) -> str:
    supplier_id = await add_supplier(shop)
    await add_product(shop, "TAZA-TAL", stock=0, name="Taza de talavera")
    order = (
        await po.create_draft(shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", quantity)])
    ).order
    await po.send(shop, MERCHANT, order.code)
    return order.code


async def two_workers(database_url: str, clock) -> list[Shop]:
    return [
        Shop(Database(database_url), test_settings(database_url), clock=clock) for _ in range(2)
    ]


async def test_two_receipts_at_once_never_exceed_the_quantity_ordered(
    shop, database_url, clock, monkeypatch
):
    code = await sent_order(shop, 10)
    workers = await two_workers(database_url, clock)
    try:
        with both_read_first(monkeypatch):
            results = await asyncio.gather(
                *(po.receive(w, MERCHANT, code, {"TAZA-TAL": 6}) for w in workers),
                return_exceptions=True,
            )
    finally:
        for worker in workers:
            await worker.db.dispose()
    received = [r for r in results if isinstance(r, po.ReceiptOutcome)]
    refused = [r for r in results if isinstance(r, ReceiptTooLarge)]
    assert len(received) == 1 and len(refused) == 1, results
    # The loser ran again on what the winner left: 4 outstanding, not 10.
    assert refused[0].data["outstanding"] == 4 and refused[0].data["received"] == 6
    details = await po.purchase_order_details(shop, MERCHANT, code)
    assert details.order.lines[0].received == 6
    assert (await get_product(shop, sku="TAZA-TAL")).on_hand == 6
    assert [e.kind for e in details.timeline].count("received") == 1


async def test_two_receipts_that_fit_both_go_in_once_each(shop, database_url, clock, monkeypatch):
    code = await sent_order(shop, 10)
    workers = await two_workers(database_url, clock)
    try:
        with both_read_first(monkeypatch):
            results = await asyncio.gather(
                *(po.receive(w, MERCHANT, code, {"TAZA-TAL": 5}) for w in workers)
            )
    finally:
        for worker in workers:
            await worker.db.dispose()
    assert sorted(str(r.details.order.status) for r in results) == [
        "partially_received",
        "received",
    ]
    details = await po.purchase_order_details(shop, MERCHANT, code)
    assert (details.order.status, details.order.lines[0].received) == ("received", 10)
    assert (await get_product(shop, sku="TAZA-TAL")).on_hand == 10
