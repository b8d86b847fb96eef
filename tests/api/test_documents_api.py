"""The REST API's documents: an order's receipt and packing slip as PDFs, with the
orders:read scope, read back (text and the order code's barcode)."""

from __future__ import annotations

import pypdfium2
import zxingcpp

from core.domain.actors import customer as customer_actor
from core.services import customers, orders
from tests.conftest import MERCHANT, Buyer, add_product, buy, new_buyer


def read(content: bytes) -> tuple[str, list[str]]:
    page = pypdfium2.PdfDocument(content)[0]
    text = " ".join(page.get_textpage().get_text_range().split())
    return text, [c.text for c in zxingcpp.read_barcodes(page.render(scale=4).to_pil())]


async def test_the_receipt_and_the_packing_slip_are_pdfs_of_the_order(api_shop, api_as):
    client = await api_as("orders:read")
    mug = await add_product(api_shop, "TAZA-API", price="150.00", name="Taza API")
    found = await customers.identify(api_shop, "terminal", "3001", name="Ann", locale="en")
    order = await buy(api_shop, Buyer(found.id, customer_actor(found.id)), {mug: 3})

    answer = await client.get(f"/api/v1/orders/{order.code}/receipt.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert f'filename="recibo-{order.code}.pdf"' in answer.headers["content-disposition"]
    text, codes = read(answer.content)
    assert "RECEIPT" in text and "Taza API (TAZA-API)" in text  # the customer's language
    assert codes == [order.code]
    spanish = await client.get(
        f"/api/v1/orders/{order.code}/receipt.pdf", headers={"Accept-Language": "es-MX"}
    )
    assert "RECIBO" in read(spanish.content)[0]  # asked for: the caller's

    slip = await client.get(f"/api/v1/orders/{order.code}/packing-slip.pdf")
    assert slip.status_code == 200 and slip.headers["content-type"] == "application/pdf"
    text, codes = read(slip.content)
    assert "REMISIÓN" in text and "TAZA-API" in text and codes == [order.code]


async def test_no_receipt_for_a_cancelled_unpaid_order_and_scopes_are_needed(api_shop, api_as):
    candle = await add_product(api_shop, "VELA-API")
    order = await buy(api_shop, await new_buyer(api_shop, "3002"), {candle: 1})
    await orders.cancel_order(api_shop, MERCHANT, order.code, "sin existencias")
    client = await api_as("orders:read")
    refused = await client.get(f"/api/v1/orders/{order.code}/receipt.pdf")
    assert refused.status_code == 409 and refused.json()["code"] == "no_receipt"
    assert refused.json()["order_status"] == "cancelled" and refused.json()["status"] == 409
    missing = await client.get("/api/v1/orders/PED-22222/packing-slip.pdf")
    assert missing.status_code == 404

    other = await api_as("products:read")
    assert (await other.get(f"/api/v1/orders/{order.code}/packing-slip.pdf")).status_code == 403
