"""Purchase orders from the admin chat (the terminal channel, in process): a draft typed
in one message, a line changed, sent with its PDF, received in part and in full, closed;
a draft from the reorder suggestions' button; buttons from older messages; bad input
answered clearly; a customer refused with nothing changed."""

from __future__ import annotations

import re

import pypdfium2
import pytest
import zxingcpp

from core.services import admins
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
    assert (
        f"Purchase order {code} can't be cancelled: goods came in for it (received in full). "
        f"Close it instead with /closepurchase {code}." in late
    )
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
        "/nuevacompra": "Write /newpurchase, the supplier, then each product's SKU",
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


async def test_a_drafts_line_edited_after_the_supplier_moved_to_dollars(
    demo_shop, uriarte, tmp_path
):
    admin = await admin_chat(demo_shop, tmp_path)
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    assert "6 × MX$85.50" in draft
    moved = await admin.type("/supplier Talavera Uriarte currency=USD")
    assert "was in MXN, so it was cleared: type it in USD" in moved
    await admin.type("/supply GOR-ROJA supplier=Talavera Uriarte cost=3.00")  # dollars

    # The draft stays in pesos: a typed cost is pesos, a dollar cost is not copied.
    edited = await admin.type(f"/compra {code} TAZA-TAL 10 90.00, GOR-ROJA 2")
    assert f"Purchase order {code} updated." in edited
    assert "• TAZA-TAL · Taza de talavera (UR-TZ-01): 10 × MX$90.00" in edited
    # Its code was the old supplier's (AM-GR): cleared when it moved to Talavera Uriarte.
    assert "• GOR-ROJA · Gorra roja: 2 × no cost" in edited
    assert "Total: MX$900.00" in edited
    await admin.press("PDF")
    pdf = pypdfium2.PdfDocument((tmp_path / f"orden-compra-{code}.pdf").read_bytes())
    text = pdf[0].get_textpage().get_text_range()
    assert "TAZA-TAL Taza de talavera 10 $90.00 MXN $900.00 MXN" in text
    assert "Total: $900.00 MXN (12 unidades)" in text and "USD" not in text


async def test_several_lines_typed_at_once_change_all_or_none(demo_shop, uriarte, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path)
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    before = await snapshot(demo_shop)

    refused = await admin.type(f"/compra {code} TAZA-TAL 20, NOPE 3")
    assert "There is no product with SKU NOPE." in refused
    assert (
        f"Nothing changed on purchase order {code}: fix that line and send them all again."
        in refused
    )
    assert "updated" not in refused
    assert await snapshot(demo_shop) == before
    opened = await admin.press(f"Open {code}")
    assert "• TAZA-TAL · Taza de talavera (UR-TZ-01): 6 × MX$85.50" in opened

    missing = await admin.type(f"/compra {code} TAZA-TAL 20, GOR-ROJA 0")
    assert f"GOR-ROJA is not on purchase order {code}." in missing
    assert f"Nothing changed on purchase order {code}" in missing
    assert await snapshot(demo_shop) == before

    both = await admin.type(f"/compra {code} TAZA-TAL 20, GOR-ROJA 3")
    assert "20 × MX$85.50" in both and "• GOR-ROJA · Gorra roja: 3 ×" in both


async def test_a_refused_edit_of_several_lines_is_said_in_spanish(demo_shop, uriarte, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path, locale="es")
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    refused = await admin.type(f"/compra {code} TAZA-TAL 20, NOPE 3")
    assert "No existe ningún producto con el SKU NOPE." in refused
    assert (
        f"No se cambió nada en la orden de compra {code}: corrige esa línea y vuelve a "
        "mandarlas todas."
    ) in refused


