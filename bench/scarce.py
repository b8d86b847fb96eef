"""A scarce product: 500 buyers confirm their order for the last 20 units at once.

    .venv/bin/python bench/scarce.py
    .venv/bin/python bench/scarce.py --database postgres \\
        --postgres-url postgresql+asyncpg://pedidos@127.0.0.1:55432/postgres
    .venv/bin/python scripts/with_postgres.py -- \\
        .venv/bin/python bench/scarce.py --postgres-from-env

A fresh, migrated database with one product of --units units. Each of --buyers
Telegram customers first goes through the checkout in the chat (the Conversation the
channels use: add the product, "Finalizar compra", name, phone, address, standard
shipping, cash on delivery) up to the summary with "Confirmar pedido"; that part is
set-up and not timed. Then all of them press "Confirmar pedido" at the same moment (one
asyncio.gather; nothing else runs). --via services does the same one level down:
cart.add_to_cart first, then checkout.place_order for everyone at once.

Prints how many orders were placed (must equal the units), how many buyers were told the
product ran out, what else anyone was told, the product's reserved units (must equal the
units, with nothing left available), the elapsed time and checkouts per second.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    add_database_options,
    code_version,
    database_choice,
    fresh_database,
    migrate,
    open_shop,
    percentile,
)
from core.domain.actors import SYSTEM
from core.domain.customers import Address
from core.domain.errors import OutOfStock
from core.domain.money import Money
from core.services import cart, catalog, checkout, customers
from core.services.catalog_io import ProductRow, upsert_rows
from core.services.context import Shop
from handlers.conversation import Conversation
from handlers.i18n import Translator
from handlers.types import Incoming

SKU = "EDICION-LIMITADA"
FIRST_USER_ID = 300_001
ORDER_CODE = re.compile(r"PED-\w{5}")
CHECKOUT = [
    {"payload": "co"},
    {"text": "Ana López"},
    {"text": "+52 951 123 4567"},
    {"text": "Calle Morelos 12"},
    {"text": "Centro"},
    {"text": "Oaxaca"},
    {"text": "Oaxaca"},
    {"text": "68000"},
    {"payload": "ck:skip"},
    {"payload": "ck:ship:standard"},
    {"payload": "ck:pay:cash_on_delivery"},
]
ADDRESS = Address("Calle Morelos 12", "Centro", "Oaxaca", "Oaxaca", "68000", "MX")


async def add_scarce_product(shop: Shop, units: int) -> int:
    row = ProductRow(
        0, SKU, "Edición limitada", "", "Ropa", Money(49900, shop.currency), units, 300, ""
    )
    async with shop.uow() as uow:
        await upsert_rows(uow, [row], SYSTEM, shop.now(), threshold=0)
        await uow.commit(shop.now())
        product = await uow.catalog.get_by_sku(SKU)
    assert product is not None
    return product.id


def incoming(user_id: int, **event: str) -> Incoming:
    return Incoming("telegram", str(user_id), str(user_id), "es", "Ana", **event)


async def bounded(concurrency: int, jobs: list) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def one(job):
        async with gate:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))


async def chat_buyers(shop: Shop, product_id: int, buyers: int, concurrency: int):
    """Everyone up to "Confirmar pedido"; returns the timed part (all press it at once)."""
    conversation = Conversation(shop)

    async def to_summary(user_id: int) -> None:
        steps = [{"payload": f"a:{product_id}:1"}, *CHECKOUT]
        for event in steps:
            replies = await conversation.handle(incoming(user_id, **event))
        buttons = [b.payload for r in replies for b in r.all_buttons()]
        assert "ck:ok" in buttons, f"buyer {user_id} did not reach the summary: {replies}"

    users = [FIRST_USER_ID + n for n in range(buyers)]
    await bounded(concurrency, [lambda u=u: to_summary(u) for u in users])

    async def confirm(user_id: int, start: float) -> tuple[str, float]:
        replies = await conversation.handle(incoming(user_id, payload="ck:ok"))
        text = "\n".join(r.text for r in replies)
        return text, time.perf_counter() - start

    async def all_at_once() -> list[tuple[str, float]]:
        start = time.perf_counter()
        return await asyncio.gather(*(confirm(u, start) for u in users))

    return all_at_once


async def service_buyers(shop: Shop, product_id: int, buyers: int, concurrency: int):
    """Everyone's cart holds the product; returns the timed part (everyone places it)."""
    ids = [
        (await customers.identify(shop, "telegram", str(FIRST_USER_ID + n), name="Ana")).id
        for n in range(buyers)
    ]
    await bounded(concurrency, [lambda c=c: cart.add_to_cart(shop, c, product_id) for c in ids])
    details = checkout.CheckoutDetails(
        "Ana López", "+52 951 123 4567", ADDRESS, "standard", "cash_on_delivery"
    )

    async def place(customer_id: int, start: float) -> tuple[str, float]:
        try:
            order = await checkout.place_order(shop, customer_id, details)
            text = f"placed {order.code}"
        except OutOfStock:
            text = "OutOfStock"
        return text, time.perf_counter() - start

    async def all_at_once() -> list[tuple[str, float]]:
        start = time.perf_counter()
        return await asyncio.gather(*(place(c, start) for c in ids))

    return all_at_once


