"""Drives the Telegram channel against the Bot API double the way people use Telegram:
users type, press inline buttons on the bot's latest messages, share contacts and
locations, pay; updates reach the bot by long polling or through the webhook."""

from __future__ import annotations

import asyncio
import re
import socket
from contextlib import asynccontextmanager

import uvicorn
from sqlalchemy import select

from bot.dispatcher import OutboxDispatcher
from bot.telegram import TelegramChannel
from bot.web import create_app
from core.services.context import Shop
from core.store.tables import inbox
from tests.telegram_double import BotApiDouble, StoredMessage

ONE_LINE_ADDRESS = "Av Insurgentes Sur 1234, col del valle, benito juarez, cdmx, cp 03100"


class TelegramHarness:
    def __init__(self, shop: Shop, double: BotApiDouble, channel: TelegramChannel, mode: str):
        self.shop, self.double, self.channel, self.mode = shop, double, channel, mode
        self.stop = asyncio.Event()
        self.webhook_url = ""

    async def deliver(self, update: dict) -> None:
        """Get one update to the bot and wait until it was handled."""
        if self.mode == "webhook":
            assert await self.double.post_update(update) == 200
            await self.channel.drain()
        else:
            await self.double.until(lambda: self.handled(update["update_id"]))

    async def handled(self, update_id: int) -> bool:
        async with self.shop.uow(write=False) as uow:
            row = await uow.conn.execute(
                select(inbox.c.handled_at).where(
                    inbox.c.channel == "telegram", inbox.c.update_key == str(update_id)
                )
            )
            found = row.first()
        return found is not None and found.handled_at is not None

    async def outbox(self) -> None:
        """Send what the core queued (notifications, admin alerts) through Telegram."""
        dispatcher = OutboxDispatcher(self.shop, [self.channel])
        while await dispatcher.run_once():
            pass


class TelegramUser:
    def __init__(
        self, harness: TelegramHarness, user_id: int, *, language: str = "es", name: str = "Ana"
    ) -> None:
        self.h, self.user_id, self.language, self.name = harness, user_id, language, name

    @property
    def chat(self) -> list[StoredMessage]:
        return self.h.double.messages(self.user_id)

    async def says(self, text: str) -> str:
        update = self.h.double.user_says(
            self.user_id, text, first_name=self.name, language_code=self.language
        )
        await self.h.deliver(update)
        return self.screen()

    async def presses(self, label: str) -> str:
        """Press the newest button whose label starts with label."""
        for message in reversed(self.chat):
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label) and "callback_data" in button:
                        update = self.h.double.user_presses(
                            self.user_id,
                            message.message_id,
                            button["callback_data"],
                            language_code=self.language,
                            first_name=self.name,
                        )
                        await self.h.deliver(update)
                        return self.screen()
        raise AssertionError(f"no button {label!r} in the chat of {self.user_id}")

    async def shares_contact(self, phone: str) -> str:
        await self.h.deliver(self.h.double.user_shares_contact(self.user_id, phone))
        return self.screen()

    async def shares_location(self, latitude: float, longitude: float) -> str:
        await self.h.deliver(self.h.double.user_shares_location(self.user_id, latitude, longitude))
        return self.screen()

    async def checks_out(self, payment: str = "Pago contra entrega") -> str:
        """Answers the checkout from "¿A nombre de quién…?" to the confirmation (contact
        and location shared, the written address in one message, no references, standard
        shipping); the order's code."""
        await self.says("Ana López")
        await self.shares_contact("+52 55 1234 5678")
        await self.shares_location(19.43, -99.13)
        await self.says(ONE_LINE_ADDRESS)  # the label still needs it
        await self.presses("Correcto")
        await self.presses("Sin referencias")
        await self.presses("Estándar")
        await self.presses(payment)
        placed = await self.presses("Confirmar pedido")
        found = re.search(r"PED-\w{5}", placed)
        assert found, placed
        return found.group(0)

    def screen(self) -> str:
        """Everything in the chat now (the last messages are what the person reads)."""
        return "\n".join(m.text for m in self.chat[-6:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def telegram_shop(
    shop: Shop, mode: str, *, admin_chat_id: int | None = None, **limits: float
):
    """The shop on Telegram against a fresh double, by polling or by webhook."""
    from tests.conftest import test_settings

    async with BotApiDouble(**limits) as double:
        port = free_port()
        settings = test_settings(
            str(shop.db.url),
            telegram_bot_token=double.token,
            telegram_api_url=double.base_url,
            telegram_payment_provider_token="284685063:TEST:pedidos",
            admin_telegram_ids="9001",
            telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook"
            if mode == "webhook"
            else "",
            telegram_per_chat_per_second=limits.get("per_chat_per_second", 1000.0),
            telegram_global_per_second=limits.get("global_per_second", 1000.0),
            port=port,
            telegram_admin_chat_id=admin_chat_id,
        )
        if admin_chat_id is not None:
            double.add_chat(admin_chat_id, title="Tienda Demo · pedidos", type="supergroup")
        telegram_shop = Shop(shop.db, settings, clock=shop.clock)
        channel = TelegramChannel(telegram_shop)
        harness = TelegramHarness(telegram_shop, double, channel, mode)
        tasks = []
        server = None
        if mode == "webhook":
            server = uvicorn.Server(
                uvicorn.Config(
                    create_app(telegram_shop, channel),
                    host="127.0.0.1",
                    port=port,
                    log_level="warning",
                    lifespan="off",
                )
            )
            server.install_signal_handlers = lambda: None
            tasks.append(asyncio.create_task(server.serve()))
            await double.until(lambda: server.started)
            await channel.set_webhook(settings.telegram_webhook_url, settings.webhook_secret())
        else:
            tasks.append(asyncio.create_task(channel.poll(harness.stop)))
        try:
            yield harness
        finally:
            harness.stop.set()
            if server is not None:
                server.should_exit = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await channel.close()
