"""Orders taken by phone or at the counter (/nuevopedido, /neworder): the merchant's
admin chat in the terminal and on WhatsApp, the customer's chat getting the order and
tracking it, a number the shop never chatted with that later writes on WhatsApp."""

from __future__ import annotations

import re

from core.domain.errors import StoreUnavailable
from core.services import inventory, orders
from core.services.catalog import get_product
from core.services.customers import identify
from handlers import conversation
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.test_terminal_admin import spanish_customer_orders
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop

ADMIN = "5215500000001"  # the WhatsApp harness's admin


def code_in(text: str) -> str:
    return re.findall(r"PED-\w{5}", text)[-1]


async def test_one_message_order_the_merchant_sends_to_a_known_customers_chat_in_spanish(
    demo_shop,
):
    customer, first = await spanish_customer_orders(demo_shop)  # gave 5512345678 at checkout
    admin = ChatDriver(demo_shop, "owner", name="Dueña", locale="es")
    await admin.open()
    await admin.refresh()
    before = (await get_product(demo_shop, sku="TAZA-TAL")).available

    summary = await admin.type(
        "/nuevopedido 55 1234 5678 Lucía Gómez; taza-tal x2, VELA-LAV; envío a domicilio "
        "Calle 5 #12, Centro, Monterrey, Nuevo León, 64000; efectivo"
    )
    assert "Revisa el pedido" in summary
    assert "Cliente: Lucía Gómez · +52 55 1234 5678" in summary
    # A number typed at a checkout proves nothing: her chat is offered, not chosen.
    assert "Aún no tiene chat" in summary
    assert "Lucía Gómez dio este número al pedir en un chat." in summary
    unlinked = admin.payload_of("Confirmar pedido")
    summary = await admin.press("Enviarlo al chat de Lucía Gómez")
    assert "recibe la confirmación en su chat" in summary
    assert "de un mensaje anterior" in await admin.send_payload(unlinked)
    summary = await admin.press("No enviarlo a su chat")
    assert "Aún no tiene chat" in summary
    summary = await admin.press("Enviarlo al chat de Lucía Gómez")
    assert "recibe la confirmación en su chat" in summary
    assert "2 × Taza de talavera (TAZA-TAL) · $378.00" in summary
    assert "Total: $626.50" in summary  # 378 + 149.50 + 99 standard shipping
    assert "Pago contra entrega" in summary

    confirm = admin.payload_of("Confirmar pedido")
    placed = await admin.press("Confirmar pedido")
    code = code_in(placed)
    assert code != first
    assert f"✅ Pedido {code} registrado y confirmado." in placed
    assert (await get_product(demo_shop, sku="TAZA-TAL")).available == before - 2

    news = await customer.refresh()
    assert f"Tienda Demo tomó tu pedido {code}. Total: $626.50 MXN." in news
    assert "Ya está confirmado. Pagas $626.50 MXN al recibirlo." in news
    where = await customer.type(f"donde esta mi pedido {code}")
    assert f"Pedido {code}: confirmado" in where

    # Its Confirm again places nothing more.
    assert "de un mensaje anterior" in await admin.send_payload(confirm)
    customer_id = (await identify(demo_shop, "terminal", "cliente")).id
    assert len(await orders.customer_orders(demo_shop, customer_id)) == 2


async def test_step_by_step_in_english_with_slips_and_a_new_number_claimed_on_whatsapp(demo_shop):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="en")
    await admin.open()
    assert "What is the customer's phone number?" in await admin.type("/neworder")
    assert "doesn't look like a phone number" in await admin.type("12")
    assert "is a new customer. What is their name?" in await admin.type("55 8765 4321")
    asked = await admin.type("Carlos Ruiz")
    assert "Type the products as SKU and quantity" in asked

    assert "There is no product “zapatos”" in await admin.type("zapatos")
    assert "Only 1 of LENT-SOL (Lentes de sol) is available; you asked for 3." in (
        await admin.type("LENT-SOL x3")
    )
    offered = await admin.type("taza")
    assert "“taza” is no SKU. Did you mean one of these?" in offered
    chosen = await admin.press("TAZA-TAL")
    assert "• 1 × TAZA-TAL" in chosen
    assert "• 2 × COJ-BORD" in await admin.type("coj-bord x2")
    shipping = await admin.press("Done")
    assert "How does it go?" in shipping
    asked = await admin.press("Standard")
    assert "Type the whole address" in asked
    asked = await admin.type("Calle 5 #12, Monterrey")
    assert "I still need the postal code of “Calle 5 #12, Monterrey”" in asked
    assert "How will they pay?" in await admin.type("64000")
    summary = await admin.press("Bank transfer")
    assert "Customer: Carlos Ruiz · +52 55 8765 4321" in summary
    assert "No chat yet" in summary
    assert "Address: Calle 5 #12, Monterrey, 64000" in summary

    stale = admin.payload_of("Confirm order")
    # a button of this flow from an older message while the summary waits: said, kept
    assert "That button is from an older message." in await admin.send_payload("pos:express")
    placed = await admin.press("Confirm order")
    code = code_in(placed)
    assert f"Order {code} placed; it waits for its payment." in placed
    assert "tell them the code" in placed
    assert "older message" in await admin.send_payload(stale)  # placed once only
    order = (await orders.order_details(demo_shop, code, MERCHANT)).order
    assert order.status == "awaiting_confirmation" and order.awaits_payment

    # That person writes on WhatsApp later, from that number: the order is theirs.
    async with whatsapp_shop(demo_shop) as wa:
        carlos = WhatsAppUser(wa, "5215587654321", "Carlos")
        await carlos.says("Hola")
        where = await carlos.says("¿dónde está mi pedido?")
        assert code in where


