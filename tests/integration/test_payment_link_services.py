"""The payment-link services against the real Mercado Pago adapter and its strict
double: what a lost webhook, a cancelled order and two refund senders must not break."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.payments.mercadopago import MercadoPago
from core.domain.actors import customer
from core.domain.money import Money
from core.domain.orders import OrderStatus, PaymentMethod
from core.services import orders, payment_links, payments
from core.services.provider_refunds import _claim, send_due_refunds
from tests.conftest import MERCHANT, add_product, buy, new_buyer
from tests.mercadopago_double import MercadoPagoDouble

pytestmark = pytest.mark.sqlite_only  # the services' decisions; the store is tested elsewhere


@pytest.fixture
async def mp(shop, clock):
    async with MercadoPagoDouble(clock=clock) as double:
        provider = MercadoPago(
            double.access_token, double.webhook_secret, double.base_url, "http://127.0.0.1:8080"
        )
        shop.payment_providers = (provider,)
        yield double
        shop.payment_providers = ()
        await provider.close()


async def card_order_with_link(shop) -> tuple[str, str]:
    product = await add_product(shop, "TAZA", price="189.00", stock=5)
    order = await buy(shop, await new_buyer(shop), {product: 1}, PaymentMethod.CARD)
    link = await payment_links.link_for(shop, order.code)
    return order.code, link.url.rpartition("pref_id=")[2]


async def test_a_page_paid_after_the_order_was_cancelled_is_found_without_its_webhook_and_refunded(
    shop, clock, mp
):
    code, preference = await card_order_with_link(shop)
    clock.advance(minutes=6)  # the first reconciliation run finds nothing to pay
    assert (await payment_links.reconcile(shop)).outcomes == {}
    buyer_id = (await orders.order_details(shop, code, MERCHANT)).order.customer_id
    await orders.cancel_by_customer(shop, customer(buyer_id), code, "Me equivoqué")
    clock.advance(minutes=1)
    assert (await payment_links.reconcile(shop)).closed == 0  # its page is still open

    mp.customer_pays(preference)  # on the page still open; the webhook is lost
    clock.advance(minutes=6)
    run = await payment_links.reconcile(shop)

    assert run.outcomes == {code: "refunded"}
    assert [(r["amount"], str(r["payment_id"])) for r in mp.refunds] == [
        (288.0, next(iter(mp.payments)))
    ]
    details = await orders.order_details(shop, code, MERCHANT)
    assert details.order.status is OrderStatus.CANCELLED
    assert [p.status for p in details.payments if p.provider == "mercadopago"] == ["refunded"]


async def test_two_senders_at_once_ask_the_provider_for_a_refund_once(shop, clock, mp):
    code, preference = await card_order_with_link(shop)
    mp.customer_pays(preference)
    clock.advance(minutes=6)
    await payment_links.reconcile(shop)
    mp.fail_next(status=503)  # the admin's refund gets no answer: it waits in the queue
    await payments.refund_order(shop, MERCHANT, code, Money(5000, "MXN"))
    assert mp.refunds == []
    async with shop.uow(write=False) as uow:
        [queued] = await uow.provider_refunds.due(shop.now() + timedelta(hours=1))
    assert queued.idempotency_key == f"refund:mercadopago:{next(iter(mp.payments))}:5000"
    clock.advance(minutes=5)

    # Two workers' jobs both see it due; one claims it and asks the provider.
    runs = await asyncio.gather(send_due_refunds(shop), send_due_refunds(shop))

    assert sorted(len(run.done) for run in runs) == [0, 1]
    refund_calls = [c for c in mp.calls if c.method == "POST" and c.path.endswith("/refunds")]
    assert len(refund_calls) == 2  # the one that got no answer, and this one
    assert [r["amount"] for r in mp.refunds] == [50.0]


async def test_a_refund_whose_sender_died_is_sent_after_its_claim_runs_out(shop, clock, mp):
    code, preference = await card_order_with_link(shop)
    mp.customer_pays(preference)
    clock.advance(minutes=6)
    await payment_links.reconcile(shop)
    mp.fail_next(status=503)
    await payments.refund_order(shop, MERCHANT, code, Money(5000, "MXN"))
    clock.advance(minutes=5)
    async with shop.uow(write=False) as uow:
        [queued] = await uow.provider_refunds.due(shop.now())
    assert await _claim(shop, queued)  # a worker takes it and dies before asking

    assert (await send_due_refunds(shop)).done == []  # held meanwhile
    clock.advance(minutes=3)
    assert len((await send_due_refunds(shop)).done) == 1
    assert [r["amount"] for r in mp.refunds] == [50.0]
