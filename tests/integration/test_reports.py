"""The merchant's report, checked against figures worked out by hand from orders placed
at known times (the store is in America/Mexico_City, UTC-6 all year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from core.domain.errors import NotAllowed
from core.domain.money import Money
from core.domain.orders import PaymentMethod
from core.services import expiry, orders, payments, returns, shipping
from core.services.reports import build_report
from tests.conftest import MERCHANT, add_product, buy, new_buyer


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def mxn(major: str) -> int:
    return Money.from_major(major, "MXN").amount


# The report covers local days Nov 2, 3, 4 and 5: [Nov 2 00:00, Nov 6 00:00) in Mexico City.
SINCE = utc(2, 6)
UNTIL = utc(6, 6)


@dataclass
class Fixture:
    skus: dict[str, int]
    codes: dict[str, str]


async def ship_and_deliver(shop, clock, code, buyer, *, shipped_at, delivered_at) -> None:
    await orders.start_preparing(shop, MERCHANT, code)
    await orders.mark_packed(shop, MERCHANT, code)
    clock.now = shipped_at
    await shipping.ship_order(shop, MERCHANT, code, "dhl", "JD0123456789")
    clock.now = delivered_at
    await orders.mark_delivered(shop, buyer.actor, code)


@pytest.fixture
async def week(shop, clock) -> Fixture:
    """Seven orders; five of them placed inside the report's range.

    Prices include tax; every order here is below the free-shipping threshold, so its
    total is its subtotal plus the 99.00 standard shipping fee.
    """
    clock.now = utc(1, 12)
    skus = {
        "CAM": await add_product(shop, "CAM", price="100.00", stock=50, name="Camisa"),
        "TAZA": await add_product(shop, "TAZA", price="50.00", stock=50, name="Taza"),
        "VELA": await add_product(shop, "VELA", price="30.00", stock=50, name="Vela"),
    }
    ana = await new_buyer(shop, "1", "Ana")
    luis = await new_buyer(shop, "2", "Luis")
    eva = await new_buyer(shop, "3", "Eva")
    codes: dict[str, str] = {}

    # Before the range: Nov 1, 23:00 local.
    clock.now = utc(2, 5)
    codes["before"] = (await buy(shop, ana, {skus["CAM"]: 10})).code

    # Order 1, Nov 2 09:00 local: 2 x CAM = 200.00 + 99.00 = 299.00, cash on delivery.
    # Confirmed after 1 h, shipped 3 h after placing, delivered 48 h after shipping (the
    # merchant records the cash), rated 5, the customer asks to return one shirt, and
    # the merchant refunds 50.00.
    clock.now = utc(2, 15)
    one = (await buy(shop, ana, {skus["CAM"]: 2})).code
    clock.now = utc(2, 16)
    await orders.confirm_order(shop, MERCHANT, one)
    await ship_and_deliver(shop, clock, one, ana, shipped_at=utc(2, 18), delivered_at=utc(4, 18))
    await payments.record_manual_payment(shop, MERCHANT, one)
    await orders.rate_order(shop, ana.actor, one, 5, "Muy bien")
    clock.now = utc(5, 10)
    await returns.request_return(shop, ana.actor, one, {"CAM": 1}, "Me quedó grande")
    await payments.refund_order(shop, MERCHANT, one, Money(mxn("50.00"), "MXN"))
    codes["one"] = one

    # Order 2, 2026-11-03 05:00 UTC = Nov 2 23:00 local: 3 x TAZA + 1 x VELA
    # = 180.00 + 99.00 = 279.00, cash on delivery. Confirmed after 3 h, shipped after
    # 5 h, delivered 24 h after shipping (the customer says so: no cash recorded yet),
    # rated 3.
    clock.now = utc(3, 5)
    two = (await buy(shop, luis, {skus["TAZA"]: 3, skus["VELA"]: 1})).code
    clock.now = utc(3, 8)
    await orders.confirm_order(shop, MERCHANT, two)
    await ship_and_deliver(shop, clock, two, luis, shipped_at=utc(3, 10), delivered_at=utc(4, 10))
    await orders.rate_order(shop, luis.actor, two, 3)
    codes["two"] = two

    # Order 3, Nov 3 10:00 local: 2 x VELA = 60.00 + 99.00 = 159.00. Confirmed after
    # 30 min, then cancelled by the merchant: no revenue, no product sold.
    clock.now = utc(3, 16)
    three = (await buy(shop, eva, {skus["VELA"]: 2})).code
    clock.now = utc(3, 16, 30)
    await orders.confirm_order(shop, MERCHANT, three)
    clock.now = utc(3, 17)
    await orders.cancel_order(shop, MERCHANT, three, "Sin existencias reales")
    codes["three"] = three

    # Order 4, Nov 4 11:00 local, paid by card 20 min later (auto-confirmed):
    # 1 x CAM + 1 x TAZA = 150.00 + 99.00 = 249.00.
    clock.now = utc(4, 17)
    four = await buy(shop, eva, {skus["CAM"]: 1, skus["TAZA"]: 1}, PaymentMethod.CARD)
    clock.now = utc(4, 17, 20)
    await payments.record_payment(
        shop, four.code, four.total, provider="telegram", provider_charge_id="ch_four"
    )
    codes["four"] = four.code

    # Order 5, Nov 4 12:00 local, by card, never paid: expires. 5 x TAZA.
    clock.now = utc(4, 18)
    five = (await buy(shop, luis, {skus["TAZA"]: 5}, PaymentMethod.CARD)).code
    clock.now = utc(4, 18, 31)
    assert await expiry.expire_overdue_orders(shop) == [five]
    codes["five"] = five

    # After the range: Nov 6, 01:00 local.
    clock.now = utc(6, 7)
    codes["after"] = (await buy(shop, luis, {skus["VELA"]: 10})).code
    return Fixture(skus, codes)


async def test_orders_are_counted_on_the_local_day_they_were_placed(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    assert report.orders == 5
    assert [(d.day, d.orders) for d in report.per_day] == [
        (date(2026, 11, 2), 2),  # order 1, and order 2 placed at 23:00 local
        (date(2026, 11, 3), 1),
        (date(2026, 11, 4), 2),
        (date(2026, 11, 5), 0),
    ]


async def test_revenue_is_the_money_received_and_kept(shop, week):
    """Not the totals of confirmed orders: order 1's recorded cash less its refund, and
    order 4's card payment. Order 2's cash was never recorded; orders 3 and 5 were
    never paid."""
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    assert [(d.day, d.revenue) for d in report.per_day] == [
        (date(2026, 11, 2), mxn("299.00") - mxn("50.00")),
        (date(2026, 11, 3), 0),
        (date(2026, 11, 4), mxn("249.00")),
        (date(2026, 11, 5), 0),
    ]
    assert report.revenue == mxn("498.00")
    assert report.currency == "MXN"


async def test_pending_and_refunded_money_is_shown_apart(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    assert report.pending == mxn("279.00")  # order 2: delivered, cash not recorded
    assert report.refunded == mxn("50.00")

    await payments.record_manual_payment(shop, MERCHANT, week.codes["two"])

    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    assert (report.revenue, report.pending) == (mxn("498.00") + mxn("279.00"), 0)


async def test_orders_are_counted_per_status(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    assert report.per_status == {"delivered": 2, "cancelled": 1, "confirmed": 1, "expired": 1}


async def test_average_times_to_confirm_ship_and_deliver_match_the_timeline(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # Confirmed orders: 60, 180, 30 and 20 minutes after placing; order 5 never was.
    assert report.avg_to_confirm == timedelta(minutes=(60 + 180 + 30 + 20) / 4)
    assert report.avg_to_ship == timedelta(hours=(3 + 5) / 2)
    assert report.avg_to_deliver == timedelta(hours=(48 + 24) / 2)


async def test_top_products_are_ranked_by_units_actually_sold(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    # TAZA: 3 (order 2) + 1 (order 4); the 5 of the expired order don't count.
    # CAM: 2 (order 1) + 1 (order 4). VELA: 1 (order 2); the cancelled 2 don't count.
    assert [(p.sku, p.name, p.quantity, p.revenue) for p in report.top_products] == [
        ("TAZA", "Taza", 4, mxn("200.00")),
        ("CAM", "Camisa", 3, mxn("300.00")),
        ("VELA", "Vela", 1, mxn("30.00")),
    ]


async def test_return_rate_and_average_rating(shop, week):
    report = await build_report(shop, MERCHANT, SINCE, UNTIL)
    assert report.return_rate == pytest.approx(1 / 2)  # one return over two delivered
    assert report.average_rating == pytest.approx((5 + 3) / 2)
    assert report.ratings == 2


async def test_a_range_with_no_orders_reports_zeros_and_no_averages(shop, week):
    report = await build_report(shop, MERCHANT, utc(20, 6), utc(22, 6))
    assert report.orders == 0
    assert report.revenue == 0
    assert [(d.day, d.orders, d.revenue) for d in report.per_day] == [
        (date(2026, 11, 20), 0, 0),
        (date(2026, 11, 21), 0, 0),
    ]
    assert report.per_status == {}
    assert report.top_products == []
    assert (report.avg_to_confirm, report.avg_to_ship, report.avg_to_deliver) == (None,) * 3
    assert (report.return_rate, report.average_rating, report.ratings) == (None, None, 0)


async def test_a_customer_cannot_read_the_report(shop, week):
    customer = await new_buyer(shop, "1")
    with pytest.raises(NotAllowed):
        await build_report(shop, customer.actor, SINCE, UNTIL)
