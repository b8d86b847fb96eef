"""The shop on WhatsApp, against the strict Graph API double, through signed webhooks:
the customer's and the merchant's journeys with zero rejected calls."""

from __future__ import annotations

import re

from core.services import catalog, orders, outbox
from core.services.catalog import get_product
from handlers.types import Button, Reply
from tests.conftest import MERCHANT
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop

ANA, ADMIN = "5215512345678", "5215500000001"


async def start_checkout(ana: WhatsAppUser) -> str:
    """A candle in the cart and "Finalizar compra" pressed; the first question."""
    await ana.says("Hola")
    await ana.taps("Catálogo")
    await ana.taps("Hogar")
    await ana.taps("Vela de lavanda")
    await ana.taps("Agregar 1")
    return await ana.taps("Finalizar compra")


async def place_cod_order(ana: WhatsAppUser) -> str:
    await start_checkout(ana)
    await ana.says("Ana López")
    await ana.says("55 1234 5678")
    await ana.says("Calle Hidalgo 14")
    await ana.says("Centro")
    await ana.says("Mérida")
    await ana.says("Yucatán")
    await ana.says("97000")
    await ana.taps("Sin referencias")
    await ana.taps("Estándar")
    await ana.taps("Pago contra entrega")
    placed = await ana.taps("Confirmar pedido")
    return re.search(r"(PED-\w{5})", placed).group(1)


