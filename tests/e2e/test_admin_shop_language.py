"""The admin chat speaks the shop's language (issue #13): status words for /pedidos,
people instead of ids in timelines, the orders export, SKUs typed in any case, and
counts with the right singular or plural."""

from __future__ import annotations

import csv
import io
import re

import pytest

from core.domain.orders import PaymentMethod
from core.services import admins, catalog_io, expiry, orders, shipping
from core.services.catalog import get_product
from tests.conftest import MERCHANT, Buyer, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py


async def admin_chat(shop, tmp_path, user: str = "owner", name: str = "Owner", locale="es"):
    """An admin's chat (a person's language is the one their first message had)."""
    await admins.add_admin(shop, "terminal", user, name)
    chat = ChatDriver(shop, user, name=name, locale=locale, files=tmp_path)
    await chat.open()
    return chat


def timeline_of(screen: str) -> str:
    return "\n".join(line for line in screen.splitlines() if line.startswith("•"))


def codes_in(screen: str) -> set[str]:
    return set(re.findall(r"PED-\w{5}", screen))


async def one_order(shop, buyer: Buyer, sku: str = "TAZA-TAL", payment=None) -> str:
    product = await get_product(shop, sku=sku)
    order = await buy(shop, buyer, {product.id: 1}, payment or PaymentMethod.CASH_ON_DELIVERY)
    return order.code


async def orders_in_every_status(shop) -> dict[str, str]:
    buyer = await new_buyer(shop)
    delivered = await one_order(shop, buyer)
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, delivered)
    await shipping.ship_order(shop, MERCHANT, delivered, "estafeta", "1234567890")
    await orders.mark_delivered(shop, MERCHANT, delivered)
    shipped = await one_order(shop, buyer, "GOR-ROJA")
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, shipped)
    await shipping.ship_order(shop, MERCHANT, shipped, "estafeta", "9876543210")
    cancelled = await one_order(shop, buyer, "VELA-LAV")
    await orders.cancel_order(shop, MERCHANT, cancelled, "sin existencias")
    unpaid = await one_order(shop, buyer, "CART-PIEL", PaymentMethod.CARD)
    waiting = await one_order(shop, buyer, "JEAN-32")
    # awaiting the shop's confirmation and its payment: under both words
    transfer = await one_order(shop, buyer, "TAZA-TAL", PaymentMethod.BANK_TRANSFER)
    return {
        "delivered": delivered,
        "shipped": shipped,
        "cancelled": cancelled,
        "unpaid": unpaid,
        "waiting": waiting,
        "transfer": transfer,
    }


async def test_pedidos_filters_by_status_words_typed_loosely_in_spanish(demo_shop, tmp_path):
    placed = await orders_in_every_status(demo_shop)
    admin = await admin_chat(demo_shop, tmp_path)

    for words in ("entregados", "entregado", "Entregadas", "ENTREGÁDOS"):
        assert codes_in(await admin.type(f"/pedidos {words}")) == {placed["delivered"]}, words
    assert codes_in(await admin.type("/pedidos por confirmar")) == {
        placed["waiting"],
        placed["transfer"],
    }
    assert codes_in(await admin.type("/pedidos pendientes de pago")) == {
        placed["unpaid"],
        placed["transfer"],
    }
    await admin.type(f"/pagado {placed['transfer']}")
    assert codes_in(await admin.type("/pedidos esperando pago")) == {placed["unpaid"]}
    assert codes_in(await admin.type("/pedidos enviado")) == {placed["shipped"]}
    assert codes_in(await admin.type("/pedidos cancelados")) == {placed["cancelled"]}
    assert codes_in(await admin.type("/pedidos todos")) == set(placed.values())
    assert codes_in(await admin.type("/pedidos")) == set(placed.values())
    listing = await admin.type("/pedidos entregados")
    assert "entregado" in listing.splitlines()[0].lower()


