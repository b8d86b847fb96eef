"""Checkout throughput on SQLite: N concurrent customers each add to cart and check out.

    .venv/bin/python bench/checkout.py --customers 50 --rounds 20
    .venv/bin/python bench/checkout.py --customers 50 --rounds 20 --rate 300

Prints checkouts per second and p50 / p99 latency of one checkout (add to cart +
place order, as the customer waits for it). Without --rate every customer checks out
again as soon as the last checkout finished (the most the shop can take); with --rate
the customers together start that many checkouts per second (an offered load), and
latency counts from the planned start, so queueing shows. A fresh database file in a
temporary folder; nothing is faked.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.domain.actors import SYSTEM
from core.domain.customers import Address
from core.domain.money import Money
from core.services import cart, checkout, customers
from core.services.catalog_io import ProductRow, upsert_rows
from core.services.context import Shop
from core.settings import load_settings
from core.store.database import Database
from core.store.migrate import upgrade

PRODUCTS = 20
ADDRESS = Address("Calle 5 de Mayo 10", "Centro", "Puebla", "Puebla", "72000", "MX")


async def prepare(shop: Shop, customer_count: int) -> tuple[list[int], list[int]]:
    await upgrade(shop.db.engine)
    rows = [
        ProductRow(
            0, f"SKU-{i}", f"Producto {i}", "", "Bench", Money(19900, "MXN"), 1_000_000, 300, ""
        )
        for i in range(PRODUCTS)
    ]
    async with shop.uow() as uow:
        await upsert_rows(uow, rows, SYSTEM, shop.now(), threshold=0)
        await uow.commit(shop.now())
        product_ids = [p.id for p in await uow.catalog.list()]
    customer_ids = [
        (await customers.identify(shop, "bench", str(n), name=f"C{n}")).id
        for n in range(customer_count)
    ]
    return product_ids, customer_ids


async def customer_session(
    shop: Shop,
    customer_id: int,
    product_ids: list[int],
    rounds: int,
    latencies: list[float],
    interval: float | None,
    offset: float,
) -> None:
    details = checkout.CheckoutDetails(
        "Cliente", "+52 222 000 0000", ADDRESS, "standard", "cash_on_delivery", save_address=False
    )
    begin = time.perf_counter() + offset
    for n in range(rounds):
        started = time.perf_counter()
        if interval is not None:  # open loop: start on schedule, count the wait too
            started = begin + n * interval
            await asyncio.sleep(max(0.0, started - time.perf_counter()))
        await cart.add_to_cart(shop, customer_id, product_ids[(customer_id + n) % len(product_ids)])
        await checkout.place_order(shop, customer_id, details)
        latencies.append(time.perf_counter() - started)


async def main(customer_count: int, rounds: int, rate: float | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        # Each customer checks out `rounds` times and nobody confirms: the cap on open
        # unpaid orders (a shop's protection against hoarding) would stop them at 3.
        settings = load_settings(
            _env_file=None, database_url=url, max_open_unpaid_orders=max(rounds, 1)
        )
        shop = Shop(Database(url), settings)
        try:
            product_ids, customer_ids = await prepare(shop, customer_count)
            latencies: list[float] = []
            started = time.perf_counter()
            interval = customer_count / rate if rate else None
            await asyncio.gather(
                *(
                    customer_session(
                        shop,
                        c,
                        product_ids,
                        rounds,
                        latencies,
                        interval,
                        (interval or 0) * n / customer_count,
                    )
                    for n, c in enumerate(customer_ids)
                )
            )
            elapsed = time.perf_counter() - started
        finally:
            await shop.db.dispose()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    mode = f"offered={rate:.0f}/s" if rate else "closed loop"
    print(f"customers={customer_count} checkouts={len(latencies)} {mode} seconds={elapsed:.2f}")
    print(f"checkouts/s={len(latencies) / elapsed:.0f}")
    print(f"latency p50={statistics.median(latencies) * 1000:.1f} ms p99={p99 * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rate", type=float, help="checkouts started per second, all together")
    args = parser.parse_args()
    asyncio.run(main(args.customers, args.rounds, args.rate))
