"""Drives the Telegram channel against the Bot API double the way people use Telegram:
users type, press inline buttons on the bot's latest messages, share contacts and
locations, pay; updates reach the bot by long polling or through the webhook.

The bot runs with its production pacing against the double's real flood limits, both on
one virtual clock (a pacing wait costs no real time); each update delivered is a person
acting, a second after the last. At close every harness asserts no refused call (unless
the test declared it with ``double.expect_rejections``), every button press answered
and no crash apology sent."""

from __future__ import annotations

import asyncio
import re
import socket
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from sqlalchemy import select

from bot.channels import roster
from bot.dispatcher import OutboxDispatcher
from bot.telegram.channel import TelegramChannel
from bot.web import create_app
from core.services.context import Shop
from core.store.tables import inbox
from tests.telegram_double import BotApiDouble, StoredMessage
from tests.virtual_clock import VirtualClock

ONE_LINE_ADDRESS = "Av Insurgentes Sur 1234, col del valle, benito juarez, cdmx, cp 03100"
# A person reads the answer before they type or tap again: the virtual time that passes
# between two updates the harness delivers.
SECONDS_BETWEEN_ACTIONS = 1.0


class TelegramHarness:
    def __init__(
        self,
        shop: Shop,
        double: BotApiDouble,
        channel: TelegramChannel,
        mode: str,
        clock: VirtualClock,
    ):
        self.shop, self.double, self.channel, self.mode = shop, double, channel, mode
        self.clock = clock
        self.stop = asyncio.Event()
        self.webhook_url = ""

    async def deliver(self, update: dict) -> None:
        """Get one update to the bot and wait until it was handled."""
        self.clock.advance(SECONDS_BETWEEN_ACTIONS)
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


def bound_socket() -> socket.socket:
    """A listening socket on 127.0.0.1 at a port the system chose, kept by the server
    it is handed to (never closed and bound again, where another could take the port)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def serve_on(app, sock: socket.socket) -> tuple[uvicorn.Server, asyncio.Task]:
    """The web app served by uvicorn on an already bound socket."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.install_signal_handlers = lambda: None
    return server, asyncio.create_task(server.serve(sockets=[sock]))


class ProcessLog:
    """A `pedidos` process's standard error, read as it comes (a pipe left unread would
    stop the process once full); port() is where it listens, from its start line (run
    with PORT=0, the system picks a free port and nothing else can take it meanwhile)."""

    RUNNING = re.compile(r"Pedidos is running \(http://[^:]+:(\d+)\)")

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None, "start the process with stderr=PIPE"
        self.lines: list[str] = []
        self._reading = asyncio.create_task(self._read(process.stderr))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            self.lines.append(line.decode(errors="replace"))

    async def port(self, timeout: float = 60) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for line in self.lines:
                if found := self.RUNNING.search(line):
                    return int(found.group(1))
            if self._reading.done() or loop.time() > deadline:
                raise AssertionError("the process never said where it listens:\n" + self.text())
            await asyncio.sleep(0.05)

    async def finished(self) -> str:
        """All it wrote, once the process has ended."""
        await self._reading
        return self.text()

    def text(self) -> str:
        return "".join(self.lines)


def pace_on(channel, clock: VirtualClock) -> None:
    """The channel's own pacer (its production rates) on the virtual clock."""
    channel.limiter.clock = clock
    channel.limiter.sleep = clock.sleep


@asynccontextmanager
async def telegram_shop(
    shop: Shop,
    mode: str,
    *,
    admin_chat_id: int | None = None,
    public_url: str = "",
    **double_options: Any,
):
    """The shop on Telegram against a fresh double, by polling or by webhook; the
    double's options (its limits) as BotApiDouble takes them. public_url: PUBLIC_URL
    (none: the web app's pages are on 127.0.0.1)."""
    from tests.conftest import test_channels, test_settings

    clock = VirtualClock()
    async with BotApiDouble(clock=clock, **double_options) as double:
        sock = bound_socket()
        port = sock.getsockname()[1]
        settings = test_settings(str(shop.db.url), port=port, public_url=public_url)
        channels = test_channels(
            telegram_bot_token=double.token,
            telegram_api_url=double.base_url,
            telegram_payment_provider_token="284685063:TEST:pedidos",
            admin_telegram_ids="9001",
            telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook"
            if mode == "webhook"
            else "",
            telegram_admin_chat_id=admin_chat_id,
        )
        [telegram] = [c for c in channels if c.name == "telegram"]
        if admin_chat_id is not None:
            double.add_chat(admin_chat_id, title="Tienda Demo · pedidos", type="supergroup")
        telegram_shop = Shop(shop.db, settings, clock=shop.clock, channels=roster(channels))
        channel = TelegramChannel(telegram_shop, telegram.settings)
        pace_on(channel, clock)
        harness = TelegramHarness(telegram_shop, double, channel, mode, clock)
        tasks = []
        server = None
        if mode == "webhook":
            server, serving = serve_on(create_app(telegram_shop, [telegram.router(channel)]), sock)
            tasks.append(serving)
            await double.until(lambda: server.started)
            secret = channel.settings.webhook_secret()
            await channel.set_webhook(channel.settings.telegram_webhook_url, secret)
        else:
            sock.close()  # polling: no web server
            tasks.append(asyncio.create_task(channel.poll(harness.stop)))
        closed_cleanly = False
        try:
            yield harness
            await channel.drain()
            closed_cleanly = True
        finally:
            harness.stop.set()
            if server is not None:
                # Shut down, not cancelled: a cancelled server leaves its socket's fd
                # watched by the loop, and the next socket bound gets that fd.
                server.should_exit = True
                await asyncio.gather(tasks.pop(0), return_exceptions=True)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await channel.close()
            sock.close()
        if closed_cleanly:  # a failing test's own error is the one to read
            double.check_at_close()
