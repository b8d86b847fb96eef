"""Paying by card on WhatsApp through a Mercado Pago link (issue #16), end to end: the
customer and the merchant chat through the Graph API double and signed webhooks, the
real Mercado Pago adapter talks to the Mercado Pago double over HTTP, and the double
delivers its notices to the same web app, signed as Mercado Pago signs them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.services import catalog, expiry, inventory, payment_links, web
from core.services.provider_refunds import send_due_refunds
from tests.conftest import MERCHANT, buy, new_buyer
from tests.e2e.payment_links_harness import (
    WA_ADMIN,
    WhatsAppPayments,
    as_read,
    cta_links,
    details,
    paid_rows,
    whatsapp_card_order,
    whatsapp_with_mercadopago,
)
from tests.e2e.whatsapp_driver import WhatsAppUser
from tests.mercadopago_double import PreferenceExpired

pytestmark = pytest.mark.sqlite_only  # the journeys, not the store: see tests/conftest.py

ANA = "5215512345678"
TOTAL = "$248.50 MXN"  # a lavender candle (149.50) and standard shipping (99.00)
PAID = "✅ Recibimos tu pago del pedido {code}. ¡Gracias!"


async def paid_notice(pay: WhatsAppPayments, code: str) -> str:
    """The payment-received notice as Ana reads it."""
    return await as_read(pay.shop, code, PAID.format(code=code))


async def ana_orders(pay: WhatsAppPayments) -> tuple[WhatsAppUser, WhatsAppUser, str, str]:
    """The merchant opened the chat; Ana ordered a candle paying by card and got the
    link. Returns the admin, Ana, the order code and the preference id."""
    admin = WhatsAppUser(pay.wa, WA_ADMIN, "Dueña")
    await admin.says("/ayuda")
    ana = WhatsAppUser(pay.wa, ANA)
    code = await whatsapp_card_order(ana)
    await pay.wa.outbox()  # the merchant hears of the new order
    [(_, _, url)] = cta_links(pay.wa, ANA)
    return admin, ana, code, pay.preference_of(url)["id"]


def read(pay: WhatsAppPayments, wa_id: str) -> list[str]:
    return pay.wa.double.texts(wa_id)


def choices(pay: WhatsAppPayments, wa_id: str) -> list[str]:
    """The reply buttons or list rows of the newest message that has any."""
    for body in reversed(pay.wa.double.sent(wa_id)):
        interactive = body.get("interactive") or {}
        if interactive.get("type") == "button":
            return [b["reply"]["title"] for b in interactive["action"]["buttons"]]
        if interactive.get("type") == "list":
            sections = interactive["action"]["sections"]
            return [row["title"] for section in sections for row in section["rows"]]
    return []


async def test_a_card_paid_through_the_mercado_pago_link_confirms_the_order_once(demo_shop, clock):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        admin, ana, code, pref_id = await ana_orders(pay)

        [(text, label, url)] = cta_links(pay.wa, ANA)
        assert f"Pedido {code} realizado. Total: {TOTAL}" in text
        assert "en la página segura de Mercado Pago" in text and "hasta hoy 09:30" in text
        assert label == "Pagar ahora"
        preference = pay.mp.preferences[pref_id]
        assert url == preference["init_point"]
        assert preference["external_reference"] == code
        assert preference["notification_url"] == pay.webhook
        assert (await details(pay.shop, code)).order.status == "pending_payment"

        payment_id = pay.mp.customer_pays(pref_id)
        # A forged notice first (no x-signature): refused, and nothing moves.
        assert await pay.mp.notify(payment_id, signed=False) == 401
        assert await pay.mp.notify(payment_id, secret="someone-elses-secret") == 401
        await pay.wa.outbox()
        assert (await details(pay.shop, code)).order.status == "pending_payment"
        assert await paid_notice(pay, code) not in read(pay, ANA)
        # Mercado Pago delivers the real notice twice.
        assert await pay.mp.notify(payment_id) == 200
        assert await pay.mp.notify(payment_id) == 200
        await pay.wa.outbox()

        found = await details(pay.shop, code)
        assert [(p.status, p.provider_charge_id) for p in found.payments] == [
            ("paid", f"mercadopago:{payment_id}")
        ]  # one payment row: the repeats recorded nothing, not even as a second charge
        assert found.order.status == "confirmed"
        assert [e.kind for e in found.timeline].count("paid") == 1
        assert read(pay, ANA).count(await paid_notice(pay, code)) == 1
        online = [t for t in read(pay, WA_ADMIN) if "se pagó en línea" in t]
        assert online == [
            f"💳 El pedido {code} se pagó en línea: {TOTAL} (Mercado Pago). Ahora está confirmado."
        ]

        card = await admin.says(f"/pedido {code}")
        assert f"Pedido {code}: confirmado" in card and "Pago: Tarjeta ✅" in card
        # Ana's order no longer offers to pay.
        view = await ana.taps("Rastrear mi pedido")
        assert f"Pedido {code}: confirmado" in view
        assert "Pagar" not in choices(pay, ANA)  # nothing left to pay


async def test_an_oxxo_voucher_holds_the_items_until_its_deadline_and_its_cash_pays_the_order(
    demo_shop, clock
):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        _admin, _ana, code, pref_id = await ana_orders(pay)
        candle = await catalog.get_product(demo_shop, sku="VELA-LAV")
        voucher = pay.mp.customer_pays(pref_id, method="oxxo")
        assert await pay.mp.notify(voucher) == 200
        assert await pay.mp.notify(voucher) == 200  # delivered twice: told once
        await pay.wa.outbox()

        reference = pay.mp.payment(voucher)["transaction_details"]["payment_method_reference_id"]
        waiting = [t for t in read(pay, ANA) if "está pendiente" in t]
        assert len(waiting) == 1
        assert (
            f"Tu pago de {TOTAL} del pedido {code} está pendiente: confirmamos tu pedido "
            "en cuanto se acredite." in waiting[0]
        )
        assert f"Págalo en OXXO con esta referencia: {reference}" in waiting[0]
        assert "te apartamos los productos hasta entonces" in waiting[0]
        voucher_url = pay.mp.payment(voucher)["transaction_details"]["external_resource_url"]
        assert cta_links(pay.wa, ANA)[-1][1:] == ("Ver la ficha de pago", voucher_url)

        # Past the 30-minute reservation, and a day and a half later: still held.
        for later in (timedelta(minutes=31), timedelta(hours=36)):
            clock.now += later
            run = await expiry.run_expiry(pay.shop)
            assert code not in run.expired_unpaid
            found = await details(pay.shop, code)
            assert found.order.status == "pending_payment"
            assert (await catalog.get_product(demo_shop, sku="VELA-LAV")).reserved == (
                candle.reserved
            )
        deadline = pay.mp.payment(voucher)["date_of_expiration"]
        assert found.order.expires_at.isoformat(timespec="milliseconds") == deadline

        pay.mp.approve(voucher)  # Ana paid at the OXXO counter
        assert await pay.mp.notify(voucher) == 200
        await pay.wa.outbox()
        found = await details(pay.shop, code)
        assert found.order.status == "confirmed"
        assert paid_rows(found) == [f"mercadopago:{voucher}"]
        # Outside WhatsApp's 24-hour window the news goes as the approved template.
        news = pay.wa.double.last_sent(ANA)["template"]["components"][0]["parameters"][0]
        assert PAID.format(code=code) in news["text"]
        # A template has no button for it: the tracking page is written out at its end.
        assert news["text"].endswith(f"Seguir en línea: {await web.tracking_url(pay.shop, code)}")


async def test_a_declined_card_is_told_with_a_try_again_button_that_brings_the_link_back(
    demo_shop, clock
):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        _admin, ana, code, pref_id = await ana_orders(pay)
        [(_, _, url)] = cta_links(pay.wa, ANA)
        declined = pay.mp.customer_pays(pref_id, declined=True)
        assert await pay.mp.notify(declined) == 200
        await pay.wa.outbox()

        told = (
            f"Tu pago del pedido {code} no se completó y no se te cobró nada. Puedes "
            "intentarlo de nuevo, con otra tarjeta u otro método."
        )
        assert await as_read(pay.shop, code, told) in read(pay, ANA)
        found = await details(pay.shop, code)
        assert found.order.status == "pending_payment" and not found.paid
        assert "payment_rejected" in [e.kind for e in found.timeline]

        await ana.taps("Intentar de nuevo")
        assert len(cta_links(pay.wa, ANA)) == 2
        assert cta_links(pay.wa, ANA)[-1][1:] == ("Pagar ahora", url)  # the same page
        assert len(pay.mp.preferences) == 1

        paid = pay.mp.customer_pays(pref_id, method="master")  # another card: approved
        assert await pay.mp.notify(paid) == 200
        await pay.wa.outbox()
        assert await paid_notice(pay, code) in read(pay, ANA)
        assert paid_rows(await details(pay.shop, code)) == [f"mercadopago:{paid}"]


async def test_a_payment_whose_notice_lands_after_the_order_expired_revives_the_order(
    demo_shop, clock
):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        _admin, _ana, code, pref_id = await ana_orders(pay)
        before = await catalog.get_product(demo_shop, sku="VELA-LAV")
        clock.now += timedelta(minutes=29)
        payment_id = pay.mp.customer_pays(pref_id)  # in time; its notice is late
        clock.now += timedelta(minutes=2)
        assert (await expiry.run_expiry(pay.shop)).expired_unpaid == [code]
        await pay.wa.outbox()
        assert any(f"Tu pedido {code} venció" in t for t in read(pay, ANA))
        expired = await catalog.get_product(demo_shop, sku="VELA-LAV")
        assert expired.reserved == before.reserved - 1

        assert await pay.mp.notify(payment_id) == 200
        assert await pay.mp.notify(payment_id) == 200
        await pay.wa.outbox()

        found = await details(pay.shop, code)
        assert found.order.status == "confirmed"
        assert paid_rows(found) == [f"mercadopago:{payment_id}"]
        assert (await catalog.get_product(demo_shop, sku="VELA-LAV")).reserved == before.reserved
        assert read(pay, ANA).count(await paid_notice(pay, code)) == 1
        late = [t for t in read(pay, WA_ADMIN) if "se pagó en línea" in t]
        assert len(late) == 1 and f"El pedido {code} se pagó en línea" in late[0]
        assert "Había vencido sin pago: sus productos se apartaron de nuevo." in late[0]
        assert pay.mp.refunds == []


async def test_a_late_payment_for_items_sold_meanwhile_is_refunded_through_mercado_pago(
    demo_shop, clock
):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        await inventory.set_stock(demo_shop, MERCHANT, "VELA-LAV", 1)  # the last candle
        _admin, _ana, code, pref_id = await ana_orders(pay)
        clock.now += timedelta(minutes=29)
        payment_id = pay.mp.customer_pays(pref_id)
        clock.now += timedelta(minutes=2)
        assert (await expiry.run_expiry(pay.shop)).expired_unpaid == [code]
        candle = await catalog.get_product(demo_shop, sku="VELA-LAV")
        luis = await new_buyer(demo_shop, "luis", "Luis")
        await buy(demo_shop, luis, {candle.id: 1})  # the candle sold to Luis meanwhile

        assert await pay.mp.notify(payment_id) == 200
        assert await pay.mp.notify(payment_id) == 200
        await pay.wa.outbox()

        [refund] = pay.mp.refunds
        assert str(refund["payment_id"]) == payment_id and refund["amount"] == 248.5
        assert pay.mp.payment(payment_id)["status"] == "refunded"
        found = await details(pay.shop, code)
        assert found.order.status == "expired"
        [provider_refund] = [e for e in found.timeline if e.kind == "provider_refund"]
        assert provider_refund.data["refund_id"] == str(refund["id"])
        candle = await catalog.get_product(demo_shop, sku="VELA-LAV")
        assert (candle.on_hand, candle.reserved) == (1, 1)  # Luis's, and nobody else's
        assert any(
            f"Tu pago de {TOTAL} del pedido {code} llegó después de que venció el pedido, "
            "y sus productos ya no están disponibles" in t
            for t in read(pay, ANA)
        )
        assert await paid_notice(pay, code) not in read(pay, ANA)
        told = [
            t for t in read(pay, WA_ADMIN) if f"Llegó un pago de {TOTAL} del pedido {code}" in t
        ]
        assert len(told) == 1 and "Mercado Pago" in told[0]


async def test_the_admins_partial_refund_goes_back_through_mercado_pago_once(demo_shop, clock):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        admin, _ana, code, pref_id = await ana_orders(pay)
        payment_id = pay.mp.customer_pays(pref_id)
        assert await pay.mp.notify(payment_id) == 200

        answer = await admin.says(f"/reembolso {code} 100.00")
        assert f"Reembolso de $100.00 MXN registrado para el pedido {code}." in answer
        [refund] = pay.mp.refunds
        assert str(refund["payment_id"]) == payment_id and refund["amount"] == 100
        assert pay.mp.payment(payment_id)["status_detail"] == "partially_refunded"
        # The send repeated (the job's next run, another notice): nothing more goes back.
        assert (await send_due_refunds(pay.shop)).done == []
        assert await pay.mp.notify(payment_id) == 200
        assert len(pay.mp.refunds) == 1

        found = await details(pay.shop, code)
        [sent] = [e for e in found.timeline if e.kind == "provider_refund"]
        assert sent.data == {
            "provider": "mercadopago",
            "refund_id": str(refund["id"]),
            "amount": 10000,
        }
        assert found.order.status == "confirmed" and found.paid  # partly refunded, still paid


async def test_a_payment_whose_notice_never_came_is_found_by_the_reconciliation(demo_shop, clock):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        _admin, _ana, code, pref_id = await ana_orders(pay)
        payment_id = pay.mp.customer_pays(pref_id)  # and the notice is lost
        clock.now += payment_links.WEBHOOK_GRACE + timedelta(seconds=1)
        run = await payment_links.reconcile(pay.shop)
        assert run.outcomes == {code: "paid"}
        await payment_links.reconcile(pay.shop)  # the next run finds nothing new
        await pay.wa.outbox()

        found = await details(pay.shop, code)
        assert found.order.status == "confirmed"
        assert paid_rows(found) == [f"mercadopago:{payment_id}"]
        assert read(pay, ANA).count(await paid_notice(pay, code)) == 1
        assert pay.mp.notices == []


async def test_asking_to_pay_again_from_the_order_view_brings_back_the_same_link(demo_shop, clock):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        _admin, ana, code, pref_id = await ana_orders(pay)
        [(_, _, url)] = cta_links(pay.wa, ANA)
        clock.now += timedelta(minutes=10)
        view = await ana.taps("Rastrear mi pedido")
        assert f"Pedido {code}: esperando pago" in view
        assert "Pagar" in choices(pay, ANA)
        await ana.taps("Pagar")

        assert [link[1:] for link in cta_links(pay.wa, ANA)] == [("Pagar ahora", url)] * 2
        assert list(pay.mp.preferences) == [pref_id]  # no second preference
        payment_id = pay.mp.customer_pays(pref_id)
        assert await pay.mp.notify(payment_id) == 200
        assert (await details(pay.shop, code)).order.status == "confirmed"


async def test_a_customer_with_a_voucher_pending_who_taps_pay_is_never_given_a_dead_page(
    demo_shop, clock
):
    async with whatsapp_with_mercadopago(demo_shop, clock) as pay:
        _admin, ana, _code, pref_id = await ana_orders(pay)
        voucher = pay.mp.customer_pays(pref_id, method="oxxo")
        assert await pay.mp.notify(voucher) == 200
        await pay.wa.outbox()
        clock.now += timedelta(hours=2)  # she would rather pay by card after all
        await ana.taps("Rastrear mi pedido")
        if "Pagar" not in choices(pay, ANA):
            return  # not offered while the voucher waits: fine too
        await ana.taps("Pagar")
        offered = pay.preference_of(cta_links(pay.wa, ANA)[-1][2])
        try:
            pay.mp.customer_pays(offered["id"], method="visa")
        except PreferenceExpired:
            raise AssertionError(
                f"the link offered closed at {offered['expiration_date_to']}; "
                f"it said: {cta_links(pay.wa, ANA)[-1][0]}"
            ) from None
