"""One person's updates that reach different workers are still handled in the order
they arrived (a lock per person in the database, and each worker handles the person's
waiting updates oldest first).

The updates' ids cross a digit boundary (999, then 1000): as text, "1000" sorts before
"999". Each worker is handed its update by a webhook at its own moment (the test clock
moves on between them), and the worker holding the later one starts first, so only the
inbox's own order can put the earlier one first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.telegram.channel import TelegramChannel, make_bot
from bot.telegram.settings import TelegramSettings
from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.settings import WhatsAppSettings
from core.services.context import Shop
from core.store.database import Database
from tests.conftest import Clock, test_settings
from tests.telegram_double import BotApiDouble
from tests.whatsapp_double import GraphApiDouble

ANA_TG, ANA_WA = 5001, "5215512345678"
# Two workers answer a person at machine speed: no per-chat pacing in the way.
UNPACED = 1000.0  # messages a second to one person


@asynccontextmanager
async def telegram_workers(database_url: str, clock: Clock) -> AsyncIterator[tuple]:
    async with BotApiDouble() as double:
        settings = test_settings(database_url)
        telegram = TelegramSettings.load(
            _env_file=None,
            telegram_bot_token=double.token,
            telegram_api_url=double.base_url,
            telegram_per_chat_per_second=UNPACED,
        )
        workers = []
        for _ in range(2):  # two workers: their own engine, their own bot client
            bot = make_bot(telegram.telegram_bot_token, telegram.telegram_api_url)
            shop = Shop(Database(database_url), settings, clock=clock)
            workers.append(TelegramChannel(shop, telegram, bot=bot))
        try:
            yield double, workers
        finally:
            for worker in workers:
                await worker.close()
                await worker.shop.db.dispose()


@asynccontextmanager
async def whatsapp_workers(database_url: str, clock: Clock) -> AsyncIterator[tuple]:
    async with GraphApiDouble() as double:
        settings = test_settings(database_url)
        whatsapp = WhatsAppSettings.load(
            _env_file=None,
            whatsapp_phone_id=double.phone_id,
            whatsapp_token=double.token,
            whatsapp_app_secret=double.app_secret,
            whatsapp_api_url=double.base_url,
            whatsapp_per_user_per_second=UNPACED,
        )
        workers = [
            WhatsAppChannel(Shop(Database(database_url), settings, clock=clock), whatsapp)
            for _ in range(2)
        ]
        try:
            yield double, workers
        finally:
            for worker in workers:
                await worker.close()
                await worker.shop.db.dispose()


async def telegram_says_in_order(database_url, clock, ids, texts, apart=True) -> list[str]:
    """Each text with its update id, accepted by alternate workers (clock moving on
    between them when apart); handled by the worker with the last one first."""
    async with telegram_workers(database_url, clock) as (double, workers):
        accepted = []
        for n, (update_id, text) in enumerate(zip(ids, texts, strict=True)):
            update = double.user_says(ANA_TG, text)
            update["update_id"] = update_id
            worker = workers[n % 2]
            assert await worker.accept(update)
            accepted.append((worker, update))
            if apart:
                clock.advance(seconds=1)
        await asyncio.gather(*(w.handle_raw(u) for w, u in reversed(accepted)))
        return double.texts(ANA_TG)


async def whatsapp_says_in_order(database_url, clock, ids, texts) -> list[str]:
    async with whatsapp_workers(database_url, clock) as (double, workers):
        accepted = []
        for n, (number, text) in enumerate(zip(ids, texts, strict=True)):
            payload = double.user_text(ANA_WA, text)
            message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
            message["id"] = f"wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNB{number}"
            double.received(payload)  # the double knows the message by this id
            worker = workers[n % 2]
            [event] = await worker.accept(payload)
            accepted.append((worker, event))
            clock.advance(seconds=1)
        await asyncio.gather(*(w.handle_event(e) for w, e in reversed(accepted)))
        return double.texts(ANA_WA)


async def test_telegram_updates_999_and_1000_at_two_workers_are_answered_in_order(
    shop, database_url, clock
):
    texts = await telegram_says_in_order(database_url, clock, [999, 1000], ["/start", "/ayuda"])
    assert len(texts) == 2
    assert texts[0].startswith("¡Hola, Ana!") and texts[1].startswith("Esto es lo que")


async def test_telegram_updates_received_in_the_same_instant_go_by_update_id(
    shop, database_url, clock
):
    """Two webhooks at the same moment (a frozen clock here; two workers' clocks can
    agree as well): Telegram's update ids are its order, compared as numbers."""
    texts = await telegram_says_in_order(
        database_url, clock, [999, 1000], ["/start", "/ayuda"], apart=False
    )
    assert len(texts) == 2
    assert texts[0].startswith("¡Hola, Ana!") and texts[1].startswith("Esto es lo que")


@pytest.mark.parametrize("ids", [[999, 1000], [1000, 999]])
async def test_whatsapp_messages_at_two_workers_are_answered_in_the_order_they_arrived(
    shop, database_url, clock, ids
):
    """A WhatsApp message id says nothing about order: whichever way the ids sort, the
    one that arrived first is answered first."""
    texts = await whatsapp_says_in_order(database_url, clock, ids, ["hola", "ayuda"])
    assert len(texts) == 2
    assert texts[0].startswith("¡Hola, Ana!") and texts[1].startswith("Esto es lo que")