async def test_a_purchase_order_with_goods_in_gets_one_answer_to_cancel(
    demo_shop, uriarte, tmp_path
):
    admin = await admin_chat(demo_shop, tmp_path)
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    await admin.press("Send (PDF)")
    await admin.type(f"/recibir {code} TAZA-TAL 2")
    partly = (
        f"Purchase order {code} can't be cancelled: goods came in for it (partly received). "
        f"Close it instead with /closepurchase {code}."
    )
    # With a reason, without one, or the button: the same answer, naming what to do.
    for typed in (f"/cancelpurchase {code} no longer needed", f"/cancelarcompra {code}"):
        assert partly in await admin.type(typed), typed
    assert partly in await admin.send_payload(CancelPurchaseOrder(code).pack())

    await admin.type(f"/recibir {code}")
    await admins.add_admin(demo_shop, "terminal", "ana", "Ana")
    spanish = ChatDriver(demo_shop, "ana", name="Ana", locale="es", files=tmp_path)
    await spanish.open()
    answers = {
        await spanish.type(f"/cancelarcompra {code} ya no"),
        await spanish.type(f"/cancelarcompra {code}"),
        await spanish.send_payload(CancelPurchaseOrder(code).pack()),
    }
    assert len(answers) == 1
    assert (
        f"La orden de compra {code} no se puede cancelar: ya llegó mercancía (recibida "
        f"completa). Ciérrala en su lugar con /cerrarcompra {code}."
    ) in answers.pop()
    assert (await po.purchase_order_details(demo_shop, MERCHANT, code)).order.status == "received"


async def test_numbers_out_of_range_and_a_missing_supplier_are_said_as_such(
    demo_shop, uriarte, tmp_path
):
    admin = await admin_chat(demo_shop, tmp_path, locale="es")
    draft = await admin.type("/nuevacompra Talavera Uriarte; TAZA-TAL 6")
    code = CODE.search(draft).group()
    await admin.press("Enviar (PDF)")
    before = await snapshot(demo_shop)
    answers = {
        f"/recibir {code} LENT-SOL 99999999999999999999": (
            "Usa un número entero del 1 al 100,000 para LENT-SOL."
        ),
        f"/recibir {code} TAZA-TAL 99999999999": "Usa un número entero del 1 al 100,000 para",
        "/nuevacompra Talavera Uriarte; TAZA-TAL 99999999999": "del 1 al 100,000 para TAZA-TAL",
        "/stock TAZA-TAL +99999999999": (
            "Ajusta con un número entero de piezas del 1 al 1,000,000, después de + o - "
            "(no +99999999999)."
        ),
        "/stock TAZA-TAL 99999999999": (
            "El inventario se fija con un número entero del 0 al 1,000,000 (no 99999999999)."
        ),
        "/stock TAZA-TAL 2000000": "del 0 al 1,000,000 (no 2000000)",
        "/stock TAZA-TAL +1" + "0" * 40: "del 1 al 1,000,000",
        "/stock TAZA-TAL 1e3": "“1e3” no es un número entero.",
    }
    for typed, expected in answers.items():
        answer = await admin.type(typed)
        assert expected in answer, typed
        assert "escribe el SKU y la cantidad" not in answer, typed
    for typed in ("/nuevacompra ;;", "/nuevacompra ; TAZA-TAL 3"):
        answer = await admin.type(typed)
        assert answer.startswith("¿Qué proveedor? Escribe primero su nombre.\nEscribe "), typed
        assert "/nuevacompra Accesorios Monterrey; TAZA-TAL 12" in answer, typed
        assert "No hay ningún proveedor" not in answer, typed
    assert await snapshot(demo_shop) == before


async def test_the_list_of_one_status_reads_as_a_heading(demo_shop, uriarte, tmp_path):
    details = await po.create_draft(demo_shop, MERCHANT, uriarte, [po.LineRequest("TAZA-TAL", 6)])
    await po.send(demo_shop, MERCHANT, details.order.code)
    await po.receive(demo_shop, MERCHANT, details.order.code, None)
    await po.close(demo_shop, MERCHANT, details.order.code)
    english = await admin_chat(demo_shop, tmp_path)
    closed = await english.type("/purchases closed")
    assert "Closed purchase orders: 1 (page 1)" in closed and "closed: 1" not in closed
    drafts = await english.type("/purchases drafts")
    assert (
        "Draft purchase orders\nNone. Start one with /newpurchase, or from the suggestions in "
        "/reorder." in drafts
    )
    unknown = await english.type("/purchases yesterday")
    assert (
        "I don't know “yesterday”: write /purchases and a status (drafts, sent, partial, "
        "received, closed, cancelled, all) or a supplier's name."
    ) in unknown
    await admins.add_admin(demo_shop, "terminal", "ana", "Ana")
    spanish = ChatDriver(demo_shop, "ana", name="Ana", locale="es", files=tmp_path)
    await spanish.open()
    assert "Órdenes de compra cerradas: 1 (página 1)" in await spanish.type("/compras cerradas")
