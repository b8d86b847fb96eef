"""Paying by card on Telegram through a Stripe Checkout link (issue #16), end to end: the
shop has no Telegram payments token, so the card is paid on Stripe's page. Customer and
merchant chat through the Bot API double by webhook; the real Stripe adapter (the
official package) talks to the Stripe double over HTTP, and the double delivers its
events to the same web app, signed as Stripe signs them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain.actors import customer
from core.services import catalog, expiry, orders, payment_links, returns, shipping
from core.services.provider_refunds import send_due_refunds
from tests.conftest import MERCHANT
from tests.e2e.payment_links_harness import (
    TG_ADMIN,
    TelegramPayments,
    as_read,
    details,
    paid_rows,
    telegram_card_order,
    telegram_with_stripe,
    url_buttons,
)
from tests.e2e.telegram_driver import TelegramUser
from tests.telegram_double import StoredMessage

pytestmark = pytest.mark.sqlite_only  # the journeys, not the store: see tests/conftest.py

ANA = 5001
TOTAL = "$328.00 MXN"  # a red cap (229.00) and standard shipping (99.00)
PAID = "✅ Recibimos tu pago del pedido {code}. ¡Gracias!"


async def paid_notice(pay: TelegramPayments, code: str) -> str:
    """The payment-received notice as Ana reads it."""
    return await as_read(pay.shop, code, PAID.format(code=code))


COMPLETED = "checkout.session.completed"


async def ana_orders(pay: TelegramPayments) -> tuple[TelegramUser, TelegramUser, str, str]:
    """The merchant opened the bot; Ana ordered a cap paying by card and got the link.
    Returns the admin, Ana, the order code and the Checkout Session id."""
    admin = TelegramUser(pay.tg, TG_ADMIN, name="Dueña")
    await admin.says("/start")  # the merchant opened the bot once (Telegram needs it)
    ana = TelegramUser(pay.tg, ANA)
    code = await telegram_card_order(ana)
    await pay.tg.outbox()  # the merchant hears of the new order
    [(_, _, url)] = url_buttons(ana)
    return admin, ana, code, pay.session_of(url)["id"]


def texts(user: TelegramUser) -> list[str]:
    return [m.text for m in user.chat]


def order_view(user: TelegramUser, code: str) -> StoredMessage:
    """The newest message showing the order (sent, or a menu edited into it)."""
    shown = [m for m in user.chat if f"Pedido {code}:" in m.text.partition("\n")[0]]
    assert shown, texts(user)
    return max(shown, key=lambda m: (m.edited, m.message_id))


def labels(message: StoredMessage) -> list[str]:
    return [label for row in message.buttons for label in row]


async def test_a_card_paid_on_stripes_checkout_page_confirms_the_order_once(demo_shop, clock):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        admin, ana, code, session_id = await ana_orders(pay)

        [(text, label, url)] = url_buttons(ana)
        assert f"Pedido {code} realizado. Total: {TOTAL}" in text
        assert "en la página segura de Stripe" in text
        assert label == "Pagar ahora"
        session = pay.stripe.session(session_id)
        assert url == session["url"] and session["client_reference_id"] == code
        assert session["amount_total"] == 32800
        assert not [m for m in ana.chat if m.kind == "invoice"]  # no Telegram invoice

        intent = pay.stripe.customer_pays(session_id)
        # A forged event first (signed with another secret), then one unsigned: refused.
        wrong = "whsec_someone_else_0000000000000000"
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook, secret=wrong) == 401
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook, signed=False) == 401
        await pay.tg.outbox()
        assert (await details(pay.shop, code)).order.status == "pending_payment"
        assert await paid_notice(pay, code) not in texts(ana)
        # Stripe delivers the real event twice.
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        await pay.tg.outbox()

        found = await details(pay.shop, code)
        assert [(p.status, p.provider_charge_id) for p in found.payments] == [
            ("paid", f"stripe:{intent}")
        ]  # one payment row: the repeats recorded nothing, not even as a second charge
        assert found.order.status == "confirmed"
        assert [e.kind for e in found.timeline].count("paid") == 1
        assert texts(ana).count(await paid_notice(pay, code)) == 1
        online = [t for t in texts(admin) if "se pagó en línea" in t]
        assert online == [
            f"💳 El pedido {code} se pagó en línea: {TOTAL} (Stripe). Ahora está confirmado."
        ]

        card = await admin.says(f"/pedido {code}")
        assert f"Pedido {code}: confirmado" in card and "Pago: Tarjeta ✅" in card
        await ana.presses("Rastrear mi pedido")
        assert "Pagar" not in labels(order_view(ana, code))  # nothing left to pay


async def test_an_oxxo_voucher_keeps_the_order_waiting_past_its_reservation_until_paid(
    demo_shop, clock
):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        _admin, ana, code, session_id = await ana_orders(pay)
        pay.stripe.customer_pays(session_id, method="oxxo")
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        await pay.tg.outbox()

        oxxo = pay.stripe.intent_of(session_id)["next_action"]["oxxo_display_details"]
        notice, label, voucher_url = url_buttons(ana)[-1]
        assert (
            f"Tu pago de {TOTAL} del pedido {code} está pendiente: confirmamos tu pedido "
            "en cuanto se acredite." in notice
        )
        assert f"Págalo en OXXO con esta referencia: {oxxo['number']}" in notice
        assert (label, voucher_url) == ("Ver la ficha de pago", oxxo["hosted_voucher_url"])
        cap = await catalog.get_product(demo_shop, sku="GOR-ROJA")

        clock.now += timedelta(hours=2)  # the 30-minute reservation is long over
        assert code not in (await expiry.run_expiry(pay.shop)).expired_unpaid
        found = await details(pay.shop, code)
        assert found.order.status == "pending_payment"
        assert int(found.order.expires_at.timestamp()) == oxxo["expires_after"]
        assert (await catalog.get_product(demo_shop, sku="GOR-ROJA")).reserved == cap.reserved

        pay.stripe.async_payment_succeeds(session_id)
        event = "checkout.session.async_payment_succeeded"
        assert await pay.stripe.send_event(event, session_id, pay.webhook) == 200
        await pay.tg.outbox()
        assert (await details(pay.shop, code)).order.status == "confirmed"
        assert texts(ana)[-1] == await paid_notice(pay, code)


async def test_a_declined_card_is_told_and_try_again_brings_back_the_open_page(demo_shop, clock):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        _admin, ana, code, session_id = await ana_orders(pay)
        [(_, _, url)] = url_buttons(ana)
        intent = pay.stripe.card_declined(session_id)
        assert await pay.stripe.send_event("payment_intent.payment_failed", intent, pay.webhook)
        await pay.tg.outbox()
        assert f"Tu pago del pedido {code} no se completó y no se te cobró nada." in texts(ana)[-1]

        await ana.presses("Intentar de nuevo")
        assert url_buttons(ana)[-1][1:] == ("Pagar ahora", url)
        assert len(pay.stripe.sessions) == 1
        assert (await details(pay.shop, code)).order.status == "pending_payment"


async def test_a_second_declined_card_on_the_same_page_is_told_too(demo_shop, clock):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        _admin, ana, code, session_id = await ana_orders(pay)
        declined = f"Tu pago del pedido {code} no se completó"
        for attempt in (1, 2):
            intent = pay.stripe.card_declined(session_id)
            event = "payment_intent.payment_failed"
            assert await pay.stripe.send_event(event, intent, pay.webhook) == 200
            await pay.tg.outbox()
            assert sum(declined in t for t in texts(ana)) == attempt


async def test_a_payment_on_the_still_open_page_after_the_order_expired_revives_it(
    demo_shop, clock
):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        _admin, ana, code, session_id = await ana_orders(pay)
        cap = await catalog.get_product(demo_shop, sku="GOR-ROJA")
        clock.now += timedelta(minutes=31)
        assert (await expiry.run_expiry(pay.shop)).expired_unpaid == [code]
        await pay.tg.outbox()
        assert any(f"Tu pedido {code} venció" in t for t in texts(ana))
        assert (await catalog.get_product(demo_shop, sku="GOR-ROJA")).reserved == cap.reserved - 1

        # Stripe keeps a session open at least 30 minutes: Ana pays there now.
        assert pay.stripe.session(session_id)["status"] == "open"
        intent = pay.stripe.customer_pays(session_id)
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        await pay.tg.outbox()

        found = await details(pay.shop, code)
        assert found.order.status == "confirmed"
        assert paid_rows(found) == [f"stripe:{intent}"]
        assert (await catalog.get_product(demo_shop, sku="GOR-ROJA")).reserved == cap.reserved
        assert texts(ana).count(await paid_notice(pay, code)) == 1
        [late] = [t for t in texts(TelegramUser(pay.tg, TG_ADMIN)) if "se pagó en línea" in t]
        assert "Había vencido sin pago: sus productos se apartaron de nuevo." in late
        assert pay.stripe.refunds == {}


async def test_the_admins_refund_goes_back_through_stripe_once_with_an_idempotency_key(
    demo_shop, clock
):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        admin, _ana, code, session_id = await ana_orders(pay)
        intent = pay.stripe.customer_pays(session_id)
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200

        answer = await admin.says(f"/reembolso {code} 128.00")
        assert f"Reembolso de $128.00 MXN registrado para el pedido {code}." in answer
        [refund] = pay.stripe.refunds_of(intent)
        assert refund["amount"] == 12800
        [call] = [c for c in pay.stripe.calls if c.path == "/v1/refunds"]
        assert call.idempotency_key and call.status == 200
        # Sent again (the job's next run, Stripe's event delivered again): nothing more.
        assert (await send_due_refunds(pay.shop)).done == []
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        assert len(pay.stripe.refunds_of(intent)) == 1

        found = await details(pay.shop, code)
        [sent] = [e for e in found.timeline if e.kind == "provider_refund"]
        assert sent.data == {"provider": "stripe", "refund_id": refund["id"], "amount": 12800}
        assert found.order.status == "confirmed" and found.paid


async def test_a_refunded_return_gives_the_items_value_back_through_stripe_at_once(
    demo_shop, clock
):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        admin, _ana, code, session_id = await ana_orders(pay)
        intent = pay.stripe.customer_pays(session_id)
        assert await pay.stripe.send_event(COMPLETED, session_id, pay.webhook) == 200
        for step in (orders.start_preparing, orders.mark_packed):
            await step(pay.shop, MERCHANT, code)
        await shipping.ship_order(pay.shop, MERCHANT, code, "dhl", "JD0146000031")
        await orders.mark_delivered(pay.shop, MERCHANT, code)
        ana_id = (await details(pay.shop, code)).order.customer_id
        asked = await returns.request_return(
            pay.shop, customer(ana_id), code, {"GOR-ROJA": 1}, "No me quedó"
        )
        await returns.approve_return(pay.shop, MERCHANT, asked.id)
        await returns.receive_return(pay.shop, MERCHANT, asked.id, {"GOR-ROJA": True})

        await admin.says("/devoluciones")
        await admin.presses(f"#{asked.id} · {code}")
        assert "Reembolso de $229.00 MXN registrado." in await admin.presses("Reembolso")
        [refund] = pay.stripe.refunds_of(intent)
        assert refund["amount"] == 22900  # the cap, not the shipping
        found = await details(pay.shop, code)
        [sent] = [e for e in found.timeline if e.kind == "provider_refund"]
        assert sent.data["refund_id"] == refund["id"]
        assert (await send_due_refunds(pay.shop)).done == []  # once


async def test_a_lost_event_is_made_up_for_by_the_reconciliation(demo_shop, clock):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        _admin, ana, code, session_id = await ana_orders(pay)
        intent = pay.stripe.customer_pays(session_id)  # and Stripe's event never arrives
        clock.now += payment_links.WEBHOOK_GRACE + timedelta(seconds=1)
        assert (await payment_links.reconcile(pay.shop)).outcomes == {code: "paid"}
        await payment_links.reconcile(pay.shop)
        await pay.tg.outbox()

        found = await details(pay.shop, code)
        assert found.order.status == "confirmed"
        assert paid_rows(found) == [f"stripe:{intent}"]
        assert texts(ana).count(await paid_notice(pay, code)) == 1
        assert pay.stripe.events_sent == []


async def test_the_pay_button_of_a_waiting_order_brings_back_the_same_checkout_page(
    demo_shop, clock
):
    async with telegram_with_stripe(demo_shop, clock) as pay:
        _admin, ana, code, session_id = await ana_orders(pay)
        [(_, _, url)] = url_buttons(ana)
        clock.now += timedelta(minutes=10)
        await ana.says("/pedidos")
        await ana.presses(code)
        assert "Pagar" in labels(order_view(ana, code))
        await ana.presses("Pagar")

        assert url_buttons(ana)[-1][1:] == ("Pagar ahora", url)
        assert list(pay.stripe.sessions) == [session_id]  # no second session
