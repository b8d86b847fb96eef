"""The shop on a chat channel with a payment-link provider, for the payment journeys of
issue #16: WhatsApp (Graph API double) with Mercado Pago, Telegram (Bot API double,
without Telegram's own invoices) with Stripe.

One web app serves the channel's webhook and the payment routes (as `bot.runner.serve`
assembles them), on a real socket: the provider doubles POST their webhooks to it over
HTTP, signed as the providers sign them. The real adapters (bot/payments/) talk to the
provider doubles over HTTP. Every double shares the shop's clock (the test's `clock`),
so a link's expiry, a voucher's deadline and the order's reservation are on one time
line. At close each double asserts it refused nothing the test did not declare."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.channels import roster
from bot.payments.mercadopago import MercadoPago
from bot.payments.stripe import Stripe
from bot.payments.web import payments_router
from bot.telegram.channel import TelegramChannel
from bot.web import create_app
from bot.whatsapp.channel import WhatsAppChannel
from core.services import orders, web
from core.services.context import Shop
from core.services.orders import OrderDetails
from tests.conftest import MERCHANT, Clock, test_channels, test_settings
from tests.e2e.telegram_driver import (
    ONE_LINE_ADDRESS,
    TelegramHarness,
    TelegramUser,
    bound_socket,
    pace_on,
    serve_on,
)
from tests.e2e.whatsapp_driver import WhatsAppHarness, WhatsAppUser
from tests.mercadopago_double import MercadoPagoDouble
from tests.stripe_double import StripeApiDouble
from tests.telegram_double import BotApiDouble
from tests.virtual_clock import VirtualClock
from tests.whatsapp_double import GraphApiDouble

WA_ADMIN = "5215500000001"
TG_ADMIN = 9001
ORDER_CODE = re.compile(r"PED-\w{5}")


# -- WhatsApp + Mercado Pago ---------------------------------------------------------------


@dataclass
class WhatsAppPayments:
    wa: WhatsAppHarness
    mp: MercadoPagoDouble
    app_url: str  # the web app: PUBLIC_URL, where Mercado Pago sends its notices

    @property
    def shop(self) -> Shop:
        return self.wa.shop

    @property
    def webhook(self) -> str:
        return f"{self.app_url}/payments/mercadopago/webhook"

    def preference_of(self, url: str) -> dict:
        """The preference whose checkout page (init_point) is this URL."""
        [found] = [p for p in self.mp.preferences.values() if p["init_point"] == url]
        return found


@asynccontextmanager
async def whatsapp_with_mercadopago(shop: Shop, clock: Clock) -> AsyncIterator[WhatsAppPayments]:
    pacing = VirtualClock()
    async with (
        GraphApiDouble(
            templates={"pedido_actualizacion": {"es_MX", "en_US"}},
            rate_clock=pacing,
            clock=lambda: clock.now.timestamp(),  # the 24-hour window on the shop's time
        ) as double,
        MercadoPagoDouble(clock=lambda: clock.now) as mp,
    ):
        sock = bound_socket()
        app_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = test_settings(str(shop.db.url), port=sock.getsockname()[1])
        channels = test_channels(
            whatsapp_phone_id=double.phone_id,
            whatsapp_token=double.token,
            whatsapp_app_secret=double.app_secret,
            whatsapp_verify_token="verify-me",
            whatsapp_api_url=double.base_url,
            admin_whatsapp_numbers=WA_ADMIN,
        )
        [whatsapp] = [c for c in channels if c.name == "whatsapp"]
        provider = MercadoPago(mp.access_token, mp.webhook_secret, mp.base_url, app_url)
        pay_shop = Shop(
            shop.db,
            settings,
            clock=shop.clock,
            channels=roster(channels),
            payment_providers=(provider,),
        )
        channel = WhatsAppChannel(pay_shop, whatsapp.settings)
        pace_on(channel, pacing)
        app = create_app(pay_shop, [whatsapp.router(channel), payments_router(pay_shop)])
        server, task = serve_on(app, sock)
        await double.until(lambda: server.started)
        harness = WhatsAppHarness(pay_shop, double, channel, f"{app_url}/whatsapp/webhook", pacing)
        closed_cleanly = False
        try:
            yield WhatsAppPayments(harness, mp, app_url)
            await channel.drain()
            closed_cleanly = True
        finally:
            server.should_exit = True
            await asyncio.gather(task, return_exceptions=True)
            await channel.close()
            await provider.close()
            sock.close()
        if closed_cleanly:  # a failing test's own error is the one to read
            double.check_at_close()
            mp.check_at_close()


async def whatsapp_card_order(ana: WhatsAppUser, product: str = "Vela de lavanda") -> str:
    """Ana buys one of the product on WhatsApp and pays by card; the order's code."""
    await ana.says("Hola")
    await ana.taps("Catálogo")
    await ana.taps("Hogar")
    await ana.taps(product)
    await ana.taps("Agregar 1")
    await ana.taps("Finalizar compra")
    await ana.says("Ana López")
    await ana.says("55 1234 5678")
    await ana.says("Calle Hidalgo 14")
    await ana.says("Centro")
    await ana.says("Mérida")
    await ana.says("Yucatán")
    await ana.says("97000")
    await ana.taps("Sin referencias")
    await ana.taps("Estándar")
    await ana.taps("Tarjeta")
    placed = await ana.taps("Confirmar pedido")
    found = ORDER_CODE.search(placed)
    assert found, placed
    return found.group(0)