async def test_pedidos_filters_by_status_words_in_english(demo_shop, tmp_path):
    placed = await orders_in_every_status(demo_shop)
    admin = await admin_chat(demo_shop, tmp_path, locale="en")

    assert codes_in(await admin.type("/orders delivered")) == {placed["delivered"]}
    awaiting = {placed["waiting"], placed["transfer"]}
    assert codes_in(await admin.type("/orders awaiting confirmation")) == awaiting
    assert codes_in(await admin.type("/orders awaiting_confirmation")) == awaiting
    assert codes_in(await admin.type("/orders awaiting payment")) == {
        placed["unpaid"],
        placed["transfer"],
    }
    assert codes_in(await admin.type("/orders shipped")) == {placed["shipped"]}
    assert codes_in(await admin.type("/orders canceled")) == {placed["cancelled"]}
    # The other language's words work too: an admin types what comes to mind.
    assert codes_in(await admin.type("/orders entregados")) == {placed["delivered"]}


async def test_an_unknown_status_word_is_answered_with_the_words_that_work(demo_shop, tmp_path):
    await orders_in_every_status(demo_shop)
    spanish = await admin_chat(demo_shop, tmp_path)
    answer = await spanish.type("/pedidos volando")
    assert codes_in(answer) == set()
    assert "volando" in answer
    for word in ("por confirmar", "pendientes de pago", "entregados", "cancelados", "todos"):
        assert word in answer, word
    english = await admin_chat(demo_shop, tmp_path, "boss", "Boss", locale="en")
    answer = await english.type("/orders flying")
    assert codes_in(answer) == set()
    for word in ("awaiting confirmation", "awaiting payment", "delivered", "cancelled", "all"):
        assert word in answer, word


async def test_the_timeline_names_the_people_not_their_ids(demo_shop, tmp_path, clock):
    await admins.add_admin(demo_shop, "terminal", "ana", "Ana")
    buyer = await new_buyer(demo_shop)
    code = await one_order(demo_shop, buyer)
    unpaid = await one_order(demo_shop, buyer, "GOR-ROJA", PaymentMethod.CARD)
    clock.advance(hours=1)
    await expiry.run_expiry(demo_shop)  # the card order's reservation ran out: the system
    ana = await admin_chat(demo_shop, tmp_path, "ana", "Ana")
    await ana.type(f"/confirmar {code}")

    timeline = timeline_of(await ana.type(f"/pedido {code}"))
    assert "(Tienda (Ana))" in timeline
    assert "(Cliente)" in timeline
    assert "(Sistema)" in timeline_of(await ana.type(f"/pedido {unpaid}"))
    english = await admin_chat(demo_shop, tmp_path, locale="en")
    timeline = timeline_of(await english.type(f"/order {code}"))
    assert "(Shop (Ana))" in timeline and "(Customer)" in timeline
    assert "(System)" in timeline_of(await english.type(f"/order {unpaid}"))
    for screen in (timeline, timeline_of(await ana.type(f"/pedido {unpaid}"))):
        assert "terminal:" not in screen and "merchant" not in screen
        assert "customer" not in screen and "system" not in screen

    # The second admin to press is told who did it, by name.
    again = await english.type(f"/confirm {code}")
    assert "Shop (Ana)" in again and "terminal:" not in again


async def test_an_admin_without_a_given_name_is_named_as_their_chat_names_them(demo_shop, tmp_path):
    await admins.add_admin(demo_shop, "terminal", "beto")
    code = await one_order(demo_shop, await new_buyer(demo_shop))
    beto = await admin_chat(demo_shop, tmp_path, "beto", "Beto")
    await beto.type(f"/confirmar {code}")
    assert "(Tienda (Beto))" in timeline_of(await beto.type(f"/pedido {code}"))


def exported_rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


