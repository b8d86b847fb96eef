"""The payment webhooks and the return page, served over real HTTP by uvicorn, with the
shop's providers talking to the Mercado Pago and Stripe doubles: a notice is believed
only when signed, only to say which payment to read; the provider is then read, and the
payment recorded once however often the notice comes."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import stripe

from bot.payments.mercadopago import MercadoPago
from bot.payments.stripe import Stripe
from bot.payments.web import payments_router
from bot.web import create_app
from core.domain.money import Money
from core.domain.orders import OrderStatus
from core.domain.payment_links import LinkRequest
from core.services import orders, outbox, payment_links
from core.services.context import Shop
from tests.conftest import MERCHANT, Clock
from tests.e2e.telegram_driver import bound_socket, serve_on
from tests.integration.test_payments_and_expiry import card_order
from tests.mercadopago_double import MercadoPagoDouble
from tests.stripe_double import StripeApiDouble

MP_WEBHOOK = "/payments/mercadopago/webhook"
STRIPE_WEBHOOK = "/payments/stripe/webhook"


@dataclass
class Payments:
    """The shop's web app on 127.0.0.1 (`url`) and the providers' doubles."""

    shop: Shop
    url: str
    mp: MercadoPagoDouble
    stripe: StripeApiDouble

    async def mp_link(self, code: str) -> str:
        """The preference the customer pays at for this order."""
        offer = await payment_links.link_for(self.shop, code)
        assert offer.provider == "mercadopago"
        return offer.url.rpartition("pref_id=")[2]

    async def stripe_link(self, code: str) -> str:
        """The Checkout Session the customer pays at for this order."""
        offer = await payment_links.link_for(self.shop, code)
        assert offer.provider == "stripe"
        return offer.url.rpartition("/")[2]

    def api_reads(self) -> int:
        """Payments read from Mercado Pago's API so far."""
        return sum(1 for c in self.mp.calls if c.path.startswith("/v1/payments"))

    async def post(self, path: str, **kwargs: object) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            return await client.request("POST", path, **kwargs)  # type: ignore[arg-type]

    async def mp_notice(
        self, data_id: str, kind: str = "payment", action: str = "payment.updated"
    ) -> httpx.Response:
        """A notice signed as Mercado Pago signs it, answered in full (notify() gives the
        status only)."""
        request_id = str(uuid.uuid4())
        body = {"action": action, "api_version": "v1", "data": {"id": data_id}, "type": kind}
        return await self.post(
            MP_WEBHOOK,
            params={"data.id": data_id, "type": kind},
            content=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "x-request-id": request_id,
                "x-signature": self.mp.signature(data_id, request_id),
            },
        )


@asynccontextmanager
async def payments_app(
    shop: Shop, clock: Clock, providers: tuple[str, ...] = ("mercadopago", "stripe")
) -> AsyncIterator[Payments]:
    async with MercadoPagoDouble(clock=clock) as mp, StripeApiDouble() as stripe_api:
        sock = bound_socket()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        made = {
            "mercadopago": lambda: MercadoPago(
                mp.access_token, mp.webhook_secret, mp.base_url, url
            ),
            "stripe": lambda: Stripe(
                stripe_api.secret_key, stripe_api.webhook_secret, stripe_api.base_url, url
            ),
        }
        shop.payment_providers = tuple(made[name]() for name in providers)
        server, task = serve_on(create_app(shop, [payments_router(shop)]), sock)
        closed_cleanly = False
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            yield Payments(shop, url, mp, stripe_api)
            closed_cleanly = True
        finally:
            server.should_exit = True
            await asyncio.gather(task, return_exceptions=True)
            for provider in shop.payment_providers:
                await provider.close()
            shop.payment_providers = ()
            sock.close()
        if closed_cleanly:  # a failing test's own error is the one to read
            mp.check_at_close()
            assert stripe_api.rejected == []


async def recorded(shop: Shop, code: str) -> list[str | None]:
    """The money the order holds: each payment's charge, "<provider>:<its payment id>"."""
    details = await orders.order_details(shop, code, MERCHANT)
    return [p.provider_charge_id for p in details.payments if p.holds_money]


async def status_of(shop: Shop, code: str) -> OrderStatus:
    return (await orders.order_details(shop, code, MERCHANT)).order.status


# ---- Mercado Pago: signatures ------------------------------------------------------------


