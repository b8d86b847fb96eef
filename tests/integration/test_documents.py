"""The packing slip, the picking list and the receipt, drawn and read back: the text a
person reads on each page (pypdfium2) and the order code's barcode (zxing-cpp), in
Spanish and English, over several pages when the order is long."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp

from core.domain.errors import NoReceipt, NotAllowed, OrderNotFound
from core.domain.orders import PaymentMethod
from core.services import documents, orders, payments
from core.services.expiry import expire_overdue_orders
from handlers.documents.packing_slip import packing_slip, picking_list
from handlers.documents.receipt import receipt
from handlers.i18n import Translator
from tests.conftest import MERCHANT, add_product, buy, new_buyer


def read(pdf: bytes) -> tuple[list[str], list[str]]:
    """Each page's text, and the barcodes on the first page."""
    document = pypdfium2.PdfDocument(pdf)
    pages = [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    codes = [c.text for c in zxingcpp.read_barcodes(document[0].render(scale=4).to_pil())]
    return pages, codes


async def an_order(shop, payment=PaymentMethod.CASH_ON_DELIVERY, buyer_id="1001"):
    mug = await add_product(shop, "TAZA-TAL", price="189.00", name="Taza de talavera")
    candle = await add_product(shop, "VELA-LAV", price="120.00", name="Vela de lavanda")
    buyer = await new_buyer(shop, buyer_id)
    return await buy(shop, buyer, {mug: 2, candle: 1}, payment), buyer


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", ["RECIBO", "Taza de talavera (TAZA-TAL)", "$378.00 MXN", "IVA incluido",
                "Envío (Estándar)", "$99.00 MXN", "Total $597.00 MXN", "Pago contra entrega",
                "Por pagar contra entrega: $597.00 MXN", "no es una factura"]),
        ("en", ["RECEIPT", "Taza de talavera (TAZA-TAL)", "MX$378.00", "Tax included",
                "Shipping (Standard)", "MX$99.00", "Total MX$597.00", "Cash on delivery",
                "To be paid in cash on delivery: MX$597.00", "not a tax invoice"]),
    ],
)  # fmt: skip
async def test_a_receipt_reads_back_its_shop_lines_totals_and_payment(shop, lang, words):
    order, _ = await an_order(shop)
    source = await documents.receipt(shop, MERCHANT, order.code)
    pages, codes = read(receipt(shop, Translator(lang), source.details).content)
    assert len(pages) == 1
    assert shop.settings.store_name in pages[0] and order.code in pages[0]
    assert "Av. Juárez 100" in pages[0]
    assert "Ana López" in pages[0]
    for word in words:
        assert word in pages[0], word
    assert codes == [order.code]
    assert "RFC" not in pages[0]  # no STORE_TAX_ID set


async def test_a_receipt_shows_the_tax_id_the_tax_as_priced_and_the_money_received(shop):
    shop.settings = shop.settings.model_copy(
        update={"store_tax_id": "TDE010101AB1", "prices_include_tax": False}
    )
    shop.policy = shop.settings.pricing_policy()
    order, _ = await an_order(shop, PaymentMethod.BANK_TRANSFER)
    source = await documents.receipt(shop, MERCHANT, order.code)
    pages, _ = read(receipt(shop, Translator("es"), source.details).content)
    assert "RFC: TDE010101AB1" in pages[0]
    assert "IVA $79.68 MXN" in pages[0] and "incluido" not in pages[0]  # 16 % of 498.00
    assert "Pago pendiente: $676.68 MXN" in pages[0]  # 498.00 + 79.68 + 99.00

    await payments.record_manual_payment(shop, MERCHANT, order.code)
    source = await documents.receipt(shop, MERCHANT, order.code)
    pages, _ = read(receipt(shop, Translator("en"), source.details).content)
    assert "Bank transfer" in pages[0] and "Paid" in pages[0] and "pending" not in pages[0]


async def test_a_long_receipt_goes_on_to_a_second_page_with_nothing_cut_off(shop):
    buyer = await new_buyer(shop)
    items = {}
    for n in range(45):
        name = f"Producto artesanal número {n:02d} bordado a mano en Oaxaca con hilo de algodón"
        items[await add_product(shop, f"ART-{n:02d}", price="10.00", name=name)] = 1
    order = await buy(shop, buyer, items)
    source = await documents.receipt(shop, MERCHANT, order.code)
    pages, codes = read(receipt(shop, Translator("es"), source.details).content)
    assert len(pages) >= 2
    text = " ".join(pages)
    for n in range(45):
        assert f"(ART-{n:02d})" in text
    assert "Página 1 de" in pages[0] and f"Página {len(pages)} de {len(pages)}" in pages[-1]
    assert "continúa" in pages[1]  # the table says whose lines these are
    assert "Total $549.00 MXN" in pages[-1]  # 45 × 10.00 and 99.00 shipping
    assert codes == [order.code]


