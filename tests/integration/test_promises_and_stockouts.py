"""What the report's on-time rate and stockouts are computed from, recorded where it
happens: the delivery date promised at checkout (the days the customer chose, counted in
the shop's days), and each time a customer is told a product is sold out or short, kept
although the refusal itself rolls back. On SQLite and PostgreSQL. The store is in
America/Mexico_City (UTC-6 all year)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.domain.errors import OutOfStock
from core.domain.money import Money
from core.domain.orders import PaymentMethod
from core.domain.phone_orders import PhoneOrderRequest
from core.domain.pricing import ShippingOption
from core.domain.shipping_zones import ShippingZone
from core.services import api_keys, cart, checkout, inventory, orders, phone_orders
from core.services.context import Shop
from core.store.stock_repo import SqlStockRepository
from core.store.stockouts_repo import SqlStockoutRepository
from core.store.tables import stockouts
from handlers.i18n import Translator
from handlers.render import delivery_estimate
from tests.conftest import ADDRESS, MERCHANT, add_product, buy, details, new_buyer
from tests.integration.test_phone_orders import HOME


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def stockout_rows(shop: Shop) -> list[tuple[str, int, int, str]]:
    """(product id as SKU, asked, available, source), oldest first."""
    async with shop.uow(write=False) as uow:
        rows = await uow.conn.execute(
            select(stockouts.c.product_id, stockouts.c.asked, stockouts.c.available)
            .add_columns(stockouts.c.source)
            .order_by(stockouts.c.id)
        )
        found = []
        for product_id, asked, available, source in rows:
            product = await uow.catalog.get(product_id)
            assert product is not None
            found.append((product.sku, asked, available, source))
    return found


# -- the promise --------------------------------------------------------------------------


async def test_the_promise_is_the_end_of_the_last_day_of_the_estimate_in_the_shops_days(
    shop, clock
):
    """Placed Nov 2 05:00 UTC, which is Nov 1 23:00 in Mexico City: standard (3-5 days)
    is promised by the end of Nov 1 + 5 = Nov 6, 23:59:59.999 local = Nov 7 05:59:59.999
    UTC (counted from the UTC date, Nov 2, it would be a day later). Express (1-2 days):
    Nov 1 + 2 = Nov 3, 23:59:59.999 local = Nov 4 05:59:59.999 UTC."""
    mug = await add_product(shop, "TAZA", stock=10)
    clock.now = utc(2, 5)
    standard = await buy(shop, await new_buyer(shop, "1"), {mug: 1})
    assert standard.delivery_promised_by == datetime(2026, 11, 7, 5, 59, 59, 999_000, UTC)
    buyer = await new_buyer(shop, "2")
    await cart.add_to_cart(shop, buyer.customer_id, mug, 1)
    express = await checkout.place_order(
        shop, buyer.customer_id, details(PaymentMethod.CASH_ON_DELIVERY, "express")
    )
    assert express.delivery_promised_by == datetime(2026, 11, 4, 5, 59, 59, 999_000, UTC)

    # Stored: read back the same.
    again = (await orders.order_details(shop, standard.code, MERCHANT)).order
    assert again.delivery_promised_by == standard.delivery_promised_by


async def test_a_zone_s_days_make_the_promise_and_tracking_shows_the_same_last_day(shop, clock):
    """Oaxaca (the test address) in a zone whose standard takes 6-8 days: placed Nov 2
    09:00 local, promised by the end of Nov 2 + 8 = Nov 10 local (Nov 11 05:59:59.999
    UTC). Tracking shows Nov 8-Nov 10 before it ships, also after the merchant confirmed
    it a day later (the estimate used to move with each update of the order)."""
    far = ShippingOption("standard", Money(15000, "MXN"), 6, 8)
    zone = ShippingZone("Sur", frozenset({"oaxaca"}), (), {"standard": far})
    shop.policy = replace(shop.policy, zones=(zone,))
    mug = await add_product(shop, "TAZA", stock=10)
    clock.now = utc(2, 15)
    order = await buy(shop, await new_buyer(shop, "1"), {mug: 1})
    assert order.delivery_promised_by == datetime(2026, 11, 11, 5, 59, 59, 999_000, UTC)

    clock.now = utc(3, 16)
    await orders.confirm_order(shop, MERCHANT, order.code)
    confirmed = (await orders.order_details(shop, order.code, MERCHANT)).order
    t = Translator("en", "MX")
    text = delivery_estimate(t, confirmed, None, shop.policy, shop.settings.store_timezone)
    assert text == "Estimated delivery: 8 Nov–10 Nov"


async def test_an_order_taken_by_phone_is_promised_by_its_shipping_days_too(shop, clock):
    """Monterrey gets the default standard (3-5 days): placed Nov 2 09:00 local, promised
    by the end of Nov 7 local = Nov 8 05:59:59.999 UTC."""
    await add_product(shop, "GORRA-AZ", stock=3)
    clock.now = utc(2, 15)
    taken = await phone_orders.place_order_for_customer(
        shop,
        MERCHANT,
        PhoneOrderRequest(
            phone="55 1234 5678",
            name="Ana López",
            lines=(("GORRA-AZ", 1),),
            shipping_method="standard",
            payment_method=PaymentMethod.CASH_ON_DELIVERY,
            address=HOME,
        ),
    )
    assert taken.delivery_promised_by == datetime(2026, 11, 8, 5, 59, 59, 999_000, UTC)


# -- stockouts ----------------------------------------------------------------------------


async def test_each_refusal_for_lack_of_stock_is_a_stockout_kept_after_the_rollback(shop, clock):
    mug = await add_product(shop, "TAZA", stock=3)
    cap = await add_product(shop, "GORRA-AZ", stock=1)
    ana, luis = await new_buyer(shop, "1", "Ana"), await new_buyer(shop, "2", "Luis")

    # Adding 5 of 3: refused, nothing in the cart, the stockout kept.
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(shop, ana.customer_id, mug, 5)
    assert (await cart.view_cart(shop, ana.customer_id)).is_empty
    # Changing a line to more than there is.
    await cart.add_to_cart(shop, ana.customer_id, mug, 2)
    with pytest.raises(OutOfStock):
        await cart.set_quantity(shop, ana.customer_id, mug, 4)
    # Checkout after someone else took the units: Luis's 2 mugs, 1 left for Ana's 2.
    await buy(shop, luis, {mug: 2, cap: 1})
    with pytest.raises(OutOfStock):
        await checkout.place_order(shop, ana.customer_id, details())
    # A phone order for a sold-out cap, refused at the summary and again at placing.
    wanted = PhoneOrderRequest(
        phone="55 1234 5678",
        name="Eva",
        lines=(("GORRA-AZ", 2),),
        shipping_method="standard",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        address=HOME,
    )
    with pytest.raises(OutOfStock):
        await phone_orders.quote_order_for_customer(shop, MERCHANT, wanted)
    with pytest.raises(OutOfStock):
        await phone_orders.place_order_for_customer(shop, MERCHANT, wanted)

    assert await stockout_rows(shop) == [
        ("TAZA", 5, 3, "cart"),
        ("TAZA", 4, 3, "cart"),
        ("TAZA", 2, 1, "checkout"),
        ("GORRA-AZ", 2, 0, "phone_order"),
        ("GORRA-AZ", 2, 0, "phone_order"),
    ]


async def test_a_stockout_that_cannot_be_written_leaves_the_refusal_as_it_was(
    shop, clock, monkeypatch
):
    mug = await add_product(shop, "TAZA", stock=1)
    ana = await new_buyer(shop, "1")

    async def broken(self, *args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(SqlStockoutRepository, "add", broken)
    with pytest.raises(OutOfStock) as refused:
        await cart.add_to_cart(shop, ana.customer_id, mug, 2)
    assert [(s.sku, s.requested, s.available) for s in refused.value.shortages] == [("TAZA", 2, 1)]
    monkeypatch.undo()
    assert await stockout_rows(shop) == []
    # The shop goes on: the one mug can still be bought.
    await cart.add_to_cart(shop, ana.customer_id, mug, 1)
    assert (await checkout.place_order(shop, ana.customer_id, details())).lines[0].quantity == 1


async def test_stockouts_are_counted_per_product_over_the_period(shop, clock):
    """Told sold out (available 0) and told fewer than asked (available > 0), by product,
    rows at or after `since` and before `until` only."""
    mug = await add_product(shop, "TAZA", stock=2, name="Taza")
    ana = await new_buyer(shop, "1")
    clock.now = utc(1, 12)  # before the period
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(shop, ana.customer_id, mug, 3)
    clock.now = utc(2, 12)
    for asked in (3, 5):  # short twice: 2 available
        with pytest.raises(OutOfStock):
            await cart.add_to_cart(shop, ana.customer_id, mug, asked)
    await inventory.set_stock(shop, MERCHANT, "TAZA", 0)
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(shop, ana.customer_id, mug, 1)  # sold out
    assert ADDRESS.city == "Oaxaca"
    async with shop.uow(write=False) as uow:
        counted = await uow.stockouts.per_product(utc(2, 6), utc(3, 6))
    assert [(c.sku, c.name, c.sold_out, c.short, c.total) for c in counted] == [
        ("TAZA", "Taza", 1, 2, 3)
    ]


async def test_an_order_that_loses_the_last_units_in_a_race_is_a_checkout_stockout(
    shop, clock, monkeypatch
):
    """The cart's check passed, then another order reserved the units first: the guarded
    reserve finds none, the whole order rolls back, and the stockout stays."""
    mug = await add_product(shop, "TAZA", stock=2)
    ana = await new_buyer(shop, "1")
    await cart.add_to_cart(shop, ana.customer_id, mug, 2)

    async def taken(self, *args, **kwargs):
        return False  # what the guarded UPDATE answers when the units are gone

    monkeypatch.setattr(SqlStockRepository, "reserve", taken)
    with pytest.raises(OutOfStock):
        await checkout.place_order(shop, ana.customer_id, details())
    monkeypatch.undo()
    assert await stockout_rows(shop) == [("TAZA", 2, 2, "checkout")]  # it read 2 left
    assert (await orders.customer_orders(shop, ana.customer_id)) == []


async def test_a_stockout_is_not_the_api_request_s_change(shop, clock):
    """A REST API order refused for stock under an Idempotency-Key changed nothing: the
    stockout written beside it must not mark the key's claim committed (a retry after a
    failure may run again)."""
    await add_product(shop, "GORRA-AZ", stock=1)
    wanted = PhoneOrderRequest(
        phone="55 1234 5678",
        name="Eva",
        lines=(("GORRA-AZ", 2),),
        shipping_method="standard",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        address=HOME,
    )
    with api_keys.answering(1, "order-1") as running, pytest.raises(OutOfStock):
        await phone_orders.place_order_for_customer(shop, MERCHANT, wanted)
    assert not running.committed
    assert await stockout_rows(shop) == [("GORRA-AZ", 2, 1, "phone_order")]
