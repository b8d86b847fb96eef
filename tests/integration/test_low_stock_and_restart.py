"""Low-stock alerts once per crossing, stock counts that keep the ledger honest, and a
shop that comes back from a restart exactly as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.domain.errors import InvalidQuantity
from core.domain.orders import OrderStatus, PaymentMethod
from core.services import cart, expiry, inventory, orders, shipping
from core.services.catalog import get_product
from core.services.context import Shop
from core.store.database import Database
from core.store.tables import outbox, stock_moves
from tests.conftest import MERCHANT, add_product, buy, new_buyer, test_settings


async def stock_low_alerts(shop) -> list[dict]:
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(outbox.c.recipient, outbox.c.payload)
            .where(outbox.c.kind == "stock_low")
            .order_by(outbox.c.id)
        )
        return [{"recipient": recipient, **payload} for recipient, payload in rows]


async def ledger(shop, product_id: int) -> tuple[int, int, int]:
    """(number of stock moves, sum of on-hand deltas, sum of reserved deltas)."""
    async with shop.uow(write=False) as uow:
        count, on_hand, reserved = (
            await uow.conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(stock_moves.c.on_hand_delta), 0),
                    func.coalesce(func.sum(stock_moves.c.reserved_delta), 0),
                ).where(stock_moves.c.product_id == product_id)
            )
        ).one()
    return count, on_hand, reserved


async def test_the_merchant_hears_once_when_stock_falls_to_the_threshold(shop, clock):
    mug = await add_product(shop, "TAZA", stock=5, name="Taza")  # low-stock threshold 2
    assert await stock_low_alerts(shop) == []

    await buy(shop, await new_buyer(shop, "1"), {mug: 1})  # 4 available
    clock.advance(minutes=5)
    assert await stock_low_alerts(shop) == []
    await buy(shop, await new_buyer(shop, "2"), {mug: 2})  # 2 available: at the threshold
    clock.advance(minutes=5)
    expected = {"recipient": "admin", "sku": "TAZA", "name": "Taza", "threshold": 2}
    assert await stock_low_alerts(shop) == [{**expected, "available": 2}]

    await buy(shop, await new_buyer(shop, "3"), {mug: 1})  # 1 available, still low
    clock.advance(minutes=5)
    assert len(await stock_low_alerts(shop)) == 1

    restocked = await inventory.adjust_stock(shop, MERCHANT, "TAZA", 10, "llegó el pedido")
    assert restocked.available == 11
    clock.advance(minutes=5)
    assert len(await stock_low_alerts(shop)) == 1

    await buy(shop, await new_buyer(shop, "4"), {mug: 9})  # 2 available again
    assert await stock_low_alerts(shop) == [
        {**expected, "available": 2},
        {**expected, "available": 2},
    ]


async def test_a_count_below_what_open_orders_reserved_is_refused(shop):
    mug = await add_product(shop, "TAZA", stock=5)
    await buy(shop, await new_buyer(shop), {mug: 3})
    before = await ledger(shop, mug)

    with pytest.raises(InvalidQuantity):
        await inventory.set_stock(shop, MERCHANT, "TAZA", 2, "conteo")

    product = await get_product(shop, product_id=mug)
    assert (product.on_hand, product.reserved) == (5, 3)
    assert await ledger(shop, mug) == before


async def test_every_stock_count_is_written_to_the_ledger(shop, clock):
    mug = await add_product(shop, "TAZA", stock=5)
    await buy(shop, await new_buyer(shop), {mug: 3})

    clock.advance(hours=1)
    counted = await inventory.set_stock(shop, MERCHANT, "TAZA", 8, "conteo semanal")
    assert (counted.on_hand, counted.reserved) == (8, 3)
    clock.advance(hours=1)
    counted = await inventory.set_stock(shop, MERCHANT, "TAZA", 3, "se rompieron 5")
    assert (counted.on_hand, counted.reserved, counted.available) == (3, 3, 0)

    _moves, on_hand_sum, reserved_sum = await ledger(shop, mug)
    assert (on_hand_sum, reserved_sum) == (counted.on_hand, counted.reserved)
    async with shop.uow(write=False) as uow:
        counts = (
            await uow.conn.execute(
                select(stock_moves.c.on_hand_delta, stock_moves.c.actor, stock_moves.c.note)
                .where(stock_moves.c.product_id == mug, stock_moves.c.reason == "adjustment")
                .order_by(stock_moves.c.id)
            )
        ).all()
    assert [tuple(row) for row in counts] == [
        (3, str(MERCHANT), "conteo semanal"),
        (-5, str(MERCHANT), "se rompieron 5"),
    ]


async def snapshot(shop: Shop, codes: list[str], customer_ids: list[int], product_ids: list[int]):
    """Everything a merchant or a customer could look at after a restart."""
    details = [await orders.order_details(shop, code, MERCHANT) for code in codes]
    carts = [await cart.view_cart(shop, customer_id) for customer_id in customer_ids]
    products = [await get_product(shop, product_id=product_id) for product_id in product_ids]
    async with shop.uow(write=False) as uow:
        messages = await uow.outbox.list()
    ledgers = [await ledger(shop, product_id) for product_id in product_ids]
    return details, carts, products, messages, ledgers


async def test_a_restarted_shop_finds_orders_carts_messages_and_stock_as_they_were(
    shop, clock, database_url
):
    shirt = await add_product(shop, "CAM", price="349.00", stock=6)
    mug = await add_product(shop, "TAZA", price="189.00", stock=4)
    ana = await new_buyer(shop, "1", "Ana")
    luis = await new_buyer(shop, "2", "Luis")
    eva = await new_buyer(shop, "3", "Eva")

    shipped = await buy(shop, ana, {shirt: 2, mug: 1})
    clock.advance(minutes=10)
    for step in (orders.confirm_order, orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, shipped.code)
    await shipping.ship_order(shop, MERCHANT, shipped.code, "estafeta", "1234567890")
    clock.advance(minutes=10)
    unpaid = await buy(shop, luis, {mug: 2}, PaymentMethod.CARD)
    await cart.add_to_cart(shop, eva.customer_id, shirt, 3)
    await cart.add_to_cart(shop, eva.customer_id, mug, 1)

    keys = ([shipped.code, unpaid.code], [c.customer_id for c in (ana, luis, eva)], [shirt, mug])
    before = await snapshot(shop, *keys)
    await shop.db.dispose()

    restarted = Shop(Database(database_url), test_settings(database_url), clock=clock)
    try:
        after = await snapshot(restarted, *keys)
        assert after == before

        details, carts, products, messages, _ = after
        assert [d.order.status for d in details] == [
            OrderStatus.SHIPPED,
            OrderStatus.PENDING_PAYMENT,
        ]
        assert details[0].shipment is not None
        assert details[0].shipment.tracking_number == "1234567890"
        assert [len(d.timeline) for d in details] == [5, 1]
        assert [[(line.sku, line.quantity) for line in c.lines] for c in carts] == [
            [],
            [],
            [("CAM", 3), ("TAZA", 1)],
        ]
        assert [(p.on_hand, p.reserved) for p in products] == [(4, 0), (3, 2)]
        assert "order_shipped" in [m.kind for m in messages]

        # And the restarted shop carries on: the unpaid order's time still runs out.
        clock.advance(minutes=31)
        assert await expiry.expire_overdue_orders(restarted) == [unpaid.code]
        assert (await get_product(restarted, product_id=mug)).reserved == 0
    finally:
        await restarted.db.dispose()