async def orders_of(shop: Shop, product_id: int) -> tuple[int, int]:
    """(orders holding the product, units ordered)."""
    from sqlalchemy import func, select

    from core.store.tables import order_lines

    async with shop.uow(write=False) as uow:
        orders = func.count(func.distinct(order_lines.c.order_id))
        found = await uow.conn.execute(
            select(orders, func.sum(order_lines.c.quantity)).where(
                order_lines.c.product_id == product_id
            )
        )
        count, units = found.one()
        return count, units or 0


async def main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    kind = database_choice(parser, args)
    async with fresh_database(kind, args.postgres_url) as url:
        shop = open_shop(url)
        try:
            await migrate(shop)
            product_id = await add_scarce_product(shop, args.units)
            prepare = chat_buyers if args.via == "chat" else service_buyers
            set_up = time.perf_counter()
            all_at_once = await prepare(shop, product_id, args.buyers, args.concurrency)
            set_up = time.perf_counter() - set_up
            started = time.perf_counter()
            results = await all_at_once()
            elapsed = time.perf_counter() - started
            product = await catalog.get_product(shop, sku=SKU)
            orders, units_ordered = await orders_of(shop, product_id)
        finally:
            await shop.db.dispose()

    placed = [text for text, _ in results if ORDER_CODE.search(text)]
    others = Counter(text.splitlines()[0] if text else "(nothing)" for text, _ in results)
    for text in placed:
        others[text.splitlines()[0]] -= 1
    others = +others  # drop the zero counts (the placed orders' own lines)
    ran_out = Translator("es").gettext("{name} ran out and was removed from your cart.")
    ran_out = ran_out.format(name="Edición limitada")  # what the chat says when it is gone
    sold_out = sum(n for text, n in others.items() if text in (ran_out, "OutOfStock"))
    latencies = sorted(seconds for _, seconds in results)
    database = "SQLite" if kind == "sqlite" else "PostgreSQL"
    print(
        f"scarce product on {database}: {args.buyers} buyers, {args.units} units, via "
        f"{'the chat (Conversation)' if args.via == 'chat' else 'the services'}; "
        f"set-up {set_up:.1f} s (not timed); {code_version()}"
    )
    print(
        f"orders placed: {len(placed)} answers, {orders} orders in the database "
        f"({units_ordered} units) -- must equal {args.units}: "
        + ("OK" if len(placed) == orders == units_ordered == args.units else "WRONG")
    )
    print(f"out-of-stock answers: {sold_out} (expected {args.buyers - args.units})")
    for text, n in others.most_common():
        print(f"  {n:5} x {text[:110]!r}")
    available = product.on_hand - product.reserved
    print(
        f"product: on hand {product.on_hand}, reserved {product.reserved}, available "
        f"{available} -- reserved == units: "
        + ("OK" if product.reserved == args.units and available == 0 else "WRONG")
    )
    print(
        f"elapsed {elapsed * 1000:.0f} ms for {args.buyers} checkouts at once = "
        f"{args.buyers / elapsed:.0f} checkouts/s; time to each answer from the start: "
        f"p50={percentile(latencies, 0.5) * 1000:.0f} ms p99="
        f"{percentile(latencies, 0.99) * 1000:.0f} ms max={latencies[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument(
        "--via",
        choices=["chat", "services"],
        default="chat",
        help="chat: press 'Confirmar pedido' in the Conversation (default); services: "
        "checkout.place_order",
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="buyers set up at a time (not timed; 50)"
    )
    add_database_options(parser)
    args = parser.parse_args()
    asyncio.run(main(parser, args))