async def test_a_customer_orders_on_whatsapp_and_the_merchant_ships_it(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        admin = WhatsAppUser(wa, ADMIN, "Dueña")
        await admin.says("/ayuda")
        ana = WhatsAppUser(wa, ANA)
        code = await place_cod_order(ana)
        await wa.outbox()
        assert f"🆕 Nuevo pedido {code}" in admin.screen()

        await admin.taps("Confirmar")
        await admin.taps("Empezar a preparar")
        await admin.taps("Empacado")
        label = [b for b in wa.double.sent(ADMIN) if b.get("type") == "document"][-1]
        assert wa.double.sent_document_bytes(label).startswith(b"%PDF")
        await admin.taps("Enviar")
        await admin.taps("Estafeta")
        await admin.says("1234567890")
        await wa.outbox()
        assert "va en camino con Estafeta" in ana.screen()

        where = await ana.says("donde esta mi pedido")
        assert f"Pedido {code}: en camino." in where
        assert wa.double.rejected == []


async def test_more_than_ten_options_page_with_a_more_row_that_keeps_working(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        products = (await catalog.list_products(demo_shop, page_size=20)).items
        menu = Reply("Todos los productos", [[Button(p.name, f"p:{p.id}")] for p in products])
        await wa.channel.send(ANA, [menu], paced=False)
        first = wa.double.last_sent(ANA)["interactive"]["action"]["sections"][0]["rows"]
        assert len(first) == 10 and first[-1]["title"] == "Más opciones…"
        await ana.taps("Más opciones")
        second = wa.double.last_sent(ANA)["interactive"]["action"]["sections"][0]["rows"]
        assert [r["title"] for r in second] == [p.name[:24] for p in products[9:]]
        card = await ana.taps(products[-1].name[:20])
        assert products[-1].name in card
        await ana.says("Hola")  # another answer: the list is no longer the open menu
        stale = await ana.taps("Más opciones")
        assert stale.endswith("¿Qué te gustaría hacer?")
        assert wa.double.rejected == []


async def test_a_catalog_order_message_becomes_the_cart_and_then_an_order(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        order = wa.double.user_order(
            ANA,
            [
                ("TAZA-TAL", 2, "189.00", "MXN"),
                ("GOR-ROJA", 1, "199.00", "MXN"),  # the catalog still shows an old price
                ("NO-EXISTE", 1, "10.00", "MXN"),
            ],
        )
        await wa.deliver(order)
        cart = ana.screen()
        assert "Puse tu pedido del catálogo en tu carrito." in cart
        assert "NO-EXISTE ya no se vende aquí" in cart
        assert "Gorra roja cuesta $229.00 MXN ahora (el catálogo mostraba $199.00 MXN)." in cart
        assert "2 × Taza de talavera" in cart and "1 × Gorra roja" in cart
        await ana.taps("Finalizar compra")
        await ana.says("Ana López")
        await ana.says("55 1234 5678")
        await ana.shares_location(20.97, -89.62)
        await ana.says("Calle 60 #491-A x 57 y 59, Centro, Mérida, Yuc., 97000")
        await ana.taps("Correcto")
        await ana.taps("Sin referencias")
        await ana.taps("Estándar")
        await ana.taps("Pago contra entrega")
        placed = await ana.taps("Confirmar pedido")
        code = re.search(r"(PED-\w{5})", placed).group(1)
        details = await orders.order_details(demo_shop, code, MERCHANT)
        assert sorted((line.sku, line.quantity) for line in details.order.lines) == [
            ("GOR-ROJA", 1),
            ("TAZA-TAL", 2),
        ]
        assert wa.double.rejected == []


async def test_a_bad_or_missing_signature_is_refused_and_nothing_is_handled(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        payload = wa.double.user_text(ANA, "Hola")
        assert await wa.deliver(payload, signature="sha256=" + "0" * 64) == 403
        assert await wa.deliver(payload, signature=None) == 401
        assert wa.double.sent(ANA) == []
        assert await wa.deliver(payload) == 200
        assert len(wa.double.sent(ANA)) == 1


async def test_a_duplicate_delivery_is_handled_once(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        payload = wa.double.user_text(ANA, "Hola")
        assert await wa.deliver(payload) == 200
        assert await wa.deliver(payload) == 200  # Meta retried the same wamid
        assert len(wa.double.sent(ANA)) == 1
        # The control: a new message of hers is handled, exactly once.
        assert await wa.deliver(wa.double.user_text(ANA, "Hola")) == 200
        assert len(wa.double.sent(ANA)) == 2


async def test_the_webhook_answers_meta_verification_only_for_our_verify_token(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        status, body = await wa.double.verify_webhook(wa.url, "verify-me")
        assert status == 200 and body.isdigit()
        status, _ = await wa.double.verify_webhook(wa.url, "someone-else")
        assert status == 403


async def test_a_shipping_notice_25_hours_after_the_last_message_goes_as_a_template(
    demo_shop, clock
):
    async with whatsapp_shop(demo_shop, clock=lambda: clock.now.timestamp()) as wa:
        ana = WhatsAppUser(wa, ANA)
        code = await place_cod_order(ana)
        for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
            await step(demo_shop, MERCHANT, code)
        clock.advance(hours=25)
        from core.services import shipping

        await shipping.ship_order(demo_shop, MERCHANT, code, "dhl", "JD0146000031")
        await wa.outbox()
        template = wa.double.last_sent(ANA)
        assert template["type"] == "template"
        assert template["template"]["name"] == "pedido_actualizacion"
        assert template["template"]["language"]["code"] == "es_MX"
        shipped = [m for m in await outbox.messages(wa.shop) if m.kind == "order_shipped"]
        assert shipped[0].status == "sent"
        assert wa.double.rejected == []


async def test_delivery_statuses_are_recorded_on_the_outbox_row(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        code = await place_cod_order(ana)
        await orders.confirm_order(demo_shop, MERCHANT, code)
        await wa.outbox()
        notice = wa.double.last_sent(ANA)
        await wa.deliver(wa.double.status_update(notice["_wamid"], "delivered"))
        await wa.deliver(wa.double.status_update(notice["_wamid"], "read"))
        confirmed = [m for m in await outbox.messages(wa.shop) if m.kind == "order_confirmed"]
        assert confirmed[0].delivery_status == "read"
        assert (await get_product(demo_shop, sku="VELA-LAV")).reserved == 1


async def send_numbered_menu(shop, wa) -> None:
    """A menu whose second option is too long for a list row: sent as numbered text."""
    mug = await catalog.get_product(shop, sku="TAZA-TAL")
    long_label = "Taza de talavera poblana pintada a mano, " * 3
    menu = Reply("Elige", [[Button("Catálogo", "cat")], [Button(long_label, f"p:{mug.id}")]])
    await wa.channel.send(ANA, [menu], paced=False)


async def test_a_numbered_menu_maps_the_typed_number_to_the_option(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        await send_numbered_menu(demo_shop, wa)
        assert "2. Taza de talavera poblana" in ana.screen()
        for odd in ("²", "0", "99999999999999999999"):  # no option: an answer all the same
            sent = len(wa.double.sent(ANA))
            await ana.says(odd)
            assert len(wa.double.sent(ANA)) > sent, odd
        await send_numbered_menu(demo_shop, wa)
        assert "Taza artesanal de Puebla" in await ana.says("2")
        assert wa.double.rejected == []


async def test_a_typed_number_after_a_newer_answer_does_not_pick_from_an_older_menu(
    demo_shop,
):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        await send_numbered_menu(demo_shop, wa)
        await ana.says("Hola")  # answered with the main menu's buttons, no numbered menu
        assert "Taza artesanal de Puebla" not in await ana.says("2")
        assert wa.double.rejected == []


async def notify(shop, wa_id: str, count: int) -> None:
    from core.domain.events import OrderPreparing
    from core.domain.outbox import OutboxMessage

    async with shop.uow() as uow:
        person = await uow.customers.find("whatsapp", wa_id)
        for n in range(count):
            uow.notify(
                OutboxMessage.to_customer(person.id, OrderPreparing(f"PED-{n:05d}"), f"wa:{n}")
            )
        await uow.commit(shop.now())


async def test_rate_limit_errors_are_retried_and_permanent_ones_recorded(demo_shop, clock):
    async with whatsapp_shop(demo_shop, clock=lambda: clock.now.timestamp()) as wa:
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        await notify(wa.shop, ANA, 3)
        wa.double.fail_next(2, code=130429)
        for _ in range(4):
            await wa.outbox()
            clock.advance(seconds=30)
        texts = wa.double.texts(ANA)
        assert [t for t in texts if "preparando" in t] == [
            f"📦 Estamos preparando tu pedido PED-{n:05d}." for n in range(3)
        ]
        wa.double.fail_next(1, code=131026)  # undeliverable: no point trying again
        await notify(wa.shop, ANA, 4)
        await wa.outbox()
        failed = [m for m in await outbox.messages(wa.shop) if m.status == "failed"]
        assert len(failed) == 1 and failed[0].last_error.startswith("131026")
        assert wa.double.rejected == []


async def test_a_shared_contact_card_answers_the_phone_question(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        await ana.says("Hola")
        await ana.taps("Catálogo")
        await ana.taps("Hogar")
        await ana.taps("Vela de lavanda")
        await ana.taps("Agregar 1")
        await ana.taps("Finalizar compra")
        await ana.says("Ana López")
        await wa.deliver(wa.double.user_contacts(ANA, "+52 1 55 9876 5432"))
        assert "¿Calle y número?" in ana.screen()
        assert wa.double.rejected == []


async def test_a_repeated_delivery_after_a_restart_is_still_handled_once(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        payload = wa.double.user_text(ANA, "Hola")
        await wa.deliver(payload)
    async with whatsapp_shop(demo_shop) as again:
        again.double.user_text(ANA, "otra cosa")  # the new double knows the person
        assert await again.deliver(payload) == 200
        assert again.double.sent(ANA) == []
        # The control: a new message of hers gets exactly one answer.
        assert await again.deliver(again.double.user_text(ANA, "Hola")) == 200
        assert len(again.double.sent(ANA)) == 1


async def test_a_reaction_gets_no_answer_and_a_sticker_mid_checkout_keeps_the_checkout(
    demo_shop,
):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, ANA)
        asked = await start_checkout(ana)
        assert asked.endswith("¿A nombre de quién va el pedido?")
        sent_before = len(wa.double.sent(ANA))

        last = wa.double.sent(ANA)[-1]["_wamid"]
        assert await wa.deliver(wa.double.user_reacts(ANA, last, "👍")) == 200
        assert len(wa.double.sent(ANA)) == sent_before  # a 👍 is not a question

        sticker = {"id": "1234567890", "mime_type": "image/webp", "animated": False}
        await wa.deliver(wa.double.user_sends(ANA, "sticker", sticker))
        answer = ana.screen()
        assert "No me llegó ningún texto." in answer
        assert answer.endswith("¿A nombre de quién va el pedido?")

        await ana.says("Ana López")
        assert "¿A qué número puede llamar el repartidor?" in ana.screen(last=1)
        assert wa.double.rejected == []
