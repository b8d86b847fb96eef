"""Purchase orders from the admin chat (the terminal channel, in process): a draft typed
in one message, a line changed, sent with its PDF, received in part and in full, closed;
a draft from the reorder suggestions' button; buttons from older messages; bad input
answered clearly; a customer refused with nothing changed."""

from __future__ import annotations

import re

import pypdfium2
import pytest
import zxingcpp

from core.services import purchase_orders as po
from core.services.catalog import get_product
from handlers.admin.purchase_orders import (
    CancelPurchaseOrder,
    DraftPurchaseOrder,
    ReceiveOutstanding,
    SendPurchaseOrder,
)
from tests.conftest import MERCHANT
from tests.e2e.chat_driver import ChatDriver
from tests.integration.test_purchase_orders import add_supplier, snapshot, supply

pytestmark = pytest.mark.sqlite_only  # the conversation; the store's tests run on both

CODE = re.compile(r"OC-[2-9A-Z]{4}")


async def admin_chat(shop, tmp_path, locale: str = "en") -> ChatDriver:
    chat = ChatDriver(shop, "owner", locale=locale, files=tmp_path)
    await chat.open()
    return chat


@pytest.fixture
async def uriarte(demo_shop) -> int:
    """A supplier of the demo shop's mugs (reordered below 100, in boxes of 6)."""
    supplier_id = await add_supplier(demo_shop, "Talavera Uriarte", lead_time_days=5)
    mug = await get_product(demo_shop, sku="TAZA-TAL")
    await supply(demo_shop, mug.id, supplier_id, "UR-TZ-01", 8550, reorder_point=100, pack_size=6)
    return supplier_id


async def test_a_purchase_order_from_draft_to_closed_in_the_chat(demo_shop, uriarte, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path)
    mugs = (await get_product(demo_shop, sku="TAZA-TAL")).on_hand
    caps = (await get_product(demo_shop, sku="GOR-ROJA")).on_hand
    draft = await admin.type("/nuevacompra Talavera Uriarte TAZA-TAL 12, gor-roja 6 45,50")
    code = CODE.search(draft).group()
    assert f"📝 Draft purchase order {code} for Talavera Uriarte" in draft
    assert "• TAZA-TAL · Taza de talavera (UR-TZ-01): 12 × MX$85.50" in draft
    assert "• GOR-ROJA · Gorra roja: 6 × MX$45.50" in draft
    assert "Total: MX$1,299.00" in draft
    assert "Drafted (Shop (Owner))" in draft

    changed = await admin.type(f"/compra {code.lower()} TAZA-TAL 10")
    assert f"Purchase order {code} updated." in changed and "10 × MX$85.50" in changed
    assert "Line changed: TAZA-TAL ×10" in changed

    sent = await admin.press("Send (PDF)")
    assert f"📤 Purchase order {code} is sent." in sent
    assert f"Purchase order {code} for Talavera Uriarte (ventas@uriarte.example" in sent
    pdf = tmp_path / f"orden-compra-{code}.pdf"
    page = pypdfium2.PdfDocument(pdf.read_bytes())[0]
    assert "Talavera Uriarte" in page.get_textpage().get_text_range()
    assert [c.text for c in zxingcpp.read_barcodes(page.render(scale=3).to_pil())] == [code]

    part = await admin.type(f"/recibir {code} taza-tal 4")
    assert f"📥 Into stock from {code}: TAZA-TAL +4 (now {mugs + 4} available)" in part
    assert "4 of 10 received, 6 to come" in part and "partly received" in part
    rest = await admin.press("Receive the rest")
    assert f"TAZA-TAL +6 (now {mugs + 10} available), GOR-ROJA +6" in rest
    assert f"Purchase order {code}: received in full" in rest
    closed = await admin.press("Close")
    assert f"Purchase order {code} closed." in closed and "• " in closed
    assert (await get_product(demo_shop, sku="GOR-ROJA")).on_hand == caps + 6

    listing = await admin.type("/compras todas")
    assert "All purchase orders: 1 (page 1)" in listing
    assert f"{code} · Talavera Uriarte · closed · MX$1,128.00" in listing
    assert "Open purchase orders\nNone." in await admin.type("/compras")
    theirs = await admin.type("/compras talavera  uriarte")
    assert "All purchase orders · Talavera Uriarte: 1 (page 1)" in theirs
    opened = await admin.press(code)
    assert f"Purchase order {code}: closed" in opened
    assert "• TAZA-TAL · Taza de talavera (UR-TZ-01): 10 of 10 received · MX$85.50" in opened


async def test_older_buttons_are_answered_with_what_happened(demo_shop, uriarte, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path)
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    send_again = SendPurchaseOrder(code).pack()
    await admin.press("Send (PDF)")
    again = await admin.send_payload(send_again)
    assert (
        f"Nothing done: purchase order {code} is already sent, waiting for the goods "
        "(Shop (Owner), today" in again
    )
    await admin.type(f"/recibir {code}")
    twice = await admin.send_payload(ReceiveOutstanding(code).pack())
    assert f"Nothing done: purchase order {code} is already received in full" in twice
    late = await admin.send_payload(CancelPurchaseOrder(code).pack())
    assert f"Purchase order {code} is received in full: it can't be cancelled now." in late
    forged = await admin.send_payload("pqs:OC-0000")
    assert "That button is from an older message." in forged
    mug = await get_product(demo_shop, sku="TAZA-TAL")
    assert (await po.purchase_order_details(demo_shop, MERCHANT, code)).order.received == 6
    assert mug.on_hand >= 6


