"""A channel is one plug-in: this module alone defines a whole channel (settings,
capabilities, webhook route, sender) and registers it, and the shop runs it as
`pedidos serve` runs every channel (bot.runner.serve: the web app, the outbox
dispatcher) on the real database and the real conversation. A customer buys through it,
the merchant confirms on it, and the customer is told on it."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request, Response
from pydantic_settings import SettingsConfigDict

from bot import gc_tuning, runner
from bot.channels import (
    CHANNEL_PACKAGES,
    Capabilities,
    Channel,
    ChannelSettings,
    Live,
    load_channels,
    roster,
)
from bot.dispatcher import Pieces
from core.services import orders
from core.services.context import Shop
from handlers.conversation import Conversation
from handlers.types import Incoming, Reply
from tests.conftest import MERCHANT
from tests.crash_guard import check_shown

pytestmark = pytest.mark.sqlite_only  # a channel's test: the store's own run on both

# -- the channel: everything a new channel writes --------------------------------------


class FakeSettings(ChannelSettings):
    model_config = SettingsConfigDict(env_file=None)  # FAKE_* from the environment only
    fake_on: bool = False
    fake_admin: str = ""


class FakeLive:
    """The running channel: a webhook call is a person's message; what the shop says
    to each person (answers and outbox news) is kept as their chat."""

    channel = "fake"

    def __init__(self, shop: Shop, capabilities: Capabilities) -> None:
        self.shop = shop
        self.conversation = Conversation(shop, capabilities)
        self.chats: dict[str, list[Reply]] = {}

    async def receive(self, event: dict[str, Any]) -> None:
        user = str(event["user"])
        fields = {key: event[key] for key in ("text", "payload", "opened") if key in event}
        incoming = Incoming("fake", user, user, "en", str(event.get("name", "")), **fields)
        self.chats.setdefault(user, []).extend(await self.conversation.handle(incoming))

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        for reply in replies:

            async def show(reply: Reply = reply) -> None:
                self.chats.setdefault(address, []).append(reply)

            await pieces.send(show)

    async def resume_unhandled(self, older_than: object = None) -> None:
        return None

    async def close(self) -> None:
        return None


class Fake(Channel):
    name = "fake"
    settings_class = FakeSettings
    settings: FakeSettings

    def capabilities(self) -> Capabilities:
        return Capabilities(None, None, None, payments=False, documents=False)

    def configured(self) -> bool:
        return self.settings.fake_on

    def admins(self) -> list[str]:
        return [self.settings.fake_admin] if self.settings.fake_admin else []

    def router(self, live: Live | None) -> APIRouter:
        router = APIRouter()

        @router.post("/fake/webhook")
        async def webhook(request: Request) -> Response:
            if not isinstance(live, FakeLive):
                return Response(status_code=404)
            await live.receive(await request.json())
            return Response(status_code=200)

        return router

    def open(self, shop: Shop) -> FakeLive:
        self.live = FakeLive(shop, self.capabilities())  # where the test reads the chats
        return self.live


CHANNEL = Fake

# -- the test ----------------------------------------------------------------------------


class Person:
    """Someone chatting on the fake channel through its webhook."""

    def __init__(self, client: httpx.AsyncClient, live: FakeLive, user: str) -> None:
        self.client, self.live, self.user = client, live, user

    @property
    def chat(self) -> list[Reply]:
        return self.live.chats.get(self.user, [])

    def screen(self, last: int = 4) -> str:
        shown = "\n".join(reply.text for reply in self.chat[-last:])
        check_shown(shown)
        return shown

    async def send(self, **event: object) -> str:
        seen = len(self.chat)
        answer = await self.client.post("/fake/webhook", json={"user": self.user, **event})
        assert answer.status_code == 200
        return self.screen(len(self.chat) - seen)

    async def says(self, text: str) -> str:
        return await self.send(text=text)

    async def presses(self, label: str) -> str:
        """The newest button whose label starts with label."""
        for reply in reversed(self.chat):
            for button in reversed(reply.all_buttons()):
                if button.label.startswith(label):
                    return await self.send(payload=button.payload)
        raise AssertionError(f"no button {label!r} in {self.user}'s chat")

    async def is_told(self, words: str, seconds: float = 60) -> str:
        """Wait for the outbox dispatcher to bring a message holding these words."""
        deadline = asyncio.get_running_loop().time() + seconds
        while not any(words in reply.text for reply in self.chat):
            assert asyncio.get_running_loop().time() < deadline, f"{self.user}: no {words!r}"
            await asyncio.sleep(0.05)
        return next(reply.text for reply in reversed(self.chat) if words in reply.text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_channel_defined_in_one_module_runs_a_whole_order(demo_shop, monkeypatch):
    monkeypatch.setenv("FAKE_ON", "true")
    monkeypatch.setenv("FAKE_ADMIN", "boss")
    monkeypatch.setenv("WEB_CHAT", "false")  # only the fake channel on (the web chat is by default)
    monkeypatch.setattr(gc_tuning, "tune_for_serving", lambda: None)  # the test process's gc
    channels = load_channels([*CHANNEL_PACKAGES, __name__])  # registered: one more package
    assert [c.name for c in channels if c.configured()] == ["fake"]
    port = free_port()
    settings = demo_shop.settings.model_copy(update={"port": port})
    shop = Shop(demo_shop.db, settings, clock=demo_shop.clock, channels=roster(channels))
    [fake] = [c for c in channels if isinstance(c, Fake)]

    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(shop, channels, poll=False, stop=stop))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            while not hasattr(fake, "live") or (await _health(client)) != 200:
                assert not serving.done(), serving
                await asyncio.sleep(0.05)
            ana, boss = Person(client, fake.live, "ana"), Person(client, fake.live, "boss")

            assert "Shop admin" in await boss.send(opened=True, name="Bea")
            assert "Welcome to Tienda Demo" in await ana.send(opened=True, name="Ana")
            await ana.presses("Catalog")
            await ana.presses("Ropa")
            assert "MX$349.00" in await ana.presses("Camisa azul")
            assert "Added 1 × Camisa azul (M)" in await ana.presses("Add 1 to cart")
            await ana.presses("Check out")
            for answer in ("Ana López", "+52 55 1234 5678", "Av. Reforma 222", "Juárez"):
                await ana.says(answer)
            for answer in ("Ciudad de México", "CDMX", "06600"):
                await ana.says(answer)
            await ana.presses("No references")
            await ana.presses("Standard")
            await ana.presses("Cash on delivery")
            placed = await ana.presses("Confirm order")
            code = re.search(r"Order (PED-\w{5}) placed", placed).group(1)

            # The merchant, an admin by the fake channel's own setting, gets the order
            # from the outbox on this channel, and confirms it there.
            assert "1 × Camisa azul (M)" in await boss.is_told(f"New order {code}")
            assert f"Order {code} confirmed" in await boss.presses("Confirm")
            assert "We'll let you know when it ships" in await ana.is_told(
                f"Your order {code} is confirmed"
            )
    finally:
        stop.set()
        await serving
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert details.order.status.value == "confirmed"


async def _health(client: httpx.AsyncClient) -> int:
    try:
        return (await client.get("/healthz")).status_code
    except httpx.TransportError:
        return 0
