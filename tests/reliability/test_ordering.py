"""One person's updates that reach different workers are still handled in the order
they arrived (a lock per person in the database, and each worker handles the person's
waiting updates oldest first)."""

from __future__ import annotations

import asyncio

from bot.telegram import TelegramChannel, make_bot
from core.services.context import Shop
from core.store.database import Database
from tests.conftest import test_settings
from tests.telegram_double import BotApiDouble


async def test_updates_of_one_person_at_two_workers_are_answered_in_order(shop, database_url):
    async with BotApiDouble() as double:
        settings = test_settings(
            database_url, telegram_bot_token=double.token, telegram_api_url=double.base_url
        )
        workers = []
        for _ in range(2):  # two workers: their own engine, their own bot client
            worker_shop = Shop(Database(database_url), settings, clock=shop.clock)
            bot = make_bot(settings.telegram_bot_token, settings.telegram_api_url)
            workers.append(TelegramChannel(worker_shop, bot=bot))
        first = double.user_says(5001, "/start")
        second = double.user_says(5001, "/ayuda")
        assert await workers[0].accept(first)
        assert await workers[1].accept(second)
        # the second worker gets going first; the first worker a moment later
        await asyncio.gather(workers[1].handle_raw(second), workers[0].handle_raw(first))
        texts = double.texts(5001)
        assert len(texts) == 2
        assert texts[0].startswith("¡Hola, Ana!") and texts[1].startswith("Esto es lo que")
        for worker in workers:
            await worker.close()
            await worker.shop.db.dispose()
