"""The merchant runs the shop from the terminal admin chat while a customer chats."""

from __future__ import annotations

import re

import pypdfium2
import zxingcpp

from core.services import admins, orders
from core.services.catalog import get_product
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver


async def spanish_customer_orders(shop, product: str = "Cojín bordado", qty: int = 2) -> tuple:
    customer = ChatDriver(shop, "cliente", name="Lucía", locale="es")
    await customer.open()
    await customer.type(product)
    await customer.press(product)
    await customer.press("Elegir cantidad")
    await customer.type(str(qty))
    await customer.press("Finalizar compra")
    for answer in (
        "Lucía Gómez",
        "5512345678",
        "Calle 1 #2",
        "Centro",
        "Oaxaca",
        "Oaxaca",
        "68000",
    ):
        await customer.type(answer)
    await customer.press("Sin referencias")
    await customer.press("Estándar")
    await customer.press("Pago contra entrega")
    placed = await customer.press("Confirmar pedido")
    return customer, re.search(r"(PED-\w{5})", placed).group(1)


def barcodes_in(pdf_path) -> list[str]:
    page = pypdfium2.PdfDocument(str(pdf_path))[0]
    image = page.render(scale=4).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)]


async def test_an_order_goes_from_placed_to_refunded_return_with_both_chats_open(
    demo_shop, tmp_path
):
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale="en", files=tmp_path)
    assert "Shop admin. Commands:" in await admin.open()
    customer, code = await spanish_customer_orders(demo_shop)
    before = await get_product(demo_shop, sku="COJ-BORD")

    card = await admin.refresh()
    assert f"🆕 New order {code}" in card
    assert "Customer: “Lucía Gómez” · +52 55 1234 5678" in card  # typed 5512345678
    assert "2 × Cojín bordado" in card
    assert "[1] Confirm" in card or ("Confirm" in card and "Reject" in card)

    assert f"Order {code} confirmed" in await admin.press("Confirm")
    assert f"Tu pedido {code} está confirmado." in await customer.refresh()

    await admin.press("Start preparing")
    packed = await admin.press("Packed (label)")
    label = tmp_path / f"etiqueta-{code}.pdf"
    assert f"📎 {label}" in packed
    assert barcodes_in(label) == [code]

    await admin.press("Ship")
    await admin.press("Estafeta")
    shipped = await admin.type("  1234 567 890 ")
    assert "Carrier: Estafeta, tracking number 1234567890" in shipped
    news = await customer.refresh()
    assert "Estamos preparando tu pedido" in news
    assert "va en camino con Estafeta" in news and "1234567890" in news
    assert (await get_product(demo_shop, sku="COJ-BORD")).on_hand == before.on_hand - 2

    await admin.type(f"/etiqueta {code}")
    assert barcodes_in(label) == ["1234567890"]  # the label now carries the tracking number

    card = await admin.type(f"/pedido {code}")
    assert "Tax included: MX$" in card  # the same totals the customer was shown
    await admin.press("Delivered")
    delivered = await customer.refresh()
    assert "fue entregado" in delivered
    await customer.press("★★★★★")
    await customer.press("No, gracias")

    await customer.type(code)
    await customer.press("Devolución o cambio")
    await customer.press("Cojín bordado")
    await customer.press("1")
    await customer.type("Llegó con el color equivocado")
    await customer.press("Reembolso")

    alert = await admin.refresh()
    assert (
        f"Return #1 requested for order {code} (a refund):\n┃ Llegó con el color equivocado"
        in alert
    )
    await admin.press("Open return")
    await admin.press("Approve")
    assert "fue aprobada" in await customer.refresh()
    await admin.press("Received, sellable")
    refunded = await admin.press("Refund")
    assert "Refund of MX$429.00 recorded." in refunded
    assert "$429.00 MXN" in await customer.refresh()
    after = await get_product(demo_shop, sku="COJ-BORD")
    assert after.on_hand == before.on_hand - 2 + 1
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert details.order.rating == 5
    assert details.payments[0].refunded.amount == 42900


async def test_two_admins_pressing_confirm_confirm_once_and_the_second_is_told(demo_shop):
    await admins.add_admin(demo_shop, "terminal", "second", "Socia")
    first = ChatDriver(demo_shop, "owner", locale="en")
    second = ChatDriver(demo_shop, "second", locale="en")
    await first.open()
    await second.open()
    _, code = await spanish_customer_orders(demo_shop, "Vela de lavanda", 1)
    await first.refresh()
    await second.refresh()

    await first.press("Confirm")
    answer = await second.press("Confirm")
    assert f"Nothing done: order {code} is already confirmed (Shop (Owner)," in answer
    details = await orders.order_details(demo_shop, code, MERCHANT)
    assert [e.kind for e in details.timeline].count("confirmed") == 1
