"""Whole conversations through the terminal chat, as a customer lives them."""

from __future__ import annotations

import re

from core.domain.orders import OrderStatus
from core.services import orders
from core.services.catalog import get_product
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver


async def checkout_to_summary(chat: ChatDriver, *, en: bool = True) -> str:
    await chat.press("Check out" if en else "Finalizar compra")
    await chat.type("Ana López")
    await chat.type("+52 55 1234 5678")
    await chat.type("Av. Reforma 222")
    await chat.type("Juárez")
    await chat.type("Ciudad de México")
    await chat.type("CDMX")
    await chat.type("06600")
    await chat.press("No references" if en else "Sin referencias")
    await chat.press("Standard" if en else "Estándar")
    return await chat.press("Cash on delivery" if en else "Pago contra entrega")


async def test_a_customer_buys_a_shirt_in_english_and_then_asks_where_it_is(demo_shop):
    chat = ChatDriver(demo_shop, locale="en")
    assert "Welcome to Tienda Demo" in await chat.open()
    await chat.press("Catalog")
    assert "Camisa azul (M) · MX$349.00" in await chat.press("Ropa")
    card = await chat.press("Camisa azul")
    assert "In stock" in card and "MX$349.00" in card
    assert "Added 1 × Camisa azul (M)" in await chat.press("Add 1 to cart")

    summary = await checkout_to_summary(chat)
    assert "Subtotal: MX$349.00" in summary
    assert "Shipping: MX$99.00" in summary
    assert "Total: MX$448.00" in summary
    # "CDMX" typed as the state is written out, and Mexico City said once.
    assert "Deliver to: Av. Reforma 222, Juárez, Ciudad de México, 06600" in summary

    placed = await chat.press("Confirm order")
    code = re.search(r"Order (PED-\w{5}) placed", placed).group(1)
    assert "You pay MX$448.00 on delivery" in placed

    tracking = await chat.type("where is my order")
    assert f"Order {code}: waiting for the shop to confirm." in tracking
    assert "Order received" in tracking
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert details.order.address["postal_code"] == "06600"
    assert (await get_product(demo_shop, sku="CAM-AZUL-M")).reserved == 1


async def test_una_clienta_compra_en_espanol_y_pregunta_donde_esta_su_pedido(demo_shop):
    chat = ChatDriver(demo_shop, locale="es")
    assert "¡Hola, Ana! Te damos la bienvenida a Tienda Demo." in await chat.open()
    await chat.press("Catálogo")
    await chat.press("Hogar")
    await chat.press("Taza de talavera")
    await chat.press("Elegir cantidad")
    assert "Agregado: 2 × Taza de talavera." in await chat.type("2")
    summary = await checkout_to_summary(chat, en=False)
    assert "Subtotal: $378.00 MXN" in summary
    assert "Impuestos incluidos: $52.14 MXN" in summary
    assert "Total: $477.00 MXN" in summary
    assert "Pago: Pago contra entrega" in summary
    placed = await chat.press("Confirmar pedido")
    code = re.search(r"Pedido (PED-\w{5}) realizado", placed).group(1)
    assert "Pagas $477.00 MXN al recibirlo." in placed
    tracking = await chat.type("¿Dónde está mi pedio?")
    assert f"Pedido {code}: esperando la confirmación de la tienda." in tracking
    assert "hoy 09:00 — Pedido recibido" in tracking


async def test_the_same_customer_resumes_mid_checkout_after_a_restart(
    demo_shop, database_url, clock
):
    from core.services.context import Shop
    from core.store.database import Database
    from tests.conftest import test_settings

    chat = ChatDriver(demo_shop, locale="en")
    await chat.open()
    await chat.type("gorra roja")
    await chat.press("Gorra roja")
    await chat.press("Add 1 to cart")
    await chat.press("Check out")
    await chat.type("Luis Pérez")
    assert "Street and number?" in await chat.type("55 8765 4321")
    await demo_shop.db.dispose()

    restarted = Shop(Database(database_url), test_settings(database_url), clock=clock)
    try:
        chat2 = ChatDriver(restarted, locale="en")
        resumed = await chat2.open()
        assert "Welcome back! Let's continue with your order." in resumed
        assert "Street and number?" in resumed
        await chat2.type("Calle 5 de Mayo 10")
        await chat2.type("Centro")
        await chat2.type("Puebla")
        await chat2.type("Puebla")
        await chat2.type("72000")
        await chat2.type("Casa blanca")
        await chat2.press("Express")
        summary = await chat2.press("Bank transfer")
        assert "For: Luis Pérez, +52 55 8765 4321" in summary
        placed = await chat2.press("Confirm order")
        assert "Please transfer MX$428.00 to:" in placed
        code = re.search(r"(PED-\w{5})", placed).group(1)
        receipt = await chat2.type("/photo comprobante.jpg")
        assert f"We received the receipt for order {code}" in receipt
        details = await orders.order_details(restarted, code, MERCHANT)
        assert details.order.status is OrderStatus.AWAITING_CONFIRMATION
        assert [e.kind for e in details.timeline] == ["placed", "receipt_attached"]
    finally:
        await restarted.db.dispose()
