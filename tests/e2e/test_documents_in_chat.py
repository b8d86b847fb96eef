"""Documents in the chats: the admin's packing slip and picking list, the customer's
receipt asked in their own words, never someone else's, and sent on delivery when the
shop enables it (RECEIPT_ON_DELIVERY). Each PDF is read back (text and barcode)."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from core.domain.orders import PaymentMethod
from core.services import customers, documents, orders, shipping
from core.services.catalog import get_product
from tests.conftest import MERCHANT, Buyer, buy
from tests.e2e.chat_driver import ChatDriver
from tests.e2e.telegram_driver import TelegramUser, telegram_shop


def pdf_in(screen: str) -> Path:
    """The one PDF the terminal saved and named on this screen."""
    found = re.findall(r"📎 (\S+\.pdf)", screen)
    assert len(found) == 1, screen
    return Path(found[0])


def read(pdf: Path | bytes) -> tuple[list[str], list[str]]:
    document = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    pages = [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    codes = [c.text for c in zxingcpp.read_barcodes(document[0].render(scale=4).to_pil())]
    return pages, codes


async def customer(shop, user: str, locale: str = "es", name: str = "Lucía") -> Buyer:
    from core.domain.actors import customer as customer_actor

    found = await customers.identify(shop, "terminal", user, name=name, locale=locale)
    return Buyer(found.id, customer_actor(found.id))


async def an_order(shop, buyer: Buyer, payment=PaymentMethod.CASH_ON_DELIVERY) -> str:
    mug = await get_product(shop, sku="TAZA-TAL")
    candle = await get_product(shop, sku="VELA-LAV")
    return (await buy(shop, buyer, {mug.id: 2, candle.id: 1}, payment)).code


async def test_the_admin_gets_the_picking_list_and_a_packing_slip_in_the_terminal(
    demo_shop, tmp_path, clock
):
    admin = ChatDriver(demo_shop, "owner", locale="es", files=tmp_path)
    await admin.open()
    none = await admin.type("/surtido")
    assert "No hay pedidos listos para preparar" in none and "📎" not in none

    first = await an_order(demo_shop, await customer(demo_shop, "c1"))
    clock.advance(minutes=3)
    second = await an_order(demo_shop, await customer(demo_shop, "c2"))
    clock.advance(minutes=3)
    waiting = await an_order(demo_shop, await customer(demo_shop, "c3"))
    await orders.confirm_order(demo_shop, MERCHANT, first)
    await orders.confirm_order(demo_shop, MERCHANT, second)
    await orders.start_preparing(demo_shop, MERCHANT, second)

    screen = await admin.type("/surtido")
    assert "Lista de surtido: 2 pedidos listos para preparar · 6 piezas" in screen
    pages, _ = read(pdf_in(screen))
    assert len(pages) == 3
    assert "LISTA DE SURTIDO" in pages[0] and first in pages[0] and second in pages[0]
    assert "TAZA-TAL Taza de talavera 4 2" in pages[0]
    assert waiting not in " ".join(pages)
    assert "Para: Ana · Oaxaca" in pages[2] and "López" not in pages[2]  # first name, city

    assert "PED-7K3FQ" in await admin.type("/remision")  # which order? an example
    card = await admin.type(f"/pedido {first}")
    assert "Remisión" in card
    screen = await admin.press("Remisión")
    assert f"Remisión del pedido {first}" in screen
    pages, codes = read(pdf_in(screen))
    assert "REMISIÓN" in pages[0] and "TAZA-TAL" in pages[0] and codes == [first]


async def test_a_full_picking_list_says_how_many_more_orders_are_waiting(
    demo_shop, tmp_path, clock, monkeypatch
):
    monkeypatch.setattr(documents, "MOST_ON_A_PICKING_LIST", 2)  # 100 in the shop
    admin = ChatDriver(demo_shop, "owner", locale="es", files=tmp_path)
    await admin.open()
    codes = []
    for n in range(2):
        codes.append(await an_order(demo_shop, await customer(demo_shop, f"c{n}")))
        await orders.confirm_order(demo_shop, MERCHANT, codes[-1])
        clock.advance(minutes=3)
    screen = await admin.type("/surtido")
    assert "2 pedidos listos para preparar" in screen and "más" not in screen  # all on it

    for n in range(2, 5):
        codes.append(await an_order(demo_shop, await customer(demo_shop, f"c{n}")))
        await orders.confirm_order(demo_shop, MERCHANT, codes[-1])
        clock.advance(minutes=3)
    screen = await admin.type("/surtido")
    assert "Lista de surtido: 2 pedidos listos para preparar · 6 piezas" in screen
    assert (
        "Hay 3 pedidos más listos para preparar que no están en esta lista (caben 2 como "
        "máximo): cuando empaques estos, vuelve a mandar /surtido."
    ) in screen
    pages, _ = read(pdf_in(screen))
    assert len(pages) == 3 and codes[0] in pages[0] and codes[1] in pages[0]  # the oldest
    assert "Hay 3 pedidos más listos para preparar que no están en esta lista" in pages[0]
    assert not any(code in " ".join(pages) for code in codes[2:])

    for code in codes[:2]:  # packed: off the next list
        await orders.start_preparing(demo_shop, MERCHANT, code)
        await orders.mark_packed(demo_shop, MERCHANT, code)
    screen = await admin.type("/surtido")
    assert "Hay 1 pedido más listo para preparar que no está en esta lista" in screen
    pages, _ = read(pdf_in(screen))
    assert codes[2] in pages[0] and codes[3] in pages[0] and codes[4] not in pages[0]


async def test_the_admin_gets_a_receipt_in_the_customers_language(demo_shop, tmp_path):
    admin = ChatDriver(demo_shop, "owner", locale="es", files=tmp_path)
    await admin.open()
    code = await an_order(demo_shop, await customer(demo_shop, "c9", locale="en"))
    screen = await admin.type(f"/recibo {code}")
    assert f"Recibo del pedido {code}" in screen  # the caption: the admin's language
    pages, codes = read(pdf_in(screen))
    assert "RECEIPT" in pages[0] and "To be paid in cash on delivery" in pages[0]
    assert codes == [code]


async def test_a_cancelled_unpaid_order_has_no_receipt_for_the_admin_either(demo_shop, tmp_path):
    admin = ChatDriver(demo_shop, "owner", locale="es", files=tmp_path)
    await admin.open()
    code = await an_order(demo_shop, await customer(demo_shop, "c8"))
    await orders.cancel_order(demo_shop, MERCHANT, code, "sin existencias")
    screen = await admin.type(f"/recibo {code}")
    assert f"El pedido {code} no tiene recibo" in screen and "📎" not in screen


@pytest.mark.parametrize(
    ("locale", "asked", "caption", "title"),
    [
        ("es", "me mandas el ticket de mi compra", "Tu recibo del pedido", "RECIBO"),
        ("es", "mi recibo", "Tu recibo del pedido", "RECIBO"),
        ("en", "receipt please", "Your receipt for order", "RECEIPT"),
    ],
)
async def test_a_customer_types_for_their_receipt_and_gets_the_pdf(
    demo_shop, tmp_path, locale, asked, caption, title
):
    buyer = await customer(demo_shop, "ana", locale=locale)
    code = await an_order(demo_shop, buyer)
    chat = ChatDriver(demo_shop, "ana", locale=locale, files=tmp_path)
    await chat.open()
    screen = await chat.type(asked)
    assert f"{caption} {code}" in screen
    pages, codes = read(pdf_in(screen))
    assert title in pages[0] and codes == [code]
    assert "CFDI" not in screen  # no invoice asked for: no invoice note


async def test_several_recent_orders_are_offered_and_factura_is_told_apart(demo_shop, tmp_path):
    buyer = await customer(demo_shop, "ana")
    older = await an_order(demo_shop, buyer)
    newer = await an_order(demo_shop, buyer)
    chat = ChatDriver(demo_shop, "ana", locale="es", files=tmp_path)
    await chat.open()
    question = await chat.type("quiero factura")
    assert "¿De qué pedido quieres el recibo?" in question
    assert "no es una factura (CFDI)" in question and "📎" not in question
    assert older in question and newer in question
    screen = await chat.press(older)
    assert f"Tu recibo del pedido {older}" in screen
    assert read(pdf_in(screen))[1] == [older]

    screen = await chat.type(f"el recibo del pedido {newer} porfa")
    assert f"Tu recibo del pedido {newer}" in screen


async def test_nobody_gets_the_receipt_of_someone_elses_order(demo_shop, tmp_path):
    code = await an_order(demo_shop, await customer(demo_shop, "ana"))
    await customer(demo_shop, "beto", name="Beto")
    chat = ChatDriver(demo_shop, "beto", locale="es", files=tmp_path)
    await chat.open()
    refused = await chat.type(f"/recibo {code}")
    assert f"No encontré el pedido {code}" in refused and "📎" not in refused
    assert "Ana" not in refused and "Taza" not in refused and "equipo" not in refused
    # Word for word what a code that is nobody's order gets: nothing tells them apart.
    unknown = await chat.type("/recibo PED-ZZZZZ")
    assert unknown == refused.replace(code, "PED-ZZZZZ")
    typed = await chat.type(f"mándame el recibo del pedido {code}")
    assert f"No encontré el pedido {code}" in typed and "📎" not in typed
    assert "Ana" not in typed and "Taza" not in typed


@pytest.mark.parametrize(
    ("locale", "command", "caption", "title"),
    [("es", "/recibo", "Tu recibo del pedido", "RECIBO"),
     ("en", "/receipt", "Your receipt for order", "RECEIPT")],
)  # fmt: skip
async def test_a_customer_asks_for_a_receipt_by_command_with_or_without_a_code(
    demo_shop, tmp_path, locale, command, caption, title
):
    buyer = await customer(demo_shop, "ana", locale=locale)
    older = await an_order(demo_shop, buyer)
    newer = await an_order(demo_shop, buyer)
    chat = ChatDriver(demo_shop, "ana", locale=locale, files=tmp_path)
    await chat.open()
    screen = await chat.type(f"{command} {older.lower()}")
    assert f"{caption} {older}" in screen
    pages, codes = read(pdf_in(screen))
    assert title in pages[0] and codes == [older]

    # No code: what "mi recibo" does, here a choice between the two recent orders.
    question = await chat.type(command)
    assert older in question and newer in question and "📎" not in question
    screen = await chat.press(newer)
    assert f"{caption} {newer}" in screen and read(pdf_in(screen))[1] == [newer]

    help_text = await chat.type("/ayuda" if locale == "es" else "/help")
    assert ("/recibo" if locale == "es" else "/receipt") in help_text


@pytest.mark.parametrize("enabled", [True, False])
async def test_delivered_carries_the_receipt_only_when_the_shop_enables_it(
    demo_shop, tmp_path, enabled
):
    demo_shop.settings = demo_shop.settings.model_copy(update={"receipt_on_delivery": enabled})
    buyer = await customer(demo_shop, "ana")
    code = await an_order(demo_shop, buyer)
    chat = ChatDriver(demo_shop, "ana", locale="es", files=tmp_path)
    await chat.open()
    await orders.confirm_order(demo_shop, MERCHANT, code)
    await orders.start_preparing(demo_shop, MERCHANT, code)
    await orders.mark_packed(demo_shop, MERCHANT, code)
    await shipping.ship_order(demo_shop, MERCHANT, code, "dhl", "JD0146000031")
    await chat.refresh()
    await orders.mark_delivered(demo_shop, MERCHANT, code)
    news = await chat.refresh()
    assert f"Tu pedido {code} fue entregado" in news
    if enabled:
        assert f"Tu recibo del pedido {code}" in news
        pages, codes = read(pdf_in(news))
        assert "Pagado en efectivo contra entrega" in pages[0] and codes == [code]
    else:
        assert "📎" not in news and "recibo" not in news


async def test_the_admin_gets_the_picking_list_and_a_receipt_on_telegram(demo_shop):
    admin_id = 9001
    async with telegram_shop(demo_shop, "polling") as tg:
        admin = TelegramUser(tg, admin_id, language="en", name="Dueña")
        await admin.says("/start")
        code = await an_order(demo_shop, await customer(demo_shop, "c1"))
        await orders.confirm_order(demo_shop, MERCHANT, code)
        await admin.says("/picklist")
        await admin.says(f"/receipt {code}")
        sent = [m for m in tg.double.messages(admin_id) if m.kind == "document"]
        assert [m.document[0] for m in sent][-1] == f"recibo-{code}.pdf"
        assert sent[-2].document[0].startswith("surtido-")
        pages, _ = read(sent[-2].document[1])
        assert "PICKING LIST" in pages[0] and code in pages[0]
        # The receipt's barcode reads as the order code. (zxing-cpp now and then also
        # reports a second, partial read of the same bars, "PED-FQM2;" beside
        # "PED-FQM2P": the code must be among what it read.)
        assert code in read(sent[-1].document[1])[1]
        assert tg.double.rejected == []


async def test_a_payment_receipt_sent_to_the_shop_is_not_a_request_for_ours(demo_shop, tmp_path):
    buyer = await customer(demo_shop, "ana")
    code = await an_order(demo_shop, buyer, PaymentMethod.BANK_TRANSFER)
    chat = ChatDriver(demo_shop, "ana", locale="es", files=tmp_path)
    await chat.open()
    screen = await chat.type("ya te mandé el comprobante")
    assert "foto del comprobante" in screen and code in screen  # payment_sent's answer
    assert "📎" not in screen