async def as_read(shop: Shop, code: str, words: str) -> str:
    """A notice about the order as its customer reads it here: its words, then its
    tracking page written out (the page is on 127.0.0.1, which no phone opens, so it is
    no button: bot/links.py)."""
    return f"{words}\n\n🔗 Seguir en línea: {await web.tracking_url(shop, code)}"


def cta_links(wa: WhatsAppHarness, wa_id: str) -> list[tuple[str, str, str]]:
    """Every link message sent to the user: (its text, the button's label, its URL)."""
    found = []
    for body in wa.double.sent(wa_id):
        interactive = body.get("interactive") or {}
        if interactive.get("type") == "cta_url":
            parameters = interactive["action"]["parameters"]
            found.append(
                (interactive["body"]["text"], parameters["display_text"], parameters["url"])
            )
    return found


def whatsapp_texts(wa: WhatsAppHarness, wa_id: str) -> list[str]:
    return wa.double.texts(wa_id)


# -- Telegram + Stripe ---------------------------------------------------------------------


@dataclass
class TelegramPayments:
    tg: TelegramHarness
    stripe: StripeApiDouble
    app_url: str

    @property
    def shop(self) -> Shop:
        return self.tg.shop

    @property
    def webhook(self) -> str:
        return f"{self.app_url}/payments/stripe/webhook"

    def session_of(self, url: str) -> dict:
        """The Checkout Session whose page is this URL."""
        [found] = [s for s in self.stripe.sessions.values() if s["url"] == url]
        return self.stripe.session(found["id"])


@asynccontextmanager
async def telegram_with_stripe(shop: Shop, clock: Clock) -> AsyncIterator[TelegramPayments]:
    """Telegram by webhook, with no Telegram payments token: a card is paid through a
    Stripe Checkout link."""
    pacing = VirtualClock()
    async with (
        BotApiDouble(clock=pacing) as double,
        StripeApiDouble(clock=lambda: clock.now.timestamp()) as stripe_api,
    ):
        sock = bound_socket()
        port = sock.getsockname()[1]
        app_url = f"http://127.0.0.1:{port}"
        settings = test_settings(str(shop.db.url), port=port)
        channels = test_channels(
            telegram_bot_token=double.token,
            telegram_api_url=double.base_url,
            admin_telegram_ids=str(TG_ADMIN),
            telegram_webhook_url=f"{app_url}/telegram/webhook",
        )
        [telegram] = [c for c in channels if c.name == "telegram"]
        provider = Stripe(
            stripe_api.secret_key,
            stripe_api.webhook_secret,
            stripe_api.base_url,
            app_url,
            clock=shop.clock,
        )
        pay_shop = Shop(
            shop.db,
            settings,
            clock=shop.clock,
            channels=roster(channels),
            payment_providers=(provider,),
        )
        channel = TelegramChannel(pay_shop, telegram.settings)
        pace_on(channel, pacing)
        harness = TelegramHarness(pay_shop, double, channel, "webhook", pacing)
        app = create_app(pay_shop, [telegram.router(channel), payments_router(pay_shop)])
        server, serving = serve_on(app, sock)
        await double.until(lambda: server.started)
        await channel.set_webhook(
            channel.settings.telegram_webhook_url, channel.settings.webhook_secret()
        )
        closed_cleanly = False
        try:
            yield TelegramPayments(harness, stripe_api, app_url)
            await channel.drain()
            closed_cleanly = True
        finally:
            server.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)
            await channel.close()
            await provider.close()
            sock.close()
        if closed_cleanly:
            double.check_at_close()
            assert stripe_api.rejected == [], stripe_api.rejected


async def telegram_card_order(ana: TelegramUser) -> str:
    """Ana buys a red cap on Telegram and pays by card; the order's code."""
    await ana.says("/start")
    await ana.presses("Catálogo")
    await ana.presses("Accesorios")
    await ana.presses("Gorra roja")
    await ana.presses("Agregar 1")
    await ana.presses("Finalizar compra")
    await ana.says("Ana López")
    await ana.shares_contact("+52 55 1234 5678")
    await ana.shares_location(19.4326, -99.1332)
    await ana.says(ONE_LINE_ADDRESS)
    await ana.presses("Correcto")
    await ana.presses("Sin referencias")
    await ana.presses("Estándar")
    await ana.presses("Tarjeta")
    placed = await ana.presses("Confirmar pedido")
    found = ORDER_CODE.search(placed)
    assert found, placed
    return found.group(0)


def url_buttons(user: TelegramUser) -> list[tuple[str, str, str]]:
    """Every URL button in the user's chat: (the message's text, the label, the URL)."""
    found = []
    for message in user.chat:
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if "url" in button:
                    found.append((message.text, button["text"], button["url"]))
    return found


# -- the database, as the merchant's tools read it -------------------------------------------


async def details(shop: Shop, code: str) -> OrderDetails:
    return await orders.order_details(shop, code, MERCHANT)


def paid_rows(found: OrderDetails) -> list[str]:
    """The charge ids of the order's payments that took money."""
    return [p.provider_charge_id or "" for p in found.payments if p.was_paid]
