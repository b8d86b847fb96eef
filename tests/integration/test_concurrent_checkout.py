"""No amount of concurrent checkouts sells more than exists."""

from __future__ import annotations

import asyncio
import multiprocessing

import pytest
from sqlalchemy import func, select

from core.domain.errors import OutOfStock
from core.services import cart, checkout
from core.services.catalog import get_product
from core.store.tables import orders, stock_moves
from tests.conftest import add_product, details, new_buyer
from tests.integration.checkout_worker import run_checkouts

BUYERS = 200
UNITS = 10


async def _buyers_with_one_unit_in_cart(shop, product_id: int) -> list[int]:
    ids = []
    for n in range(BUYERS):
        buyer = await new_buyer(shop, f"buyer-{n}", f"Buyer {n}")
        await cart.add_to_cart(shop, buyer.customer_id, product_id, 1)
        ids.append(buyer.customer_id)
    return ids


async def _order_count_and_reserved(shop, product_id: int) -> tuple[int, int, int]:
    async with shop.uow(write=False) as uow:
        count = (await uow.conn.execute(select(func.count()).select_from(orders))).scalar_one()
        ledger = (
            await uow.conn.execute(
                select(func.sum(stock_moves.c.reserved_delta)).where(
                    stock_moves.c.product_id == product_id
                )
            )
        ).scalar_one()
    product = await get_product(shop, product_id=product_id)
    assert ledger == product.reserved
    return count, product.reserved, product.on_hand


async def test_200_concurrent_checkouts_of_10_units_make_exactly_10_orders(shop):
    product_id = await add_product(shop, "SCARCE", stock=UNITS)
    customer_ids = await _buyers_with_one_unit_in_cart(shop, product_id)

    async def attempt(customer_id: int) -> str:
        try:
            await checkout.place_order(shop, customer_id, details())
            return "placed"
        except OutOfStock as refused:
            shortage = refused.shortages[0]
            assert (shortage.sku, shortage.requested, shortage.available) == ("SCARCE", 1, 0)
            return "out_of_stock"

    outcomes = await asyncio.gather(*(attempt(c) for c in customer_ids))

    assert outcomes.count("placed") == UNITS
    assert outcomes.count("out_of_stock") == BUYERS - UNITS
    assert await _order_count_and_reserved(shop, product_id) == (UNITS, UNITS, UNITS)


@pytest.mark.slow
async def test_checkouts_from_four_processes_on_one_file_never_oversell(shop, database_url):
    product_id = await add_product(shop, "SCARCE", stock=UNITS)
    customer_ids = await _buyers_with_one_unit_in_cart(shop, product_id)
    chunks = [customer_ids[i::4] for i in range(4)]

    ctx = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with ctx.Pool(4) as pool:
        results = await loop.run_in_executor(
            None, pool.starmap, run_checkouts, [(database_url, chunk) for chunk in chunks]
        )

    assert sum(placed for placed, _ in results) == UNITS
    assert sum(refused for _, refused in results) == BUYERS - UNITS
    assert await _order_count_and_reserved(shop, product_id) == (UNITS, UNITS, UNITS)


async def test_checkouts_of_the_same_products_in_opposite_cart_orders_all_go_through(shop, clock):
    """Half the buyers put A then B in the cart, half B then A: their reservations must
    not wait for each other crosswise (on PostgreSQL a deadlock fails one of the two
    after a second; SQLite's single writer never interleaves them)."""
    first = await add_product(shop, "GORRA", stock=1_000)
    second = await add_product(shop, "TAZA", stock=1_000)
    buyers = []
    for n in range(40):
        buyer = await new_buyer(shop, f"buyer-{n}", f"Buyer {n}")
        for product_id in (first, second) if n % 2 else (second, first):
            await cart.add_to_cart(shop, buyer.customer_id, product_id, 1)
            clock.advance(seconds=1)  # the cart keeps the order things were added in
        buyers.append(buyer.customer_id)

    placed = await asyncio.gather(*(checkout.place_order(shop, b, details()) for b in buyers))

    assert len({order.code for order in placed}) == 40
    assert [(await get_product(shop, product_id=p)).reserved for p in (first, second)] == [40, 40]
