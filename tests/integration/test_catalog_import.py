"""A catalog import changes stock in product order, as a checkout does: the two never
wait for each other's row locks crosswise (on PostgreSQL, a deadlock that fails one)."""

from __future__ import annotations

from sqlalchemy import select

from core.services import catalog_io
from core.services.catalog import get_product
from core.store.tables import stock_moves
from tests.conftest import MERCHANT, add_product


async def test_an_import_changes_existing_products_in_product_order(shop):
    ids = [await add_product(shop, sku, stock=5) for sku in ("A-1", "B-2", "C-3")]
    csv = (
        "sku,name,price,stock,category\n"
        "C-3,Tres,10.00,7,Cocina\n"
        "NEW-4,Nuevo,10.00,1,Jardín\n"
        "A-1,Uno,10.00,8,Cocina\n"
        "B-2,Dos,10.00,9,Jardín\n"
    )

    summary = await catalog_io.import_catalog(shop, MERCHANT, csv)

    assert (summary.created, summary.updated) == (1, 3)
    new = await get_product(shop, sku="NEW-4")
    async with shop.uow(write=False) as uow:
        moved = await uow.conn.execute(
            select(stock_moves.c.product_id).order_by(stock_moves.c.id.desc()).limit(4)
        )
        order = [row.product_id for row in moved][::-1]
    assert order == [*ids, new.id]
    assert [(await get_product(shop, product_id=i)).on_hand for i in ids] == [8, 9, 7]
