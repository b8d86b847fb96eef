"""A separate OS process for the crash tests: it either writes notifications and dies
right after the commit, or dispatches them to a file and dies in the middle.

    python -m tests.integration.dispatch_worker DB_URL OUT_FILE MODE [CRASH_AT] [SECONDS]

Its clock is the tests' (tests.conftest.START) SECONDS on, standing still: a lease runs
out when the test says so, not when the machine's clock gets there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta

from bot.dispatcher import OutboxDispatcher, Pieces
from core.domain.events import OrderPreparing
from core.domain.outbox import OutboxMessage
from core.services import customers
from core.services.context import Shop
from core.store.database import Database
from handlers.types import Reply
from tests.conftest import START, test_settings


class FileChannel:
    """The channel's far side: appends what it accepts to a file; may crash the process
    the moment it is handed message number crash_at (before accepting it)."""

    channel = "terminal"

    def __init__(self, path: str, crash_at: int) -> None:
        self.path, self.crash_at, self.count = path, crash_at, 0

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        # The whole row at once: these tests are about rows, not pieces.
        self.count += 1
        if self.count == self.crash_at:
            os.kill(os.getpid(), signal.SIGKILL)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(f"{address}|{replies[0].text}\n")


async def main(url: str, out: str, mode: str, crash_at: int, seconds: float) -> None:
    now = START + timedelta(seconds=seconds)
    clock = lambda: now  # noqa: E731
    shop = Shop(Database(url), test_settings(url), clock=clock)
    if mode == "write-and-die":
        customer = await customers.identify(shop, "terminal", "ana", locale="en")
        async with shop.uow() as uow:
            for n in range(5):
                uow.notify(
                    OutboxMessage.to_customer(customer.id, OrderPreparing(f"PED-AAAA{n}"), f"k{n}")
                )
            await uow.commit(shop.now())
        os.kill(os.getpid(), signal.SIGKILL)  # after the commit, before any sending
    dispatcher = OutboxDispatcher(shop, [FileChannel(out, crash_at)])
    while await dispatcher.run_once(limit=10):
        pass
    await shop.db.dispose()


if __name__ == "__main__":
    url, out, mode = sys.argv[1:4]
    crash_at = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    asyncio.run(main(url, out, mode, crash_at, seconds))