async def test_an_unsigned_or_wrongly_signed_mercadopago_notice_is_refused_and_changes_nothing(
    shop, clock
):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        paid = pay.mp.customer_pays(await pay.mp_link(order.code))
        messages = len(await outbox.messages(shop))

        assert await pay.mp.notify(paid, signed=False) == 401
        assert await pay.mp.notify(paid, secret="not-our-secret") == 401

        assert pay.api_reads() == 0  # not even read: the call is not believed
        assert await recorded(shop, order.code) == []
        assert await status_of(shop, order.code) is OrderStatus.PENDING_PAYMENT
        assert len(await outbox.messages(shop)) == messages
        # The control: the same notice signed with our secret pays the order.
        assert await pay.mp.notify(paid) == 200
        assert await recorded(shop, order.code) == [f"mercadopago:{paid}"]


async def test_a_signature_made_for_one_payment_does_not_pass_for_another(shop, clock):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        paid = pay.mp.customer_pays(await pay.mp_link(order.code))
        request_id = str(uuid.uuid4())
        answer = await pay.post(
            MP_WEBHOOK,
            params={"data.id": paid, "type": "payment"},
            content=json.dumps({"type": "payment", "data": {"id": paid}}).encode(),
            headers={
                "x-request-id": request_id,
                "x-signature": pay.mp.signature("12345678901", request_id),
            },
        )
        assert answer.status_code == 401
        assert pay.api_reads() == 0
        assert await recorded(shop, order.code) == []


# ---- Mercado Pago: the provider read, once ---------------------------------------------


async def test_a_notice_while_mercadopago_is_down_is_answered_503_then_recorded_once_redelivered(
    shop, clock
):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        paid = pay.mp.customer_pays(await pay.mp_link(order.code))
        pay.mp.fail_next(503)

        assert await pay.mp.notify(paid) == 503  # Mercado Pago delivers it again later
        assert await recorded(shop, order.code) == []
        assert await status_of(shop, order.code) is OrderStatus.PENDING_PAYMENT

        assert await pay.mp.notify(paid) == 200
        assert await recorded(shop, order.code) == [f"mercadopago:{paid}"]
        assert await status_of(shop, order.code) is not OrderStatus.PENDING_PAYMENT
        messages = await outbox.messages(shop)

        answer = await pay.mp_notice(paid)  # and once more, as providers do
        assert answer.status_code == 200
        assert answer.json()["orders"] == {order.code: "already_recorded"}
        assert await recorded(shop, order.code) == [f"mercadopago:{paid}"]
        assert await outbox.messages(shop) == messages  # nobody told twice


async def test_a_signed_notice_about_a_payment_of_an_order_not_ours_is_answered_and_ignored(
    shop, clock
):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        [mercadopago, _stripe] = shop.payment_providers
        stranger = await mercadopago.create_link(
            LinkRequest(
                "PED-ZZZZ",
                Money(10000, "MXN"),
                "Otra tienda",
                clock.now + timedelta(minutes=30),
                "PED-ZZZZ:link:1",
            )
        )
        paid = pay.mp.customer_pays(stranger.provider_ref)
        messages = await outbox.messages(shop)

        answer = await pay.mp_notice(paid)

        assert answer.status_code == 200  # else Mercado Pago would send it for days
        assert answer.json()["orders"] == {"PED-ZZZZ": "ignored"}
        assert pay.api_reads() == 1  # it was read, and found to name no order of ours
        assert await outbox.messages(shop) == messages
        assert await status_of(shop, order.code) is OrderStatus.PENDING_PAYMENT


async def test_a_signed_notice_about_a_payment_mercadopago_does_not_have_is_answered_once(
    shop, clock
):
    """Mercado Pago's panel sends a test notice naming payment 123456: sending it again
    would never help, so it is answered 200 and nothing changes."""
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        pay.mp.expect_rejections("^404")
        messages = await outbox.messages(shop)

        answer = await pay.mp_notice("123456")

        assert answer.status_code == 200
        assert answer.json() == {"status": "ignored"}
        assert await outbox.messages(shop) == messages
        assert await status_of(shop, order.code) is OrderStatus.PENDING_PAYMENT


async def test_a_signed_merchant_order_notice_is_answered_and_reads_nothing(shop, clock):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        pay.mp.customer_pays(await pay.mp_link(order.code))
        calls = len(pay.mp.calls)

        answer = await pay.mp_notice("31207415638", kind="topic_merchant_order_wh", action="update")

        assert answer.status_code == 200
        assert answer.json() == {"status": "ignored"}
        assert len(pay.mp.calls) == calls
        assert await recorded(shop, order.code) == []


