"""Suppliers, products' supply terms and reorder suggestions on a real database: what the
merchant keeps, what the suggestions read (units sold in the last 28 days, units on
order) and how they group, against figures worked by hand."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select, update

from core.domain.errors import ProductNotFound
from core.domain.purchase_orders import MAX_QUANTITY
from core.domain.suppliers import (
    DuplicateSupplier,
    InvalidCost,
    InvalidEmail,
    InvalidLeadTime,
    InvalidPackSize,
    InvalidReorderPoint,
    SupplierNotFound,
)
from core.services import catalog_io, orders, reorder, suppliers
from core.services.suppliers import SupplyChanges
from core.store.tables import orders as orders_table
from core.store.tables import product_supply, purchase_order_lines, purchase_orders
from tests.conftest import MERCHANT, add_product, buy, new_buyer

_buyers = iter(range(1, 10_000))


async def sell(shop, product_id: int, quantity: int):
    """One order of `quantity` by a new customer (a customer may keep only a few open)."""
    buyer = await new_buyer(shop, f"buyer-{next(_buyers)}")
    return await buy(shop, buyer, {product_id: quantity})


async def purchase_order(shop, supplier_id: int, status: str, lines: list[tuple[int, int, int]]):
    """A purchase order as the purchase-order service leaves it: (product, qty, received)."""
    now = shop.now()
    async with shop.uow() as uow:
        number = (
            await uow.conn.execute(select(func.count()).select_from(purchase_orders))
        ).scalar_one()
        result = await uow.conn.execute(
            purchase_orders.insert().values(
                code=f"OC-T{number}",
                supplier_id=supplier_id,
                status=status,
                currency="MXN",
                created_at=now,
                updated_at=now,
            )
        )
        po_id = result.inserted_primary_key[0]
        for product_id, quantity, received in lines:
            await uow.conn.execute(
                purchase_order_lines.insert().values(
                    purchase_order_id=po_id,
                    product_id=product_id,
                    sku=f"P{product_id}",
                    name="x",
                    quantity=quantity,
                    received=received,
                )
            )
        await uow.commit(now)


async def test_suppliers_are_added_found_by_any_case_changed_and_deactivated(shop):
    added = await suppliers.add_supplier(
        shop,
        MERCHANT,
        "  Barro   Fino ",
        contact="Lupe",
        phone="55 1234 5678",
        email="Ventas@BarroFino.mx",
        lead_time_days=10,
    )
    assert (added.name, added.email, added.currency) == ("Barro Fino", "ventas@barrofino.mx", "MXN")
    with pytest.raises(DuplicateSupplier):
        await suppliers.add_supplier(shop, MERCHANT, "barro fino")

    changed = (
        await suppliers.change_supplier(shop, MERCHANT, "BARRO FINO", lead_time_days=12)
    ).supplier
    assert (changed.lead_time_days, changed.contact) == (12, "Lupe")  # the rest kept
    await suppliers.add_supplier(shop, MERCHANT, "Velas Sol", currency="usd")
    with pytest.raises(DuplicateSupplier):  # renaming onto another's name
        await suppliers.change_supplier(shop, MERCHANT, "Velas Sol", name="Barro fino")

    await suppliers.deactivate_supplier(shop, MERCHANT, added.id)
    listing = await suppliers.list_suppliers(shop, MERCHANT)
    assert [(i.supplier.name, i.supplier.active) for i in listing] == [
        ("Velas Sol", True),
        ("Barro Fino", False),  # inactive ones last
    ]
    assert listing[0].supplier.currency == "USD"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"lead_time_days": -1}, InvalidLeadTime),
        ({"lead_time_days": 10**9}, InvalidLeadTime),
        ({"email": "ventas@"}, InvalidEmail),
        ({"email": "ventas barro@x.mx"}, InvalidEmail),
    ],
)
async def test_a_bad_supplier_field_is_refused_and_nothing_is_saved(shop, fields, error):
    with pytest.raises(error):
        await suppliers.add_supplier(shop, MERCHANT, "Barro Fino", **fields)
    assert await suppliers.list_suppliers(shop, MERCHANT) == []


async def test_supply_terms_are_set_in_the_suppliers_currency_and_checked(shop):
    await add_product(shop, "VELA-1")
    await suppliers.add_supplier(shop, MERCHANT, "Candles Inc", currency="JPY")
    await suppliers.add_supplier(shop, MERCHANT, "Velas Sol")

    view = await suppliers.set_product_supply(
        shop,
        MERCHANT,
        "vela-1",
        SupplyChanges(supplier="candles inc", supplier_sku="C-77", cost="1200", pack_size=12),
    )
    assert (view.supplier.name, view.currency, view.supply.cost) == ("Candles Inc", "JPY", 1200)
    with pytest.raises(InvalidCost):  # yen have no decimals
        await suppliers.set_product_supply(shop, MERCHANT, "VELA-1", SupplyChanges(cost="12.50"))

    # Another supplier: the cost typed with it is read in its currency (MXN: cents); the
    # old supplier's code for it goes (it would print on this one's purchase orders).
    view = await suppliers.set_product_supply(
        shop, MERCHANT, "VELA-1", SupplyChanges(supplier="Velas Sol", cost="85,50")
    )
    assert (view.supply.cost, view.supply.supplier_sku, view.supply.pack_size) == (8550, "", 12)
    assert view.cleared_supplier_sku == "C-77"

    for changes, error in [
        (SupplyChanges(pack_size=0), InvalidPackSize),
        (SupplyChanges(pack_size=10**9), InvalidPackSize),
        (SupplyChanges(cost="-1.00"), InvalidCost),
        (SupplyChanges(cost="99999999999999"), InvalidCost),
        (SupplyChanges(cost="mucho"), InvalidCost),
        (SupplyChanges(reorder_point=-2), InvalidReorderPoint),
        (SupplyChanges(supplier="Nadie"), SupplierNotFound),
    ]:
        with pytest.raises(error):
            await suppliers.set_product_supply(shop, MERCHANT, "VELA-1", changes)
    with pytest.raises(ProductNotFound):
        await suppliers.set_product_supply(shop, MERCHANT, "NO-EXISTE", SupplyChanges(pack_size=2))
    unchanged = await suppliers.product_supply(shop, MERCHANT, "VELA-1")
    assert unchanged.supply == view.supply

    cleared = await suppliers.set_product_supply(
        shop, MERCHANT, "VELA-1", SupplyChanges(supplier=None, cost=None)
    )
    assert (cleared.supplier, cleared.supply.cost, cleared.currency) == (None, None, "MXN")


async def test_units_sold_count_the_last_28_days_of_orders_that_became_sales(shop, clock):
    pid = await add_product(shop, "TAZA", stock=100)
    await sell(shop, pid, 5)  # 29 days before "now" below: outside the window
    clock.advance(days=2)
    await sell(shop, pid, 3)  # 27 days before: inside
    cancelled = await sell(shop, pid, 7)
    await orders.cancel_order(shop, MERCHANT, cancelled.code, "sin stock")
    expired = await sell(shop, pid, 11)
    async with shop.uow() as uow:
        await uow.conn.execute(
            update(orders_table).where(orders_table.c.id == expired.id).values(status="expired")
        )
        await uow.commit(shop.now())
    clock.advance(days=27)
    await sell(shop, pid, 2)  # now

    now = shop.now()
    async with shop.uow(write=False) as uow:
        window = await uow.suppliers.units_sold(now - timedelta(days=28), now)
        through_now = await uow.suppliers.units_sold(
            now - timedelta(days=28), now + timedelta(seconds=1)
        )
    assert window == {pid: 3}  # [since, until): the order placed at `until` is not in it
    assert through_now == {pid: 3 + 2}


async def test_units_on_order_are_what_sent_purchase_orders_still_owe(shop):
    a = await add_product(shop, "A")
    b = await add_product(shop, "B")
    supplier = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await purchase_order(shop, supplier.id, "sent", [(a, 10, 0), (b, 4, 0)])
    await purchase_order(shop, supplier.id, "partially_received", [(a, 6, 4)])
    await purchase_order(shop, supplier.id, "draft", [(a, 100, 0)])  # not ordered yet
    await purchase_order(shop, supplier.id, "received", [(b, 5, 5)])
    await purchase_order(shop, supplier.id, "cancelled", [(b, 9, 0)])
    async with shop.uow(write=False) as uow:
        assert await uow.suppliers.units_on_order() == {a: 10 + 2, b: 4}


async def test_suggestions_group_by_supplier_most_urgent_first_against_hand_figures(shop, clock):
    """REORDER_SAFETY_DAYS is 7 (the default)."""
    barro = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino", lead_time_days=10)
    velas = await suppliers.add_supplier(shop, MERCHANT, "Velas Sol", lead_time_days=3)
    gone = await suppliers.add_supplier(shop, MERCHANT, "Ya No", lead_time_days=1)
    mug = await add_product(shop, "TAZA", stock=20)  # threshold 2 (add_product)
    plate = await add_product(shop, "PLATO", stock=30)
    candle = await add_product(shop, "VELA", stock=10)
    await add_product(shop, "JABON", stock=1)
    await add_product(shop, "CAJA", stock=0)
    await add_product(shop, "QUIETO", stock=50)  # sells nothing, well stocked
    for sku, changes in [
        ("TAZA", SupplyChanges(supplier="Barro Fino", cost="40.00", pack_size=6, reorder_point=5)),
        ("PLATO", SupplyChanges(supplier="Barro Fino", supplier_sku="BF-P", pack_size=10)),
        ("VELA", SupplyChanges(supplier="Velas Sol", pack_size=4)),
        ("JABON", SupplyChanges(supplier="Ya No", cost="9.00")),
    ]:
        await suppliers.set_product_supply(shop, MERCHANT, sku, changes)
    await suppliers.deactivate_supplier(shop, MERCHANT, gone.id)

    clock.advance(days=-27)
    await sell(shop, mug, 7)
    await sell(shop, plate, 28)
    await sell(shop, candle, 1)
    clock.advance(days=27)
    await sell(shop, mug, 7)

    groups = await reorder.reorder_suggestions(shop, MERCHANT)

    # TAZA: 14 sold -> 14/28 = 1/2 a day; available 20 - 14 = 6; cover 6 / (1/2) = 12
    #   days; lead 10 + safety 7 = 17; target ceil(1/2 x 17) = ceil(8.5) = 9 (>= point
    #   5); need 9 - 6 - 0 = 3; 6 + 0 = 6 > 5 but cover 12 < 17: suggest 3 -> 1 pack
    #   of 6 = 6.
    # PLATO: 28 sold -> 1 a day; available 30 - 28 = 2; cover 2 days; target
    #   ceil(1 x 17) = 17; need 17 - 2 = 15 -> 2 packs of 10 = 20.
    # VELA: 1 sold -> 1/28 a day; available 9; cover 9 x 28 = 252 days; target
    #   ceil(10/28) = 1, at least the point 2 -> 2; need 2 - 9 < 0: nothing.
    # JABON: its supplier is inactive: no supplier; no sales; available 1 <= point 2;
    #   target = point 2; need 1; pack 1: suggest 1.
    # CAJA: no supply terms; no sales; available 0 <= 2: suggest 2.
    # QUIETO: 50 > 2 and no sales: nothing.
    assert [g.supplier.name if g.supplier else None for g in groups] == ["Barro Fino", None]
    first = groups[0].lines
    assert [(line.sku, line.suggested_quantity) for line in first] == [("PLATO", 20), ("TAZA", 6)]
    plato, taza = first
    assert (plato.daily_sales, plato.days_of_cover, plato.supplier_sku) == (1, 2, "BF-P")
    assert (taza.sold_28d, taza.daily_sales, taza.days_of_cover) == (14, Fraction(1, 2), 12)
    assert (taza.available, taza.on_order, taza.reorder_point, taza.pack_size) == (6, 0, 5, 6)
    assert taza.unit_cost == 4000
    assert [(line.sku, line.suggested_quantity) for line in groups[1].lines] == [
        ("CAJA", 2),  # 0 - 2 = 2 under its point, JABON 1 - 2 = 1 under
        ("JABON", 2 - 1),
    ]
    assert groups[1].lines[1].unit_cost is None  # its supplier's cost is not this group's

    # 3 mugs on their way from a sent order: need 9 - 6 - 3 = 0, no suggestion.
    await purchase_order(shop, barro.id, "sent", [(mug, 3, 0)])
    only_barro = await reorder.reorder_suggestions(shop, MERCHANT, supplier_id=barro.id)
    assert [[line.sku for line in g.lines] for g in only_barro] == [["PLATO"]]
    assert await reorder.reorder_suggestions(shop, MERCHANT, supplier_id=velas.id) == []
    with pytest.raises(SupplierNotFound):
        await reorder.reorder_suggestions(shop, MERCHANT, supplier_id=999)


async def test_deactivating_a_supplier_keeps_its_products_terms(shop):
    await add_product(shop, "TAZA")
    supplier = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.set_product_supply(shop, MERCHANT, "TAZA", SupplyChanges(supplier="Barro Fino"))
    await suppliers.deactivate_supplier(shop, MERCHANT, "barro fino")
    card = await suppliers.supplier_card(shop, MERCHANT, supplier.id)
    assert not card.supplier.active and [p.product.sku for p in card.products] == ["TAZA"]
    async with shop.uow(write=False) as uow:
        rows = (await uow.conn.execute(select(product_supply.c.supplier_id))).all()
    assert rows == [(supplier.id,)]


async def costs(shop) -> dict[str, int | None]:
    """Each product's stored cost by SKU."""
    async with shop.uow(write=False) as uow:
        supplies = await uow.suppliers.supplies()
        products = {p.id: p.sku for p in await uow.catalog.list(active_only=False)}
    return {products[pid]: supply.cost for pid, supply in sorted(supplies.items())}