async def test_confirm_again_after_the_save_failed_answers_the_order_placed_once(
    demo_shop, monkeypatch
):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="en")
    await admin.open()
    before = (await get_product(demo_shop, sku="TAZA-TAL")).available
    placed_before = (await orders.list_orders(demo_shop, MERCHANT))[1]
    summary = await admin.type(
        "/neworder 55 8765 4321 Carlos Ruiz; TAZA-TAL x2; standard Calle 5 #12, Centro, "
        "Monterrey, Nuevo León, 64000; cash"
    )
    assert "Check the order" in summary
    confirm = admin.payload_of("Confirm order")

    # The order commits, then the database goes away before the conversation is saved
    # (a process killed there is the same): the draft still holds the summary.
    save = conversation.save_conversation

    async def away(shop, record):
        raise StoreUnavailable(reason="test")

    monkeypatch.setattr(conversation, "save_conversation", away)
    assert "moment of trouble" in await admin.press("Confirm order")
    assert (await orders.list_orders(demo_shop, MERCHANT))[1] == placed_before + 1
    # Pressed again while it is still away: answered with that order, nothing new.
    assert "moment of trouble" in await admin.send_payload(confirm)
    monkeypatch.setattr(conversation, "save_conversation", save)

    # Back: a word shows the summary again (a new Confirm); it answers the same order.
    assert "Press Confirm order, or Cancel." in await admin.type("hello?")
    placed = await admin.press("Confirm order")
    code = code_in(placed)
    assert f"✅ Order {code} placed and confirmed." in placed
    assert "older message" in await admin.send_payload(confirm)  # now saved: done

    assert (await orders.list_orders(demo_shop, MERCHANT))[1] == placed_before + 1
    assert (await get_product(demo_shop, sku="TAZA-TAL")).available == before - 2
    async with demo_shop.uow(write=False) as uow:
        news = await uow.outbox.list(recipient="admin")
    assert [m.kind for m in news if m.payload.get("code") == code] == ["new_order"]


async def test_a_customer_cannot_take_orders_and_an_admin_on_whatsapp_can(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        ana = WhatsAppUser(wa, "5215512345678", "Ana")
        await ana.says("Hola")
        refused = await ana.says("/nuevopedido 5512345678; TAZA-TAL; recoger; efectivo")
        assert "solo para el equipo de la tienda" in refused

        admin = WhatsAppUser(wa, ADMIN, "Dueña")
        summary = await admin.says(
            "/nuevopedido 55 1234 5678; TAZA-TAL x20; envío Calle 5 #12, Centro, Monterrey, "
            "Nuevo León, 64000; efectivo"
        )
        assert "Revisa el pedido" in summary and "Ana" in summary
        # One sold at the counter meanwhile: the order is refused whole, nothing reserved,
        # and only the short line is asked again.
        await inventory.adjust_stock(wa.shop, MERCHANT, "TAZA-TAL", -1)
        refused = await admin.taps("Confirmar pedido")
        assert "Solo hay 19 de TAZA-TAL (Taza de talavera); pediste 20." in refused
        assert (await get_product(wa.shop, sku="TAZA-TAL")).reserved == 0
        await admin.says("TAZA-TAL x19")
        summary = await admin.taps("Listo")  # shipping, address and payment were kept
        assert "19 × Taza de talavera" in summary
        assert "recibe la confirmación en su chat" in summary
        placed = await admin.taps("Confirmar pedido")
        code = code_in(placed)
        await wa.outbox()
        assert f"tomó tu pedido {code}" in ana.screen()
        assert f"Pedido {code}" in await ana.says("donde esta mi pedido")


async def test_a_merchant_who_comes_back_mid_order_picks_it_up_and_can_type_confirm(demo_shop):
    """The terminal admin chat run once per line (printf | pedidos chat --admin): each run
    opens the chat again, with no buttons of the last run on screen."""
    first = ChatDriver(demo_shop, "owner", name="Dueña", locale="es")
    await first.open()
    await first.type("/nuevopedido 55 2222 3333 Ana López; TAZA-TAL x2; envío estándar")

    again = ChatDriver(demo_shop, "owner", name="Dueña", locale="es")
    back = await again.open()
    assert "¡Hola de nuevo! Sigamos con el pedido que estabas tomando." in back
    assert "No me llegó ningún texto" not in back
    assert "dirección" in back  # the open question, asked again
    summary = await again.type("Calle 5 #12, Centro, Monterrey, NL, 64000")
    assert "¿Cómo va a pagar?" in summary
    assert "Confirmar pedido" in await again.type("efectivo")

    last = ChatDriver(demo_shop, "owner", name="Dueña", locale="es")
    await last.open()
    placed = await last.type("confirmar")
    assert "Pedido PED-" in placed and "registrado" in placed, placed
    mug = await get_product(demo_shop, sku="TAZA-TAL")
    assert mug.reserved == 2