async def test_the_chats_export_speaks_the_shops_language_and_time(demo_shop, tmp_path):
    code = await one_order(demo_shop, await new_buyer(demo_shop))  # 15:00 UTC, 09:00 CDMX
    await orders.confirm_order(demo_shop, MERCHANT, code)
    admin = await admin_chat(demo_shop, tmp_path)

    await admin.type("/exportar")
    header, row = exported_rows(tmp_path / "pedidos.csv")
    cell = dict(zip(header, row, strict=True))
    assert cell["Pedido"] == code
    assert cell["Estado"].startswith("confirmad")  # the status in Spanish, not an id
    assert cell["Pago"] == "Pago contra entrega"
    assert cell["Creado (America/Mexico_City)"] == "2026-11-02 09:00"
    assert cell["SKU"] == "TAZA-TAL" and cell["Cantidad"] == "1"

    english = await admin_chat(demo_shop, tmp_path, "boss", "Boss", locale="en")
    await english.type("/export")
    header, row = exported_rows(tmp_path / "pedidos.csv")
    cell = dict(zip(header, row, strict=True))
    assert cell["Order"] == code and cell["Status"] == "confirmed"
    assert cell["Created (America/Mexico_City)"] == "2026-11-02 09:00"


async def test_skus_typed_in_any_case_find_the_product(demo_shop, tmp_path):
    admin = await admin_chat(demo_shop, tmp_path, locale="en")
    assert "TAZA-TAL · Taza de talavera: 12 available" in await admin.type("/stock taza-tal 12")
    assert "MX$199.00" in await admin.type("/precio Taza-Tal 199.00")
    assert "inactive" in await admin.type("/desactivar taza-tal")
    await admin.type("/activar taza-tal")
    assert (await get_product(demo_shop, sku="taza-TAL")).price.amount == 19900
    assert "A product with SKU" in await admin.type("/nuevo taza-tal; Otra taza; 99; 1")

    customer = ChatDriver(demo_shop, "c1", locale="es")
    assert "Taza de talavera" in await customer.type("/start p_taza-tal")


async def test_an_import_updates_the_product_whose_sku_differs_only_in_case(demo_shop):
    summary = await catalog_io.import_catalog(
        demo_shop, MERCHANT, "sku,name,price,stock\ntaza-tal,Taza de talavera,210.00,9\n"
    )
    assert (summary.created, summary.updated) == (0, 1)
    mug = await get_product(demo_shop, sku="TAZA-TAL")
    assert (mug.sku, mug.price.amount, mug.on_hand) == ("TAZA-TAL", 21000, 9)


async def test_a_file_naming_one_sku_twice_in_different_case_is_refused(demo_shop):
    text = "sku,name,price,stock\nTAZA-TAL,Taza,210.00,9\ntaza-tal,Taza,200.00,9\n"
    try:
        await catalog_io.import_catalog(demo_shop, MERCHANT, text)
    except catalog_io.CatalogImportError as error:
        assert [e.reason for e in error.errors] == ["duplicate_sku"]
    else:
        raise AssertionError("imported a file that names TAZA-TAL twice")


async def test_stock_counts_say_one_reserved_and_two_reserved(demo_shop, tmp_path):
    buyer = await new_buyer(demo_shop)
    await one_order(demo_shop, buyer)  # one TAZA-TAL reserved
    spanish = await admin_chat(demo_shop, tmp_path)
    line = next(x for x in (await spanish.type("/stock")).splitlines() if "TAZA-TAL" in x)
    assert "19 disponibles (20 en almacén, 1 reservado)" in line
    english = await admin_chat(demo_shop, tmp_path, "boss", "Boss", locale="en")
    line = next(x for x in (await english.type("/stock")).splitlines() if "TAZA-TAL" in x)
    assert "19 available (20 on hand, 1 reserved)" in line
    lenses = next(x for x in (await spanish.type("/stock")).splitlines() if "LENT-SOL" in x)
    assert "1 disponible (1 en almacén, 0 reservados)" in lenses
