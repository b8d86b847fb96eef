"""The report's analysis (docs/reports.md) against figures worked out by hand, on SQLite
and PostgreSQL: processing and delivery time (median and 90th percentile, nearest
rank), the on-time rate against the date promised at checkout, CSAT, the return rate,
best sellers by units and by value, and stockouts per product.

The store is in America/Mexico_City (UTC-6 all year). The period is the local days
Nov 2-8: [Nov 2 06:00 UTC, Nov 9 06:00 UTC). Every order is cash on delivery, standard
shipping (3-5 days): promised by the end of (its local day of placing + 5), 23:59:59.999
local, which is 05:59:59.999 UTC the next calendar day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core.domain.errors import OutOfStock
from core.services import cart, orders, returns, shipping
from core.services.reports import build_report, nearest_rank, spread
from core.store.tables import orders as orders_table
from tests.conftest import MERCHANT, add_product, buy, new_buyer
from tests.integration.test_reports import ship_and_deliver

SINCE = datetime(2026, 11, 2, 6, tzinfo=UTC)
UNTIL = datetime(2026, 11, 9, 6, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@dataclass
class Week:
    codes: dict[str, str]


@pytest.fixture
async def week(shop, clock) -> Week:
    """Seven orders in the period, one stockout before it and three in it.

    | order | placed UTC (local day) | lines          | ship | deliver | promised UTC | ★ |
    |-------|-----------------------|----------------|------|---------|--------------|---|
    | o1    | Nov 2 15:00 (Nov 2)   | 1 LAMP 400.00  | 2 h  | 72 h    | Nov 8 05:59  | 5 |
    | o2    | Nov 2 16:00 (Nov 2)   | 4 TAZA 200.00  | 10 h | 24 h    | Nov 8 05:59  | 4 |
    | o3    | Nov 3 15:00 (Nov 3)   | 3 VELA 90.00   | 30 h | 96 h    | Nov 9 05:59  | 2 |
    | o4    | Nov 4 03:00 (Nov 3!)  | 2 CAM 200.00   | 4 h  | 120 h   | Nov 9 05:59  | 3 |
    | o5    | Nov 5 15:00 (Nov 5)   | 1 CAM, 1 TAZA  | 6 h  | not yet |              |   |
    | o6    | Nov 6 15:00 (Nov 6)   | 2 VELA         | cancelled                 |   |
    | o7    | Nov 6 16:00 (Nov 6)   | 1 VELA 30.00   | 1 h  | 48 h    | none (older) | 5 |

    Promised times are 05:59:59.999 UTC. Delivered: o1 Nov 5 17:00, o2 Nov 4 02:00,
    o3 Nov 8 21:00 (on time), o4 Nov 9 07:00 (an hour late), o7 Nov 8 17:00.

    o4 was placed at 21:00 local on Nov 3: counted from its UTC date (Nov 4) it would be
    promised a day later and be on time. o2's customer asks to return one mug.
    """
    clock.now = utc(1, 12)
    sku = {
        "LAMP": await add_product(shop, "LAMP", price="400.00", stock=1, name="Lámpara"),
        "CAM": await add_product(shop, "CAM", price="100.00", stock=20, name="Camisa"),
        "TAZA": await add_product(shop, "TAZA", price="50.00", stock=6, name="Taza"),
        "VELA": await add_product(shop, "VELA", price="30.00", stock=20, name="Vela"),
    }
    ana, luis = await new_buyer(shop, "1", "Ana"), await new_buyer(shop, "2", "Luis")
    eva = await new_buyer(shop, "3", "Eva")
    codes: dict[str, str] = {}

    # Before the period (Nov 1 local): a stockout that must not count.
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(shop, eva.customer_id, sku["VELA"], 25)

    async def deliver(name, buyer, items, placed, ship_after, deliver_after, rating):
        clock.now = placed
        code = (await buy(shop, buyer, items)).code
        await orders.confirm_order(shop, MERCHANT, code)
        shipped = placed + hours(ship_after)
        await ship_and_deliver(
            shop,
            clock,
            code,
            buyer,
            shipped_at=shipped,
            delivered_at=shipped + hours(deliver_after),
        )
        await orders.rate_order(shop, buyer.actor, code, rating)
        codes[name] = code

    await deliver("o1", ana, {sku["LAMP"]: 1}, utc(2, 15), 2, 72, 5)
    await deliver("o2", luis, {sku["TAZA"]: 4}, utc(2, 16), 10, 24, 4)
    await deliver("o3", eva, {sku["VELA"]: 3}, utc(3, 15), 30, 96, 2)
    await deliver("o4", ana, {sku["CAM"]: 2}, utc(4, 3), 4, 120, 3)

    clock.now = utc(5, 15)
    o5 = (await buy(shop, luis, {sku["CAM"]: 1, sku["TAZA"]: 1})).code
    await orders.confirm_order(shop, MERCHANT, o5)
    await orders.start_preparing(shop, MERCHANT, o5)
    await orders.mark_packed(shop, MERCHANT, o5)
    clock.now = utc(5, 21)
    await shipping.ship_order(shop, MERCHANT, o5, "dhl", "JD0123456780")
    codes["o5"] = o5

    clock.now = utc(6, 15)
    o6 = (await buy(shop, eva, {sku["VELA"]: 2})).code
    await orders.cancel_order(shop, MERCHANT, o6, "no hay envío")
    codes["o6"] = o6

    # o7: placed before promises were recorded (the column is empty for older orders).
    clock.now = utc(6, 16)
    o7 = (await buy(shop, eva, {sku["VELA"]: 1})).code
    async with shop.uow() as uow:
        await uow.conn.execute(
            update(orders_table).where(orders_table.c.code == o7).values(delivery_promised_by=None)
        )
        await uow.commit(shop.now())
    await orders.confirm_order(shop, MERCHANT, o7)
    await ship_and_deliver(shop, clock, o7, eva, shipped_at=utc(6, 17), delivered_at=utc(8, 17))
    await orders.rate_order(shop, eva.actor, o7, 5)
    codes["o7"] = o7

    clock.now = utc(7, 12)
    await returns.request_return(shop, luis.actor, codes["o2"], {"TAZA": 1}, "Llegó rota")

    # Stockouts in the period: the lamp is sold out (o1 took the only one), asked for
    # twice; 1 mug is left (6 - 4 - 1), asked for 3.
    clock.now = utc(7, 13)
    for asked in (1, 2):
        with pytest.raises(OutOfStock):
            await cart.add_to_cart(shop, eva.customer_id, sku["LAMP"], asked)
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(shop, eva.customer_id, sku["TAZA"], 3)
    return Week(codes)


def test_nearest_rank_worked_by_hand():
    # 6 values: median at rank ceil(0.5 * 6) = 3, 90th at rank ceil(0.9 * 6) = 6.
    six = [hours(n) for n in (30, 1, 10, 2, 6, 4)]  # sorted: 1 2 4 6 10 30
    assert (nearest_rank(six, 50), nearest_rank(six, 90)) == (hours(4), hours(30))
    # 1 value: it is every percentile.
    assert spread([hours(3)]) is not None and spread([hours(3)]).p90 == hours(3)
    # 10 values 1..10: median rank 5 -> 5, 90th rank 9 -> 9.
    ten = [hours(n) for n in range(1, 11)]
    assert (nearest_rank(ten, 50), nearest_rank(ten, 90)) == (hours(5), hours(9))
    assert spread([]) is None


async def test_processing_and_delivery_time_median_and_90th_percentile(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # Placed -> shipped, every order that shipped (o6 never did): 2, 10, 30, 4, 6, 1 h.
    # Sorted 1 2 4 6 10 30, n = 6: median rank 3 -> 4 h; 90th rank ceil(5.4) = 6 -> 30 h.
    assert report.processing is not None
    assert (report.processing.median, report.processing.p90) == (hours(4), hours(30))
    assert report.processing.count == 6
    # Shipped -> delivered (o5 not yet): 72, 24, 96, 120, 48 h. Sorted 24 48 72 96 120,
    # n = 5: median rank ceil(2.5) = 3 -> 72 h; 90th rank ceil(4.5) = 5 -> 120 h.
    assert report.delivery is not None
    assert (report.delivery.median, report.delivery.p90) == (hours(72), hours(120))
    assert report.delivery.count == 5


async def test_on_time_rate_counts_delivered_orders_with_a_promise(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # o1, o2, o3 by their promise, o4 an hour past it (placed on the local Nov 3);
    # o7 has no promise and o5 is not delivered: 3 of 4.
    assert (report.on_time, report.promised_delivered) == (3, 4)
    assert report.on_time_rate == pytest.approx(3 / 4)


async def test_csat_is_the_share_of_ratings_of_4_or_5(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # Ratings 5, 4, 2, 3, 5: three of five are 4 or 5 -> 60 %; average 19 / 5 = 3.8.
    assert (report.satisfied, report.ratings) == (3, 5)
    assert report.csat == pytest.approx(0.6)
    assert report.average_rating == pytest.approx(3.8)


async def test_return_rate_is_orders_with_a_return_over_delivered_orders(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # o2 asked for a return; delivered: o1, o2, o3, o4, o7 -> 1 / 5.
    assert (report.returned, report.delivered) == (1, 5)
    assert report.return_rate == pytest.approx(0.2)


async def test_best_sellers_by_units_and_by_value_are_two_lists(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # Not cancelled: LAMP 1 (o1) = 400.00; TAZA 4 (o2) + 1 (o5) = 5 = 250.00;
    # VELA 3 (o3) + 1 (o7) = 4 = 120.00 (o6's 2 were cancelled); CAM 2 (o4) + 1 (o5)
    # = 3 = 300.00. Line values at the price sold, in cents.
    units = [(p.sku, p.quantity, p.revenue) for p in report.top_products]
    assert units == [("TAZA", 5, 25000), ("VELA", 4, 12000), ("CAM", 3, 30000), ("LAMP", 1, 40000)]
    value = [(p.sku, p.quantity, p.revenue) for p in report.top_by_revenue]
    assert value == [("LAMP", 1, 40000), ("CAM", 3, 30000), ("TAZA", 5, 25000), ("VELA", 4, 12000)]


async def test_stockouts_per_product_in_the_period(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # LAMP: told sold out twice; TAZA: told 1 left of 3 asked once. VELA's was Nov 1.
    assert [(s.sku, s.name, s.sold_out, s.short) for s in report.stockouts] == [
        ("LAMP", "Lámpara", 2, 0),
        ("TAZA", "Taza", 0, 1),
    ]


async def test_a_period_with_nothing_has_no_figures(shop, week):
    report = await build_report(shop, MERCHANT, utc(20, 6), utc(21, 6))
    assert (report.processing, report.delivery) == (None, None)
    assert (report.on_time_rate, report.csat, report.return_rate) == (None, None, None)
    assert (report.top_products, report.top_by_revenue, report.stockouts) == ([], [], [])