async def test_a_new_supplier_in_another_currency_clears_a_cost_typed_in_the_old_one(shop):
    await add_product(shop, "TAZA")
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")  # MXN, the shop's
    await suppliers.add_supplier(shop, MERCHANT, "Arcilla SA")  # MXN too
    await suppliers.add_supplier(shop, MERCHANT, "Kyoto Clay", currency="JPY")
    await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", SupplyChanges(supplier="Barro Fino", cost="85.50")
    )

    # Same currency: 8550 still means MX$85.50, so it is kept.
    same = await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", SupplyChanges(supplier="Arcilla SA")
    )
    assert (same.supply.cost, same.cleared_cost_currency) == (8550, None)

    # Yen: 8550 would read ¥8,550. The cost is cleared and the answer says in what it was.
    moved = await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", SupplyChanges(supplier="Kyoto Clay", pack_size=6)
    )
    assert (moved.supply.cost, moved.currency, moved.cleared_cost_currency) == (None, "JPY", "MXN")
    assert moved.supply.pack_size == 6
    assert await costs(shop) == {"TAZA": None}

    # Typed with the move, the cost is read in the new currency and kept.
    typed = await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", SupplyChanges(supplier="Kyoto Clay", cost="1200")
    )
    assert (typed.supply.cost, typed.cleared_cost_currency) == (1200, None)

    # No supplier: the cost would be the shop's pesos; ¥1,200 is not MX$12.00.
    dropped = await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", SupplyChanges(supplier=None)
    )
    assert (dropped.supply.cost, dropped.currency, dropped.cleared_cost_currency) == (
        None,
        "MXN",
        "JPY",
    )


