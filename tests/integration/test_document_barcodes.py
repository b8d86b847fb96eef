"""No text runs through a document's barcode: the shop's long name and address beside
the receipt's, the packing slip's heading, a purchase order's title and a long supplier
name. Each PDF is rendered, the barcode found and decoded on the page (zxing-cpp), and
every character's box (pypdfium2) checked against the barcode's rectangle."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp

from core.services import documents, orders
from core.services import purchase_orders as po
from core.services.purchase_orders import LineRequest
from handlers.documents.packing_slip import packing_slip, picking_list
from handlers.documents.pages import Sheet
from handlers.documents.purchase_order import purchase_order_pdf
from handlers.documents.receipt import receipt
from handlers.i18n import Translator
from tests.conftest import MERCHANT, add_product, buy, new_buyer
from tests.integration.test_purchase_orders import add_supplier

pytestmark = pytest.mark.sqlite_only  # drawing, not the store

SCALE = 4  # pixels per PDF point when rendering for the barcode reader
LONG_ADDRESS = (
    "Calle de Nuestra Señora de Guadalupe 1234 Int. 5, Colonia Del Valle Centro, "
    "Benito Juárez, 03100 Ciudad de México, CDMX, México"
)
LONG_NAME = "Artesanías y Textiles Tradicionales de la Sierra Norte de Puebla S.A. de C.V."


def crossings(pdf: bytes) -> tuple[list[list[str]], list[str]]:
    """Per page, the characters whose box meets a barcode's rectangle (its bars, with
    a point to spare), and the codes read on every page."""
    document = pypdfium2.PdfDocument(pdf)
    crossed: list[list[str]] = []
    codes: list[str] = []
    for page in document:
        height = page.get_height()
        boxes = []
        for found in zxingcpp.read_barcodes(page.render(scale=SCALE).to_pil()):
            codes.append(found.text)
            corners = [
                found.position.top_left,
                found.position.top_right,
                found.position.bottom_left,
                found.position.bottom_right,
            ]
            xs = [p.x / SCALE for p in corners]
            ys = [height - p.y / SCALE for p in corners]  # pixels go down, points up
            boxes.append((min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1))
        text = page.get_textpage()
        hits = []
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if not char.strip():
                continue
            left, bottom, right, top = text.get_charbox(index)
            for x0, y0, x1, y1 in boxes:
                if left < x1 and right > x0 and bottom < y1 and top > y0:
                    hits.append(char)
        crossed.append(hits)
    return crossed, codes


def text_of(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in document)


@pytest.fixture
def long_shop(shop):
    shop.settings = shop.settings.model_copy(
        update={
            "store_name": LONG_NAME,
            "store_address": LONG_ADDRESS,
            "store_phone": "+52 55 5555 1234 ext. 1234",
            "store_tax_id": "ATT010101AB1",
        }
    )
    return shop


async def an_order(shop) -> str:
    mug = await add_product(shop, "TAZA-TAL", price="189.00", name="Taza de talavera")
    return (await buy(shop, await new_buyer(shop), {mug: 2})).code


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_the_receipts_long_shop_address_wraps_before_the_barcode(long_shop, lang):
    code = await an_order(long_shop)
    source = await documents.receipt(long_shop, MERCHANT, code)
    pdf = receipt(long_shop, Translator(lang), source.details).content
    crossed, codes = crossings(pdf)
    assert codes == [code]
    assert crossed == [[]]
    text = text_of(pdf)
    for word in ("Guadalupe", "Benito Juárez", "CDMX, México", "ATT010101AB1", "Sierra Norte"):
        assert word in text, word  # wrapped, not cut


async def test_the_packing_slip_and_picking_list_keep_their_barcodes_clear(long_shop):
    code = await an_order(long_shop)
    await orders.confirm_order(long_shop, MERCHANT, code)
    details = await documents.packing_slip(long_shop, MERCHANT, code)
    crossed, codes = crossings(packing_slip(long_shop, Translator("es"), details).content)
    assert codes == [code] and crossed == [[]]

    ready = await documents.ready_to_prepare(long_shop, MERCHANT)
    pdf = picking_list(long_shop, Translator("en"), ready, long_shop.now()).content
    crossed, codes = crossings(pdf)
    assert codes == [code]  # on the order's own page
    assert crossed == [[], []]


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_a_purchase_orders_barcode_is_clear_of_its_title_and_supplier(long_shop, lang):
    supplier_id = await add_supplier(long_shop, LONG_NAME)
    await add_product(long_shop, "TAZA-TAL", name="Taza de talavera")
    draft = await po.create_draft(long_shop, MERCHANT, supplier_id, [LineRequest("TAZA-TAL", 3)])
    for details in (draft, await po.send(long_shop, MERCHANT, draft.order.code)):
        pdf = purchase_order_pdf(long_shop, Translator(lang), details).content
        crossed, codes = crossings(pdf)
        assert codes == [details.order.code] and crossed == [[]]
        assert "Sierra Norte de Puebla" in text_of(pdf) and "Guadalupe" in text_of(pdf)


@pytest.mark.parametrize("country", ["MX", "ES"])  # letter and A4
def test_a_barcode_drawn_after_a_block_too_wide_for_it_goes_below_the_block(country):
    # The purchase order draws its title, then the barcode in the corner (Sheet.barcode):
    # a title reaching into the corner sends the barcode below it, not over it.
    sheet = Sheet("t", country, lambda number, total: f"{number}/{total}")
    top = sheet.y
    sheet.text("Orden de compra " + LONG_NAME, 16, bold=True)
    sheet.text("Fecha: 2 nov 2026", 10)
    sheet.barcode("OC-7K3F", top)
    sheet.text("De", 8, bold=True)
    pdf = sheet.finish()
    crossed, codes = crossings(pdf)
    assert codes == ["OC-7K3F"] and crossed == [[]]
    assert "Sierra Norte" in text_of(pdf)
