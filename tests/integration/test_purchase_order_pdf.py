"""The purchase order's PDF, rendered and read back: the text a supplier reads (in the
shop's language) and the barcode of its code, decoded from the rendered page."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp

from core.services import purchase_orders as po
from core.services.purchase_orders import LineRequest
from handlers.documents.purchase_order import purchase_order_pdf
from handlers.i18n import Translator
from tests.conftest import MERCHANT, add_product
from tests.integration.test_purchase_orders import add_supplier, supply

pytestmark = pytest.mark.sqlite_only  # drawing, not the store


def read_back(pdf: bytes) -> tuple[str, list[str], int]:
    document = pypdfium2.PdfDocument(pdf)
    text = " ".join(page.get_textpage().get_text_range() for page in document)
    codes = [c.text for c in zxingcpp.read_barcodes(document[0].render(scale=3).to_pil())]
    return " ".join(text.split()), codes, len(document)


async def sent_order(shop, lines: list[LineRequest], notes: str = "") -> po.PurchaseOrderDetails:
    supplier_id = await add_supplier(shop, "Talavera Uriarte", lead_time_days=5)
    mug = await add_product(shop, "TAZA-TAL", name="Taza de talavera")
    await add_product(shop, "GOR-ROJA", name="Gorra roja")
    await supply(shop, mug, supplier_id, "UR-TZ-01", 8550)
    code = (await po.create_draft(shop, MERCHANT, supplier_id, lines, notes=notes)).order.code
    return await po.send(shop, MERCHANT, code)


async def test_the_supplier_reads_the_order_in_the_shops_language(shop):
    details = await sent_order(
        shop,
        [LineRequest("TAZA-TAL", 12), LineRequest("GOR-ROJA", 5)],
        notes="Entregar de 9 a 14 h, andén 2",
    )
    code = details.order.code
    text, codes, _pages = read_back(purchase_order_pdf(shop, Translator("es"), details).content)
    assert f"Orden de compra {code}" in text
    assert "Tienda Demo" in text and "Av. Juárez 100" in text
    assert "Para Talavera Uriarte Lucía Pérez · +52 222 123 4567 · ventas@uriarte.example" in text
    assert "Código del proveedor Nuestro SKU Producto Cant. Costo unitario Total" in text
    assert "Fecha: 2 nov 2026 Llegada esperada: 7 nov 2026" in text  # sent + lead time
    assert "UR-TZ-01 TAZA-TAL Taza de talavera 12 $85.50 MXN $1,026.00 MXN" in text
    assert "— GOR-ROJA Gorra roja 5 — —" in text
    assert "Total: $1,026.00 MXN (17 unidades)" in text
    assert "1 línea no tiene costo acordado todavía y no está en el total" in text
    assert "Entregar de 9 a 14 h, andén 2" in text
    assert codes == [code]


async def test_in_english_and_a_long_order_over_several_pages(shop):
    details = await sent_order(shop, [LineRequest("TAZA-TAL", 3)])
    english = read_back(purchase_order_pdf(shop, Translator("en"), details).content)
    assert f"Purchase order {details.order.code}" in english[0]
    assert "Supplier code Our SKU Product Qty Unit cost Total" in english[0]
    assert english[1] == [details.order.code]

    for n in range(60):
        await add_product(shop, f"VELA-{n:02}", name=f"Vela aromática número {n}")
    supplier_id = details.supplier.id
    lines = [LineRequest(f"VELA-{n:02}", n + 1, 1000) for n in range(60)]
    long = await po.create_draft(shop, MERCHANT, supplier_id, lines)
    text, codes, pages = read_back(purchase_order_pdf(shop, Translator("en"), long).content)
    assert pages >= 2 and f"Page 1 of {pages}" in text
    assert text.count("Supplier code Our SKU") == pages  # the header on every page
    assert "VELA-59 Vela aromática número 59 60" in text
    assert "(draft)" in text and codes == [long.order.code]