async def test_a_draft_from_the_suggestions_button_and_a_cancel_with_a_reason(
    demo_shop, uriarte, tmp_path
):
    admin = await admin_chat(demo_shop, tmp_path, locale="es")
    made = await admin.send_payload(DraftPurchaseOrder(uriarte).pack())
    code = CODE.search(made).group()
    assert f"📝 Borrador de orden de compra {code} para Talavera Uriarte" in made
    assert "Taza de talavera (UR-TZ-01)" in made and "Hecha con las sugerencias" in made
    again = await admin.send_payload(DraftPurchaseOrder(uriarte).pack())
    assert f"Talavera Uriarte ya tiene un borrador de orden de compra, {code}" in again
    asked = await admin.press("Cancelar orden de compra")
    assert f"¿Por qué cancelas la orden de compra {code}?" in asked
    done = await admin.press("El proveedor no puede surtirlo")
    assert f"Orden de compra {code} cancelada." in done
    assert "Cancelada: “El proveedor no puede surtirlo”" in done


async def test_bad_input_is_answered_clearly_and_changes_nothing(demo_shop, uriarte, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path)
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    await admin.press("Send (PDF)")
    before = await snapshot(demo_shop)
    answers = {
        "/nuevacompra Talavera Uriarte; NADA-99 3": "There is no product with SKU NADA-99.",
        "/nuevacompra Talavera Uriarte; TAZA-TAL 0": "the quantity must be at least 1",
        "/nuevacompra Talavera Uriarte; TAZA-TAL -3": "Use a whole number from 1 to 100,000",
        "/nuevacompra Talavera Uriarte; TAZA-TAL 99999999": "from 1 to 100,000 for TAZA-TAL",
        "/nuevacompra Talavera Uriarte; TAZA-TAL muchas": "I couldn't read “TAZA-TAL muchas”",
        "/nuevacompra Nadie SA; TAZA-TAL 1": "There is no supplier “Nadie SA”.",
        "/nuevacompra": "Write /nuevacompra, the supplier, then each product's SKU",
        "/compra OC-ZZZZ": "There is no purchase order OC-ZZZZ.",
        "/compra": "Which purchase order? Add its code, e.g. /purchase OC-7K3F.",
        f"/compra {code} TAZA-TAL 3": "its lines change only while it is a draft",
        f"/recibir {code} TAZA-TAL 7": (
            f"Nothing received: 7 × TAZA-TAL is more than is still to come on purchase "
            f"order {code} (6 of 6)."
        ),
        f"/recibir {code} LENT-SOL 1": f"LENT-SOL is not on purchase order {code}.",
        f"/recibir {code} TAZA-TAL 0": "the quantity must be at least 1",
        f"/cerrarcompra {code}": "Nothing has come in for purchase order",
        "/compras ayer": "I don't know “ayer”",
    }
    for typed, expected in answers.items():
        assert expected in await admin.type(typed), typed
    assert await snapshot(demo_shop) == before


async def test_a_customer_is_refused_and_nothing_changes(demo_shop, uriarte, tmp_path):
    details = await po.create_draft(demo_shop, MERCHANT, uriarte, [po.LineRequest("TAZA-TAL", 6)])
    code = details.order.code
    await po.send(demo_shop, MERCHANT, code)
    before = await snapshot(demo_shop)
    stranger = ChatDriver(demo_shop, "u9", locale="es")
    await stranger.open()
    for typed in (
        "/compras",
        f"/compra {code}",
        "/nuevacompra Talavera Uriarte; TAZA-TAL 5",
        f"/recibir {code}",
        f"/cancelarcompra {code} no",
    ):
        assert "Perdón, eso es solo para el equipo de la tienda." in await stranger.type(typed)
    for payload in (ReceiveOutstanding(code).pack(), DraftPurchaseOrder(uriarte).pack()):
        refused = await stranger.send_payload(payload)
        assert "Perdón, eso es solo para el equipo de la tienda." in refused
    assert await snapshot(demo_shop) == before
    await stranger.still_answers()


async def test_notes_for_the_supplier_follow_the_lines(demo_shop, uriarte, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path)
    draft = await admin.type(
        "/nuevacompra Talavera Uriarte TAZA-TAL 2, GOR-ROJA 1; Entregar por la mañana"
    )
    assert "Notes: “Entregar por la mañana”" in draft
    assert "• TAZA-TAL · Taza de talavera (UR-TZ-01): 2 × MX$85.50" in draft
    code = CODE.search(draft).group()
    removed = await admin.type(f"/compra {code} gor-roja 0")
    assert "GOR-ROJA ·" not in removed and "Line removed: GOR-ROJA" in removed
    usage = await admin.type("/nuevacompra")
    assert "; TAZA-TAL 12, GOR-ROJA 6 45.50; deliver in the morning" in usage
