"""Resident memory of one shop process with 10,000 conversations in progress.

    .venv/bin/python bench/memory.py
    .venv/bin/python bench/memory.py --conversations 10000 --concurrency 100

One process built as `pedidos serve` builds it: the shop on a fresh, migrated database
with the demo catalog, and the Telegram channel (its aiogram Bot, its rate limiter, the
Conversation it hands updates to). Then 10,000 distinct Telegram customers each put two
products in the cart and press "Finalizar compra", through the
channel's own Conversation (handlers.conversation), each update under the person's lock
(inbox.person_lock) and each reply counted by the channel's rate limiter, as
TelegramChannel.handle_raw and the renderer do. Every one of them is left mid-checkout,
at "what name should the order go under?", with the cart and the checkout draft
stored. The Bot API is not called (no update JSON is parsed, nothing is sent), so what
stays in memory is what the shop keeps for conversations in progress.

Prints VmRSS (/proc/self/status) after the imports, when the shop is ready (one warm-up
conversation done), and with the conversations in progress, after a garbage collection;
and checks in the database that they are all there.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.runner  # noqa: F401  (what `pedidos serve` loads: web app, channels, dispatcher)
from bench.common import (
    add_database_options,
    code_version,
    database_choice,
    fresh_database,
    migrate,
    open_shop,
    rss_mb,
    seed_demo_with_stock,
)
from bot.telegram import Telegram
from bot.web import create_app
from core.services import inbox
from core.services.context import Shop
from handlers.types import Incoming
from handlers.understanding import load_all as load_understanding

FIRST_USER_ID = 200_001
TARGET_MB = 200


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def settled_rss() -> float:
    """RSS after a garbage collection. One pass through the event loop first: the loop
    still holds the callback that resumed us, and through it the finished tasks."""
    await asyncio.sleep(0)
    gc.collect()
    return rss_mb()


async def converse(channel: Any, user_id: int, texts_and_buttons: list[dict]) -> str:
    """One customer's updates, each handled as the channel handles one; the last answer."""
    last = ""
    for event in texts_and_buttons:
        incoming = Incoming("telegram", str(user_id), str(user_id), "es", "Ana", **event)
        async with inbox.person_lock(channel.shop, "telegram", str(user_id)):
            replies = await channel.conversation.handle(incoming)
            for _reply in replies:  # the renderer waits its turn once per API call
                await channel.limiter.wait(user_id, paced=False)
        last = replies[-1].text if replies else ""
    return last


async def bring_customers(
    channel: Any, steps: list[dict], question: str, count: int, concurrency: int
) -> int:
    """count customers through the steps, concurrency at a time; how many were left at
    the question. Returns only a number, so nothing of the bench's own (tasks, answers)
    outlives it and gets counted as the shop's memory."""
    gate = asyncio.Semaphore(concurrency)

    async def customer(n: int) -> bool:
        async with gate:
            return await converse(channel, FIRST_USER_ID + n, steps) == question

    return sum(await asyncio.gather(*(customer(n) for n in range(count))))


async def in_database(shop: Shop) -> tuple[int, int]:
    """(Telegram conversations waiting for the name, Telegram customers' cart lines)"""
    from sqlalchemy import and_, func, select

    from core.store.tables import cart_lines, conversations, customers

    async with shop.uow(write=False) as uow:
        waiting = await uow.conn.execute(
            select(func.count())
            .select_from(conversations)
            .where(
                and_(
                    conversations.c.channel == "telegram",
                    conversations.c.state == "checkout_name",
                )
            )
        )
        lines = await uow.conn.execute(
            select(func.count())
            .select_from(cart_lines.join(customers, customers.c.id == cart_lines.c.customer_id))
            .where(customers.c.channel == "telegram")
        )
        return waiting.scalar_one(), lines.scalar_one()


async def main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    kind = database_choice(parser, args)
    after_imports = await settled_rss()
    async with fresh_database(kind, args.postgres_url) as url:
        shop = open_shop(url)
        telegram = Telegram.from_environment(
            _env_file=None,
            telegram_bot_token="123456:BENCH-MEMORY",
            telegram_api_url="http://127.0.0.1:9",  # never called
            telegram_global_per_second=1_000_000.0,  # counted, never waited for
        )
        try:
            await migrate(shop)
            await seed_demo_with_stock(shop, 1_000_000)
            channel = telegram.open(shop)  # loads aiogram as serve does
            app = create_app(shop, [telegram.router(channel)])  # held, as the server holds it
            channel.build_models()  # as serve does at start
            load_understanding()  # likewise
            assert app.routes
            async with shop.uow(write=False) as uow:
                product_ids = [p.id for p in await uow.catalog.list()]
            steps = [
                {"payload": f"a:{product_ids[0]}:1"},
                {"payload": f"a:{product_ids[5]}:1"},
                {"payload": "co"},
            ]
            question = await converse(channel, FIRST_USER_ID - 1, steps)  # warm-up
            ready = await settled_rss()
            objects_before = len(gc.get_objects())

            started = time.perf_counter()
            n, concurrency = args.conversations, args.concurrency
            same = await bring_customers(channel, steps, question, n, concurrency)
            elapsed = time.perf_counter() - started
            after = await settled_rss()
            objects_after = len(gc.get_objects())
            waiting, lines = await in_database(shop)
        finally:
            await shop.db.dispose()

    database = "SQLite" if kind == "sqlite" else "PostgreSQL"
    print(
        f"{n} conversations in progress in one process ({database}, {args.concurrency} at a "
        f"time, {len(steps) * n} updates in {elapsed:.1f} s = {len(steps) * n / elapsed:.0f}/s); "
        f"{code_version()}"
    )
    print(f"  each left at: {question!r} ({same} of {n} answers were that question)")
    print(
        f"  in the database: {waiting - 1} conversations at checkout_name (+1 warm-up), "
        f"{lines - 2} cart lines (+2 warm-up)"
    )
    print(f"RSS after the imports:                    {after_imports:7.1f} MiB")
    print(f"RSS ready (shop, channel, web app, warm): {ready:7.1f} MiB")
    print(f"RSS with {n} conversations in progress: {after:7.1f} MiB (peak {peak_mb():.1f} MiB)")
    print(
        f"  growth: {after - ready:.1f} MiB = {(after - ready) * 1024 / n:.2f} KiB per "
        f"conversation; live Python objects {objects_before} -> {objects_after} "
        f"(+{(objects_after - objects_before) / n:.1f} per conversation)"
    )
    verdict = "met" if after < TARGET_MB else "NOT met"
    print(f"target: under {TARGET_MB} MB resident with {n} conversations: {verdict} ({after:.0f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=100,
        help="customers being handled at once (100); on PostgreSQL keep it under the "
        "connection pool's size, as each person's lock holds a pooled connection",
    )
    add_database_options(parser)
    args = parser.parse_args()
    asyncio.run(main(parser, args))