async def test_a_catalog_import_moving_a_product_to_another_currency_clears_its_cost(shop):
    await add_product(shop, "TAZA", price="189.00", stock=12)
    await add_product(shop, "VELA", price="120.00", stock=5)
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.add_supplier(shop, MERCHANT, "Kyoto Clay", currency="JPY")
    for sku in ("TAZA", "VELA"):
        await suppliers.set_product_supply(
            shop, MERCHANT, sku, SupplyChanges(supplier="Barro Fino", cost="85.50")
        )
    text = (
        "sku,name,price,stock,supplier,supplier_sku,cost,reorder_point,pack_size\n"
        "TAZA,Taza,189.00,12,Kyoto Clay,,,,\n"  # no cost: the pesos figure is dropped
        "VELA,Vela,120.00,5,Kyoto Clay,,900,,\n"  # a cost: read in yen
    )
    await catalog_io.import_catalog(shop, MERCHANT, text)
    assert await costs(shop) == {"TAZA": None, "VELA": 900}


async def test_a_supplier_changing_currency_clears_its_products_costs(shop):
    for sku in ("TAZA", "PLATO", "JARRO", "VELA"):
        await add_product(shop, sku)
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.add_supplier(shop, MERCHANT, "Velas Sol")
    for sku, changes in {
        "TAZA": SupplyChanges(supplier="Barro Fino", cost="85.50"),
        "PLATO": SupplyChanges(supplier="Barro Fino", cost="40.00"),
        "JARRO": SupplyChanges(supplier="Barro Fino"),  # no cost: nothing to clear
        "VELA": SupplyChanges(supplier="Velas Sol", cost="12.00"),  # another supplier
    }.items():
        await suppliers.set_product_supply(shop, MERCHANT, sku, changes)

    unchanged = await suppliers.change_supplier(shop, MERCHANT, "Barro Fino", lead_time_days=3)
    assert unchanged.costs_cleared == []
    change = await suppliers.change_supplier(shop, MERCHANT, "barro fino", currency="usd")

    assert (change.supplier.currency, change.previous_currency) == ("USD", "MXN")
    assert change.costs_cleared == ["PLATO", "TAZA"]
    assert await costs(shop) == {"TAZA": None, "PLATO": None, "JARRO": None, "VELA": 1200}
    # Typed again, the cost is in dollars: a draft reads $85.50, not MX$85.50.
    view = await suppliers.set_product_supply(shop, MERCHANT, "TAZA", SupplyChanges(cost="85.50"))
    assert (view.supply.cost, view.currency) == (8550, "USD")


