"""The sales report through the REST API: the figures of the admin chat's /reporte, money
in minor units."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.errors import OutOfStock
from core.domain.orders import PaymentMethod
from core.services import cart, orders, payments, shipping
from core.services.catalog import get_product
from core.services.reports import build_report
from handlers.admin.reports import period
from tests.api import bearer
from tests.conftest import MERCHANT, buy, new_buyer

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
async def sales(api_shop, clock):
    """Three days of orders: paid, unpaid, cancelled; the clock ends on Nov 4."""
    ana, luis = await new_buyer(api_shop, "4001", "Ana"), await new_buyer(api_shop, "4002", "Luis")
    mug = await get_product(api_shop, sku="TAZA-TAL")
    cap = await get_product(api_shop, sku="GOR-ROJA")
    clock.now = datetime(2026, 11, 2, 18, tzinfo=UTC)
    paid = await buy(api_shop, ana, {mug.id: 2}, PaymentMethod.BANK_TRANSFER)
    await payments.record_manual_payment(api_shop, MERCHANT, paid.code)
    clock.now = datetime(2026, 11, 3, 18, tzinfo=UTC)
    await buy(api_shop, luis, {cap.id: 1}, PaymentMethod.BANK_TRANSFER)  # unpaid
    clock.now = datetime(2026, 11, 4, 3, tzinfo=UTC)  # Nov 3, 21:00 in Mexico City
    dropped = await buy(api_shop, ana, {cap.id: 3})
    await orders.cancel_order(api_shop, MERCHANT, dropped.code, "sin existencias")
    clock.now = datetime(2026, 11, 4, 18, tzinfo=UTC)
    return paid


def same_figures(answer: dict, report) -> None:
    cur = report.currency
    assert datetime.fromisoformat(answer["since"]) == report.since
    assert datetime.fromisoformat(answer["until"]) == report.until
    assert answer["orders"] == report.orders
    assert answer["revenue"] == {"amount": report.revenue, "currency": cur}
    assert answer["pending"] == {"amount": report.pending, "currency": cur}
    assert answer["refunded"] == {"amount": report.refunded, "currency": cur}
    assert [(d["day"], d["orders"], d["revenue"]["amount"]) for d in answer["per_day"]] == [
        (d.day.isoformat(), d.orders, d.revenue) for d in report.per_day
    ]
    assert answer["per_status"] == report.per_status
    assert [(p["sku"], p["quantity"], p["revenue"]["amount"]) for p in answer["top_products"]] == [
        (p.sku, p.quantity, p.revenue) for p in report.top_products
    ]
    to_confirm = report.avg_to_confirm.total_seconds() if report.avg_to_confirm else None
    assert answer["avg_seconds_to_confirm"] == to_confirm
    assert answer["return_rate"] == report.return_rate
    assert (answer["average_rating"], answer["ratings"]) == (report.average_rating, report.ratings)
    assert [(p["sku"], p["revenue"]["amount"]) for p in answer["top_by_revenue"]] == [
        (p.sku, p.revenue) for p in report.top_by_revenue
    ]
    assert (answer["returned"], answer["delivered"]) == (report.returned, report.delivered)
    assert (answer["csat"], answer["satisfied"]) == (report.csat, report.satisfied)
    assert (answer["on_time_rate"], answer["on_time"], answer["delivered_with_promise"]) == (
        report.on_time_rate,
        report.on_time,
        report.promised_delivered,
    )
    for name, spread in (("processing", report.processing), ("delivery", report.delivery)):
        assert answer[name] == (
            None
            if spread is None
            else {
                "median_seconds": spread.median.total_seconds(),
                "p90_seconds": spread.p90.total_seconds(),
                "count": spread.count,
            }
        )
    assert [(s["sku"], s["sold_out"], s["short"]) for s in answer["stockouts"]] == [
        (s.sku, s.sold_out, s.short) for s in report.stockouts
    ]


async def test_the_periods_give_the_chats_figures(api_shop, api_as, sales):
    client = await api_as("reports:read")
    for name, chat_name in (("7d", "7d"), ("30d", "30d"), ("month", "mes")):
        answer = await client.get(f"/api/v1/reports/sales?period={name}")
        assert answer.status_code == 200, answer.text
        span = period(api_shop.now(), api_shop.settings.store_timezone, chat_name)
        assert span is not None
        same_figures(answer.json(), await build_report(api_shop, MERCHANT, *span))
    default = (await client.get("/api/v1/reports/sales")).json()
    assert default == (await client.get("/api/v1/reports/sales?period=7d")).json()

    week = (await client.get("/api/v1/reports/sales?period=7d")).json()
    assert week["orders"] == 3
    assert week["revenue"] == {"amount": sales.total.amount, "currency": "MXN"}
    assert week["per_status"]["cancelled"] == 1
    assert week["top_products"][0]["sku"] == "TAZA-TAL"  # the cancelled caps don't count


async def test_days_from_to_in_the_shops_time_zone(api_shop, api_as, sales):
    client = await api_as("reports:read")
    answer = await client.get("/api/v1/reports/sales?from=2026-11-03&to=2026-11-03")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["orders"] == 2  # Nov 3 in Mexico City: the unpaid one and the cancelled one
    assert [d["day"] for d in body["per_day"]] == ["2026-11-03"]
    assert datetime.fromisoformat(body["since"]) == datetime(2026, 11, 3, 6, tzinfo=UTC)
    assert datetime.fromisoformat(body["until"]) == datetime(2026, 11, 4, 6, tzinfo=UTC)
    same_figures(
        body,
        await build_report(
            api_shop,
            MERCHANT,
            datetime(2026, 11, 3, 6, tzinfo=UTC),
            datetime(2026, 11, 4, 6, tzinfo=UTC),
        ),
    )


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-11-04&to=2026-11-03",  # backwards
        "from=2026-11-03",  # half a span
        "from=2024-01-01&to=2026-01-01",  # more than a year
        "from=0001-01-01&to=0001-01-02",
        "period=year",
        "from=ayer&to=hoy",
    ],
)
async def test_spans_that_do_not_fit_are_the_callers_error(api_as, query):
    client = await api_as("reports:read")
    answer = await client.get(f"/api/v1/reports/sales?{query}")
    assert answer.status_code == 422, query
    assert answer.json()["code"] == "invalid_request"


async def test_reports_need_their_scope(api_key, api_client):
    key = await api_key("orders:read,products:read,stock:read")
    answer = await api_client.get("/api/v1/reports/sales", headers=bearer(key))
    assert answer.status_code == 403 and answer.json()["scope"] == "reports:read"


async def test_the_analysis_comes_with_machine_names(api_shop, api_as, sales, clock):
    """The paid mug order (placed Nov 2 18:00 UTC, 12:00 local) shipped 3 h later and
    delivered a day after, rated 5; a customer asked for 99 caps (told fewer)."""
    code = sales.code
    await orders.confirm_order(api_shop, MERCHANT, code)
    await orders.start_preparing(api_shop, MERCHANT, code)
    await orders.mark_packed(api_shop, MERCHANT, code)
    clock.now = datetime(2026, 11, 2, 21, tzinfo=UTC)
    await shipping.ship_order(api_shop, MERCHANT, code, "dhl", "JD0123456789")
    clock.now = datetime(2026, 11, 3, 21, tzinfo=UTC)
    buyer = await new_buyer(api_shop, "4001", "Ana")
    await orders.mark_delivered(api_shop, buyer.actor, code)
    await orders.rate_order(api_shop, buyer.actor, code, 5)
    cap = await get_product(api_shop, sku="GOR-ROJA")
    with pytest.raises(OutOfStock):
        await cart.add_to_cart(api_shop, buyer.customer_id, cap.id, 99)
    clock.now = datetime(2026, 11, 4, 18, tzinfo=UTC)

    client = await api_as("reports:read")
    body = (await client.get("/api/v1/reports/sales?from=2026-11-02&to=2026-11-04")).json()
    assert body["processing"] == {"median_seconds": 10800.0, "p90_seconds": 10800.0, "count": 1}
    assert body["delivery"] == {"median_seconds": 86400.0, "p90_seconds": 86400.0, "count": 1}
    assert (body["on_time"], body["delivered_with_promise"], body["on_time_rate"]) == (1, 1, 1.0)
    assert (body["csat"], body["satisfied"], body["ratings"]) == (1.0, 1, 1)
    assert [s["sku"] for s in body["stockouts"]] == ["GOR-ROJA"]
    assert body["stockouts"][0]["short"] + body["stockouts"][0]["sold_out"] == 1
    assert body["top_by_revenue"][0]["sku"] == "TAZA-TAL"
