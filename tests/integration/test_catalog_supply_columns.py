"""The catalog CSV's supply columns (supplier, supplier_sku, cost, reorder_point,
pack_size): export → import is a round trip, files without them still import, an empty
cell changes nothing, "-" clears, and a bad cell is a row error naming its line."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from core.domain.suppliers import ProductSupply
from core.services import catalog_io, suppliers
from core.services.catalog import get_product
from core.services.catalog_io import CatalogImportError, RowError
from core.services.suppliers import SupplyChanges
from core.store.tables import product_supply, products
from handlers.i18n import Translator
from handlers.render import row_error_text
from tests.conftest import MERCHANT, add_product


async def terms(shop, sku: str) -> ProductSupply:
    return (await suppliers.product_supply(shop, MERCHANT, sku)).supply


async def supplied_shop(shop) -> None:
    await add_product(shop, "TAZA", price="189.00", stock=12)
    await add_product(shop, "VELA", price="120.00", stock=5)
    await add_product(shop, "PLATO", price="90.00", stock=3)
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino", lead_time_days=10)
    await suppliers.add_supplier(shop, MERCHANT, "Candles Inc", currency="JPY")
    await suppliers.set_product_supply(
        shop,
        MERCHANT,
        "TAZA",
        SupplyChanges(
            supplier="Barro Fino", supplier_sku="BF-T", cost="85.50", reorder_point=4, pack_size=6
        ),
    )
    await suppliers.set_product_supply(
        shop, MERCHANT, "VELA", SupplyChanges(supplier="Candles Inc", cost="1200", pack_size=12)
    )


def rows(text: str) -> dict[str, dict[str, str]]:
    return {r["sku"]: r for r in csv.DictReader(io.StringIO(text))}


async def test_export_writes_the_terms_and_importing_it_back_restores_them(shop):
    await supplied_shop(shop)
    exported = await catalog_io.export_catalog(shop, MERCHANT)
    by_sku = rows(exported)
    assert {k: by_sku["TAZA"][k] for k in catalog_io.SUPPLY_COLUMNS} == {
        "supplier": "Barro Fino",
        "supplier_sku": "BF-T",
        "cost": "85.50",  # major units of the supplier's currency
        "reorder_point": "4",
        "pack_size": "6",
    }
    assert by_sku["VELA"]["cost"] == "1200"  # yen: no decimals
    assert [by_sku["PLATO"][k] for k in catalog_io.SUPPLY_COLUMNS] == ["", "", "", "", ""]

    # Change everything, then import the export: the terms are back as they were.
    await suppliers.set_product_supply(
        shop,
        MERCHANT,
        "TAZA",
        SupplyChanges(supplier=None, supplier_sku="", cost=None, reorder_point=None, pack_size=1),
    )
    await suppliers.set_product_supply(shop, MERCHANT, "PLATO", SupplyChanges(pack_size=3))
    await catalog_io.import_catalog(shop, MERCHANT, exported)

    assert await terms(shop, "TAZA") == ProductSupply(
        (await get_product(shop, sku="TAZA")).id, 1, "BF-T", 8550, 4, 6
    )
    assert (await terms(shop, "VELA")).cost == 1200
    # PLATO's empty cells changed nothing: the pack size set since stays.
    assert (await terms(shop, "PLATO")).pack_size == 3


async def test_an_export_imported_into_a_shop_without_terms_exports_the_same(shop):
    await supplied_shop(shop)
    exported = await catalog_io.export_catalog(shop, MERCHANT)
    cleared = (
        "sku,name,price,stock,supplier,supplier_sku,cost,reorder_point,pack_size\n"
        "TAZA,Taza,189.00,12,-,-,-,-,-\n"
        "VELA,Vela,120.00,5,-,-,-,-,-\n"
    )
    await catalog_io.import_catalog(shop, MERCHANT, cleared)
    assert (await terms(shop, "TAZA")).supplier_id is None

    await catalog_io.import_catalog(shop, MERCHANT, exported)

    assert await catalog_io.export_catalog(shop, MERCHANT) == exported


async def test_a_catalog_without_the_supply_columns_imports_and_keeps_the_terms(shop):
    await supplied_shop(shop)
    before = await terms(shop, "TAZA")
    older = (
        "sku,name,description,category,price,stock,weight_g,image_url\n"
        "TAZA,Taza de barro,,Cocina,199.00,10,400,\n"
        "NUEVO-1,Jarrito,,Cocina,50.00,4,200,\n"
    )

    summary = await catalog_io.import_catalog(shop, MERCHANT, older)

    assert (summary.created, summary.updated) == (1, 1)
    assert (await get_product(shop, sku="TAZA")).price.amount == 19900
    assert await terms(shop, "TAZA") == before
    new = await terms(shop, "NUEVO-1")
    assert (new.supplier_id, new.cost, new.pack_size) == (None, None, 1)  # the defaults
    async with shop.uow(write=False) as uow:
        count = select(func.count()).select_from(product_supply)
        assert (await uow.conn.execute(count)).scalar_one() == 2  # no row for the new one


async def test_a_new_product_takes_its_terms_from_the_file(shop):
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    text = (
        "sku,name,price,stock,supplier,supplier_sku,cost,reorder_point,pack_size\n"
        'JARRO,Jarro,80.00,0,barro fino,BF-J,"32,50",6,12\n'
        "CUCHARA,Cuchara,20.00,9,,,,,\n"
    )
    await catalog_io.import_catalog(shop, MERCHANT, text)
    jarro = await suppliers.product_supply(shop, MERCHANT, "JARRO")
    assert (jarro.supplier.name, jarro.supply.supplier_sku, jarro.supply.cost) == (
        "Barro Fino",
        "BF-J",
        3250,
    )
    assert (jarro.supply.reorder_point, jarro.supply.pack_size) == (6, 12)
    assert (await terms(shop, "CUCHARA")).supplier_id is None


async def nothing_changed(shop, before: str) -> None:
    assert await catalog_io.export_catalog(shop, MERCHANT) == before
    async with shop.uow(write=False) as uow:
        assert (await uow.conn.execute(select(func.count()).select_from(products))).scalar() == 3


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ("Nadie,,,,", RowError(3, "unknown_supplier", "Nadie")),
        ("Barro Fino,,,,0", RowError(3, "bad_pack_size", "0")),
        ("Barro Fino,,,,12.5", RowError(3, "bad_pack_size", "12.5")),
        ("Barro Fino,,,,99999999999", RowError(3, "bad_pack_size", "99999999999")),
        ("Barro Fino,,-3.00,,", RowError(3, "negative_cost", "-3.00")),
        ("Barro Fino,,barato,,", RowError(3, "bad_cost", "barato")),
        ("Barro Fino,,1e20,,", RowError(3, "bad_cost", "1e20")),
        ("Candles Inc,,12.50,,", RowError(3, "bad_cost", "12.50")),  # yen have no cents
        ("Barro Fino,,,-1,", RowError(3, "bad_reorder_point", "-1")),
        ("Barro Fino,,,muchos,", RowError(3, "bad_reorder_point", "muchos")),
    ],
)
async def test_a_bad_supply_cell_is_a_row_error_and_nothing_is_imported(shop, cells, error):
    await supplied_shop(shop)
    before = await catalog_io.export_catalog(shop, MERCHANT)
    text = (
        "sku,name,price,stock,supplier,supplier_sku,cost,reorder_point,pack_size\n"
        "TAZA,Taza,1.00,1,,,,,\n"
        f"NUEVO-2,Nuevo,5.00,1,{cells}\n"
    )
    with pytest.raises(CatalogImportError) as raised:
        await catalog_io.import_catalog(shop, MERCHANT, text)
    assert raised.value.errors == [error]
    await nothing_changed(shop, before)


def test_the_row_errors_are_told_in_the_merchants_language():
    """What `pedidos catalog import` prints for each new reason (bot/cli.py)."""
    es, en = Translator("es"), Translator("en")
    assert row_error_text(es, "unknown_supplier", "Nadie") == (
        "no hay ningún proveedor “Nadie” (agrégalo con /proveedor nuevo NOMBRE)"
    )
    assert row_error_text(en, "unknown_supplier", "Nobody") == (
        "there is no supplier “Nobody” (add it with /supplier new NAME)"
    )
    assert row_error_text(en, "bad_pack_size", "0") == (
        "the pack size is not a whole number from 1 to 100000: 0"
    )
    for reason in (
        "supplier_sku_too_long",
        "bad_cost",
        "negative_cost",
        "bad_reorder_point",
        "bad_pack_size",
    ):
        assert row_error_text(es, reason, "x") != row_error_text(en, reason, "x") != reason