async def test_an_inactive_suppliers_own_suggestions_are_empty_its_products_are_elsewhere(shop):
    taza = await add_product(shop, "TAZA", stock=0)
    supplier = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", SupplyChanges(supplier="Barro Fino", reorder_point=4)
    )
    await suppliers.deactivate_supplier(shop, MERCHANT, supplier.id)
    assert await reorder.reorder_suggestions(shop, MERCHANT, supplier_id=supplier.id) == []
    every = await reorder.reorder_suggestions(shop, MERCHANT)
    assert [(g.supplier, [line.product_id for line in g.lines]) for g in every] == [(None, [taza])]


async def test_a_suggestion_never_exceeds_what_one_purchase_order_line_takes(shop):
    await add_product(shop, "TORNILLO", stock=0)
    await suppliers.add_supplier(shop, MERCHANT, "Ferretera")
    with pytest.raises(InvalidReorderPoint):  # more than a purchase-order line takes
        await suppliers.set_product_supply(
            shop, MERCHANT, "TORNILLO", SupplyChanges(reorder_point=MAX_QUANTITY + 1)
        )
    await suppliers.set_product_supply(
        shop,
        MERCHANT,
        "TORNILLO",
        SupplyChanges(supplier="Ferretera", reorder_point=MAX_QUANTITY, pack_size=12),
    )
    [group] = await reorder.reorder_suggestions(shop, MERCHANT)
    [line] = group.lines
    # 100,000 needed; 8,334 boxes of 12 would be 100,008: 8,333 boxes is the most a line takes.
    assert (line.suggested_quantity, line.capped) == (99_996, True)


