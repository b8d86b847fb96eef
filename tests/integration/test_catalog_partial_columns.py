"""A catalog import with only some columns (only `sku` is required), money cells typed
as people type them, every bad row found in one go, and what the summary counts."""

from __future__ import annotations

import pytest

from core.services import catalog_io, suppliers
from core.services.catalog import get_product
from core.services.catalog_io import CatalogImportError, RowError
from core.services.suppliers import SupplyChanges
from tests.conftest import MERCHANT, add_product


async def test_a_file_without_a_stock_column_leaves_the_counts_alone(shop):
    await add_product(shop, "TAZA", price="189.00", stock=35, name="Taza")
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")

    summary = await catalog_io.import_catalog(
        shop,
        MERCHANT,
        "sku,supplier,cost,reorder_point,pack_size\nTAZA,Barro Fino,85.50,4,6\n",
    )

    taza = await get_product(shop, sku="TAZA")
    assert (taza.on_hand, taza.name, taza.price.amount, taza.weight_g) == (35, "Taza", 18900, 500)
    terms = (await suppliers.product_supply(shop, MERCHANT, "TAZA")).supply
    assert (terms.cost, terms.reorder_point, terms.pack_size) == (8550, 4, 6)
    assert (summary.updated, summary.changed, summary.stock_changed) == (1, 1, 0)


async def test_a_file_of_counts_only_sets_the_counts_and_nothing_else(shop):
    await add_product(shop, "TAZA", price="189.00", stock=35, name="Taza")
    summary = await catalog_io.import_catalog(shop, MERCHANT, "sku,stock\ntaza,40\n")
    taza = await get_product(shop, sku="TAZA")
    assert (taza.on_hand, taza.name, taza.price.amount) == (40, "Taza", 18900)
    assert summary.stock_changed == 1


async def test_a_new_product_without_a_stock_column_starts_with_none(shop):
    summary = await catalog_io.import_catalog(shop, MERCHANT, "sku,name,price\nJARRO,Jarro,80\n")
    assert summary.created == 1
    assert (await get_product(shop, sku="JARRO")).on_hand == 0


async def test_the_summary_counts_only_the_products_the_file_changed(shop):
    for sku in ("A-1", "B-2", "C-3"):
        await add_product(shop, sku, price="10.00", stock=5, name=sku)
    exported = await catalog_io.export_catalog(shop, MERCHANT)

    again = await catalog_io.import_catalog(shop, MERCHANT, exported)
    assert (again.updated, again.changed, again.stock_changed) == (3, 0, 0)

    edited = exported.replace("A-1,A-1,,General,10.00,5", "A-1,A-1,,General,12.00,5")
    edited = edited.replace("B-2,B-2,,General,10.00,5", "B-2,B-2,,General,10.00,7")
    assert edited.count("12.00") == edited.count(",7,") == 1
    summary = await catalog_io.import_catalog(shop, MERCHANT, edited)
    assert (summary.updated, summary.changed, summary.stock_changed) == (3, 2, 1)


@pytest.mark.parametrize("cell", ["1e3", "1E2", "NaN", "nan", "Infinity", "-inf", "0x10", "1_000"])
async def test_a_money_cell_in_exponent_or_not_a_number_form_is_refused(shop, cell):
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    text = (
        "sku,name,price,stock,supplier,cost\n"
        f"UNO,Uno,{cell},1,,\n"
        f"DOS,Dos,10.00,1,Barro Fino,{cell}\n"
    )
    with pytest.raises(CatalogImportError) as raised:
        await catalog_io.import_catalog(shop, MERCHANT, text)
    assert raised.value.errors == [RowError(2, "bad_price", cell), RowError(3, "bad_cost", cell)]


async def test_suppliers_and_costs_are_checked_with_the_other_problems(shop):
    """One answer lists them all: a row bad in several ways gives each problem."""
    await add_product(shop, "VELA", price="120.00", stock=5)
    await suppliers.add_supplier(shop, MERCHANT, "Candles Inc", currency="JPY")
    await suppliers.set_product_supply(
        shop, MERCHANT, "VELA", SupplyChanges(supplier="Candles Inc")
    )
    before = await catalog_io.export_catalog(shop, MERCHANT)
    text = (
        "sku,name,price,stock,supplier,cost\n"
        "OK-1,Bien,10.00,1,,\n"
        "MAL-1,Precio malo,diez,1,Nadie,\n"  # a bad price and an unknown supplier
        "VELA,Vela,120.00,-2,,12.50\n"  # a bad count, and cents its supplier's yen lack
        "OK-2,Bien,10.00,1,Tampoco,\n"  # good but for the supplier
        "MAL-2,Precio malo,diez,1,candles inc,12.50\n"
    )
    with pytest.raises(CatalogImportError) as raised:
        await catalog_io.import_catalog(shop, MERCHANT, text)
    assert raised.value.errors == [
        RowError(3, "bad_price", "diez"),
        RowError(3, "unknown_supplier", "Nadie"),
        RowError(4, "negative_stock", "-2"),
        RowError(4, "bad_cost", "12.50"),
        RowError(5, "unknown_supplier", "Tampoco"),
        RowError(6, "bad_price", "diez"),
        RowError(6, "bad_cost", "12.50"),
    ]
    assert await catalog_io.export_catalog(shop, MERCHANT) == before


async def test_a_file_without_a_sku_column_is_refused_by_its_header(shop):
    with pytest.raises(CatalogImportError) as raised:
        await catalog_io.import_catalog(shop, MERCHANT, "name,price\nTaza,10\n")
    assert raised.value.errors == [RowError(1, "missing_columns", "sku")]
