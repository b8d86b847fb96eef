"""Idempotency-Key under concurrency, on SQLite and on PostgreSQL: requests sent at once
with one key make the change once; each of the others is told the first is still running
(409) or gets its answer replayed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.store import tables
from tests.api import bearer

PRODUCT = {"sku": "RACE-1", "name": "Termo", "price": 25900, "stock": 4}


@pytest.fixture
def api_database_url(database_url: str) -> str:
    return database_url  # SQLite, and PostgreSQL when the run has a server


@pytest.mark.parametrize("at_once", [2, 6])
async def test_requests_at_once_with_one_key_make_one_change(
    api_shop, api_client, api_key, at_once
) -> None:
    headers = bearer(await api_key(), **{"Idempotency-Key": "at-once"})
    answers = await asyncio.gather(
        *(
            api_client.post("/api/v1/products", json=PRODUCT, headers=headers)
            for _ in range(at_once)
        )
    )
    ran = [a for a in answers if a.status_code == 201 and "idempotent-replayed" not in a.headers]
    assert len(ran) == 1, [(a.status_code, a.text) for a in answers]
    for answer in answers:
        if answer is ran[0]:
            continue
        if answer.status_code == 201:
            assert answer.headers["idempotent-replayed"] == "true"
            assert answer.content == ran[0].content
        else:
            assert answer.status_code == 409, answer.text
            assert answer.json()["code"] == "idempotency_key_in_use"
    async with api_shop.uow(write=False) as uow:
        made = await uow.conn.execute(select(func.count()).where(tables.products.c.sku == "RACE-1"))
        assert made.scalar_one() == 1
    again = await api_client.post("/api/v1/products", json=PRODUCT, headers=headers)
    assert again.status_code == 201 and again.content == ran[0].content