async def test_names_match_without_accents_in_the_service_and_the_csv(shop):
    await add_product(shop, "TAZA")
    bajio = await suppliers.add_supplier(shop, MERCHANT, "Textiles del Bajío")
    with pytest.raises(DuplicateSupplier):
        await suppliers.add_supplier(shop, MERCHANT, "TEXTILES DEL BAJIO")
    card = await suppliers.supplier_card(shop, MERCHANT, "textiles  del bajio")
    assert card.supplier.id == bajio.id
    await catalog_io.import_catalog(
        shop,
        MERCHANT,
        "sku,name,price,stock,supplier,supplier_sku,cost,reorder_point,pack_size\n"
        "TAZA,Taza,10.00,1,textiles del bajio,TB-1,,,\n",
    )
    view = await suppliers.product_supply(shop, MERCHANT, "TAZA")
    assert (view.supplier.id, view.supply.supplier_sku) == (bajio.id, "TB-1")

    # A row naming another supplier with no code: the old one's code goes too.
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await catalog_io.import_catalog(shop, MERCHANT, "sku,supplier\nTAZA,barro fino\n")
    view = await suppliers.product_supply(shop, MERCHANT, "TAZA")
    assert (view.supplier.name, view.supply.supplier_sku) == ("Barro Fino", "")