async def test_a_pending_oxxo_voucher_notice_keeps_the_order_waiting_and_its_cash_pays_it(
    shop, clock
):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock) as pay:
        voucher = pay.mp.customer_pays(await pay.mp_link(order.code), method="oxxo")

        answer = await pay.mp_notice(voucher)
        assert answer.json()["orders"] == {order.code: "pending"}
        assert await status_of(shop, order.code) is OrderStatus.PENDING_PAYMENT
        assert await recorded(shop, order.code) == []

        pay.mp.approve(voucher)
        assert (await pay.mp_notice(voucher)).json()["orders"] == {order.code: "paid"}
        assert await recorded(shop, order.code) == [f"mercadopago:{voucher}"]


# ---- Stripe ------------------------------------------------------------------------------


async def test_a_stripe_event_whose_body_was_changed_after_signing_is_refused(shop, clock):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock, providers=("stripe",)) as pay:
        session = await pay.stripe_link(order.code)
        intent = pay.stripe.customer_pays(session)
        headers, body, _event = pay.stripe.delivery("checkout.session.completed", session)
        # Same signature, another body: pointing the event at another session.
        tampered = body.replace(session.encode(), b"cs_test_" + b"x" * (len(session) - 8))
        assert tampered != body

        answer = await pay.post(STRIPE_WEBHOOK, content=tampered, headers=headers)
        assert answer.status_code == 401
        assert await recorded(shop, order.code) == []
        assert await status_of(shop, order.code) is OrderStatus.PENDING_PAYMENT
        # An unsigned one too.
        unsigned = {k: v for k, v in headers.items() if k != "Stripe-Signature"}
        assert (await pay.post(STRIPE_WEBHOOK, content=body, headers=unsigned)).status_code == 401
        assert await recorded(shop, order.code) == []

        # The control: the bytes Stripe signed pay the order.
        answer = await pay.post(STRIPE_WEBHOOK, content=body, headers=headers)
        assert answer.status_code == 200
        assert answer.json()["orders"] == {order.code: "paid"}
        assert await recorded(shop, order.code) == [f"stripe:{intent}"]


async def test_a_stripe_event_signed_longer_ago_than_the_librarys_tolerance_is_refused(shop, clock):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock, providers=("stripe",)) as pay:
        session = await pay.stripe_link(order.code)
        pay.stripe.customer_pays(session)
        url = pay.url + STRIPE_WEBHOOK
        stale = int(time.time()) - stripe.Webhook.DEFAULT_TOLERANCE - 60
        assert (
            await pay.stripe.send_event("checkout.session.completed", session, url, timestamp=stale)
            == 401
        )
        assert await recorded(shop, order.code) == []
        assert await pay.stripe.send_event("checkout.session.completed", session, url) == 200


# ---- a provider not configured -----------------------------------------------------------


async def test_a_webhook_for_a_provider_not_configured_is_not_found(shop, clock):
    _product, _buyer, order = await card_order(shop)
    async with payments_app(shop, clock, providers=("mercadopago",)) as pay:
        headers = {"Stripe-Signature": pay.stripe.signature(b"{}")}
        answer = await pay.post(STRIPE_WEBHOOK, content=b"{}", headers=headers)
        assert answer.status_code == 404
    async with payments_app(shop, clock, providers=("stripe",)) as pay:
        assert (await pay.mp_notice("12345678901")).status_code == 404
        assert await recorded(shop, order.code) == []


# ---- the page customers come back to -------------------------------------------------------


async def test_the_return_page_thanks_the_customer_in_the_shops_language(shop, clock):
    async with payments_app(shop, clock) as pay, httpx.AsyncClient(base_url=pay.url) as client:
        page = await client.get("/payments/return")
        from_stripe = await client.get("/payments/return", params={"provider": "stripe"})
    for answer in (page, from_stripe):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert '<html lang="es"' in answer.text
        assert "Gracias" in answer.text
        assert "volver al chat" in answer.text
        assert shop.settings.store_name in answer.text


async def test_the_return_page_is_in_english_for_an_english_shop_and_escapes_the_name(shop, clock):
    shop.settings = shop.settings.model_copy(
        update={"default_locale": "en", "store_name": "Tacos <b>&</b> Co"}
    )
    async with payments_app(shop, clock) as pay, httpx.AsyncClient(base_url=pay.url) as client:
        page = await client.get("/payments/return", params={"provider": "stripe"})
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    assert "Thank you" in page.text
    assert "Tacos &lt;b&gt;&amp;&lt;/b&gt; Co" in page.text
    assert "<b>" not in page.text
