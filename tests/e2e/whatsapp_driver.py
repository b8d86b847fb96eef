"""Drives the WhatsApp channel against the Graph API double through the real webhook:
people write, tap reply buttons and list rows, share locations and send catalog orders;
every webhook call is signed as Meta signs it.

The bot runs with its production pacing against the double's throughput and pair rate
limits, both on one virtual clock (a pacing wait costs no real time); each webhook
delivered is a person acting, a few seconds after the last. At close every harness
asserts no refused call (unless the test declared it with ``double.expect_rejections``),
every tap answered and no crash apology sent."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from bot.channels import roster
from bot.dispatcher import OutboxDispatcher
from bot.web import create_app
from bot.whatsapp.channel import WhatsAppChannel
from core.services.context import Shop
from tests.e2e.telegram_driver import bound_socket, pace_on, serve_on
from tests.virtual_clock import VirtualClock
from tests.whatsapp_double import GraphApiDouble

# A person reads the answer before they type or tap again: the virtual time that passes
# between two webhooks the harness delivers.
SECONDS_BETWEEN_ACTIONS = 3.0


class WhatsAppHarness:
    def __init__(
        self,
        shop: Shop,
        double: GraphApiDouble,
        channel: WhatsAppChannel,
        url: str,
        clock: VirtualClock,
    ):
        self.shop, self.double, self.channel, self.url = shop, double, channel, url
        self.clock = clock

    async def deliver(self, payload: dict, *, signature: str | None = "valid") -> int:
        self.clock.advance(SECONDS_BETWEEN_ACTIONS)
        status = await self.double.post_webhook(self.url, payload, signature=signature)
        await self.channel.drain()
        return status

    async def outbox(self) -> None:
        dispatcher = OutboxDispatcher(self.shop, [self.channel])
        while await dispatcher.run_once():
            pass


class WhatsAppUser:
    def __init__(self, harness: WhatsAppHarness, wa_id: str, name: str = "Ana") -> None:
        self.h, self.wa_id, self.name = harness, wa_id, name

    def screen(self, last: int = 6) -> str:
        return "\n".join(self.h.double.texts(self.wa_id)[-last:])

    async def says(self, text: str) -> str:
        update = self.h.double.user_text(self.wa_id, text, name=self.name)
        assert await self.h.deliver(update) == 200
        return self.screen()

    async def taps(self, label: str) -> str:
        """Tap the newest reply button or list row whose title starts with label."""
        for body in reversed(self.h.double.sent(self.wa_id)):
            interactive = body.get("interactive") or {}
            if interactive.get("type") == "button":
                for button in interactive["action"]["buttons"]:
                    if button["reply"]["title"].startswith(label):
                        update = self.h.double.user_presses_button(
                            self.wa_id, body["_wamid"], button["reply"]["id"], name=self.name
                        )
                        assert await self.h.deliver(update) == 200
                        return self.screen()
            if interactive.get("type") == "list":
                for section in interactive["action"]["sections"]:
                    for row in section["rows"]:
                        if row["title"].startswith(label):
                            update = self.h.double.user_picks_row(
                                self.wa_id, body["_wamid"], row["id"], name=self.name
                            )
                            assert await self.h.deliver(update) == 200
                            return self.screen()
        raise AssertionError(f"no button or row {label!r} for {self.wa_id}")

    async def shares_location(self, latitude: float, longitude: float) -> str:
        update = self.h.double.user_location(self.wa_id, latitude, longitude)
        assert await self.h.deliver(update) == 200
        return self.screen()


@asynccontextmanager
async def whatsapp_shop(shop: Shop, *, public_url: str = "", **double_options):
    """public_url: PUBLIC_URL (none: the web app's pages are on 127.0.0.1)."""
    from tests.conftest import test_channels, test_settings

    clock = VirtualClock()
    async with GraphApiDouble(
        templates={"pedido_actualizacion": {"es_MX", "en_US"}}, rate_clock=clock, **double_options
    ) as double:
        sock = bound_socket()
        port = sock.getsockname()[1]
        settings = test_settings(str(shop.db.url), port=port, public_url=public_url)
        channels = test_channels(
            whatsapp_phone_id=double.phone_id,
            whatsapp_token=double.token,
            whatsapp_app_secret=double.app_secret or "replaced-below",
            whatsapp_verify_token="verify-me",
            whatsapp_api_url=double.base_url,
            admin_whatsapp_numbers="5215500000001",
        )
        [whatsapp] = [c for c in channels if c.name == "whatsapp"]
        if not double.app_secret:
            # A double that signs with an empty key stands for settings that reached the
            # channel without validation: the webhook's own check must still refuse.
            whatsapp.settings = whatsapp.settings.model_copy(update={"whatsapp_app_secret": ""})
        wa_shop = Shop(shop.db, settings, clock=shop.clock, channels=roster(channels))
        channel = WhatsAppChannel(wa_shop, whatsapp.settings)
        pace_on(channel, clock)
        server, task = serve_on(create_app(wa_shop, [whatsapp.router(channel)]), sock)
        await double.until(lambda: server.started)
        url = f"http://127.0.0.1:{port}/whatsapp/webhook"
        closed_cleanly = False
        try:
            yield WhatsAppHarness(wa_shop, double, channel, url, clock)
            await channel.drain()
            closed_cleanly = True
        finally:
            server.should_exit = True
            await asyncio.gather(task, return_exceptions=True)
            await channel.close()
            sock.close()
        if closed_cleanly:  # a failing test's own error is the one to read
            double.check_at_close()