async def test_no_receipt_for_an_expired_or_cancelled_unpaid_order_and_never_anothers(shop, clock):
    card, buyer = await an_order(shop, PaymentMethod.CARD)
    clock.advance(hours=2)
    await expire_overdue_orders(shop)
    with pytest.raises(NoReceipt):
        await documents.receipt(shop, buyer.actor, card.code)

    cancelled, _ = await an_order(shop, buyer_id="1002")
    await orders.cancel_order(shop, MERCHANT, cancelled.code, "sin existencias")
    with pytest.raises(NoReceipt):
        await documents.receipt(shop, MERCHANT, cancelled.code)

    other = await new_buyer(shop, "1003", "Beto")
    placed, owner = await an_order(shop, buyer_id="1004")
    with pytest.raises(OrderNotFound):
        await documents.receipt(shop, other.actor, placed.code)
    mine = await documents.receipt(shop, owner.actor, placed.code)
    assert mine.details.order.code == placed.code and mine.locale == "es"


async def test_a_cancelled_order_that_was_paid_has_a_receipt_showing_the_refund(shop):
    order, _ = await an_order(shop, PaymentMethod.BANK_TRANSFER)
    await payments.record_manual_payment(shop, MERCHANT, order.code)
    await orders.cancel_order(shop, MERCHANT, order.code, "sin existencias")
    source = await documents.receipt(shop, MERCHANT, order.code)
    pages, _ = read(receipt(shop, Translator("es"), source.details).content)
    assert "Reembolsado: $597.00 MXN" in pages[0]


async def test_a_packing_slip_has_skus_quantities_checkboxes_and_no_address(shop):
    order, _ = await an_order(shop)
    details = await documents.packing_slip(shop, MERCHANT, order.code)
    for lang, words in (
        ("es", ["REMISIÓN", "Para: Ana · Oaxaca", "Método de envío: Estándar", "TAZA-TAL",
                "Cantidad", "2 líneas · 3 piezas"]),
        ("en", ["PACKING SLIP", "For: Ana · Oaxaca", "Shipping method: Standard", "TAZA-TAL",
                "Quantity", "2 lines · 3 units"]),
    ):  # fmt: skip
        pages, codes = read(packing_slip(shop, Translator(lang), details).content)
        assert len(pages) == 1 and codes == [order.code]
        for word in words:
            assert word in pages[0], word
        assert "Calle Morelos" not in pages[0] and "López" not in pages[0]  # on the label
        assert "951" not in pages[0]  # nor the phone


async def test_the_picking_list_sums_units_per_sku_over_the_orders_ready(shop, clock):
    first, _ = await an_order(shop, buyer_id="2001")
    clock.advance(minutes=5)
    second, _ = await an_order(shop, buyer_id="2002")
    waiting, _ = await an_order(shop, buyer_id="2003")  # not confirmed: not on it
    await orders.confirm_order(shop, MERCHANT, first.code)
    await orders.confirm_order(shop, MERCHANT, second.code)
    await orders.start_preparing(shop, MERCHANT, second.code)
    ready = await documents.ready_to_prepare(shop, MERCHANT)
    assert [d.order.code for d in ready] == [first.code, second.code]  # oldest first
    pdf = picking_list(shop, Translator("es"), ready, shop.now()).content
    pages, _ = read(pdf)
    assert len(pages) == 3  # the list, then a slip per order
    assert "SURTIDO" in pages[0] and "2 pedidos listos para preparar" in pages[0]
    assert "TAZA-TAL Taza de talavera 4 2" in pages[0]  # units, orders
    assert "VELA-LAV Vela de lavanda 2 2" in pages[0]
    assert "2 productos · 6 piezas" in pages[0]
    assert waiting.code not in " ".join(pages)
    assert first.code in pages[1] and second.code in pages[2]


async def test_only_the_shops_team_gets_packing_slips(shop):
    order, buyer = await an_order(shop)
    with pytest.raises(NotAllowed):
        await documents.packing_slip(shop, buyer.actor, order.code)
    with pytest.raises(NotAllowed):
        await documents.ready_to_prepare(shop, buyer.actor)
