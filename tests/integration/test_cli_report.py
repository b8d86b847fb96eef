"""`pedidos report`, run as the merchant runs it: a real process on a real SQLite file,
the orders placed through the services beforehand at known times (the store is in
America/Mexico_City, UTC-6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.domain.errors import OutOfStock
from core.services import cart, orders
from tests.conftest import MERCHANT, Clock, add_product, buy, new_buyer, open_shop
from tests.integration.test_cli import db_url, ok, pedidos
from tests.integration.test_reports import ship_and_deliver


@pytest.fixture
async def week(tmp_path: Path) -> Path:
    """One order and one stockout in the local days Nov 2-8, worked by hand:

    - placed Nov 2 09:00 local (15:00 UTC): 2 x TAZA at 50.00 = 100.00, + 99.00 standard
      shipping = 199.00, cash on delivery (not recorded: pending); shipped 3 h later,
      delivered 24 h after that (Nov 3 18:00 UTC), rated 5. Promised by the end of
      Nov 2 + 5 = Nov 7 local: on time.
    - Nov 3: a customer asks for 9 mugs, 8 are left (10 - 2): told fewer than asked.
    """
    clock = Clock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    shop = await open_shop(db_url(tmp_path), clock)
    try:
        mug = await add_product(shop, "TAZA", price="50.00", stock=10, name="Taza")
        ana, luis = await new_buyer(shop, "1", "Ana"), await new_buyer(shop, "2", "Luis")
        code = (await buy(shop, ana, {mug: 2})).code
        await orders.confirm_order(shop, MERCHANT, code)
        await ship_and_deliver(
            shop,
            clock,
            code,
            ana,
            shipped_at=datetime(2026, 11, 2, 18, tzinfo=UTC),
            delivered_at=datetime(2026, 11, 3, 18, tzinfo=UTC),
        )
        await orders.rate_order(shop, ana.actor, code, 5)
        with pytest.raises(OutOfStock):
            await cart.add_to_cart(shop, luis.customer_id, mug, 9)
    finally:
        await shop.db.dispose()
    return tmp_path


def test_the_json_report_names_every_figure_with_money_in_minor_units(week):
    figures = json.loads(
        ok(
            pedidos(
                week, "report", "--since", "2026-11-02", "--until", "2026-11-08", "--format", "json"
            )
        )
    )
    assert datetime.fromisoformat(figures["since"]) == datetime(2026, 11, 2, 6, tzinfo=UTC)
    assert datetime.fromisoformat(figures["until"]) == datetime(2026, 11, 9, 6, tzinfo=UTC)
    assert figures["orders"] == 1
    assert figures["revenue"] == {"amount": 0, "currency": "MXN"}
    assert figures["pending"] == {"amount": 19900, "currency": "MXN"}
    # One order: its 3 h and 24 h are the median and the 90th percentile.
    assert figures["processing"] == {"median_seconds": 10800, "p90_seconds": 10800, "count": 1}
    assert figures["delivery"] == {"median_seconds": 86400, "p90_seconds": 86400, "count": 1}
    assert (figures["on_time"], figures["delivered_with_promise"]) == (1, 1)
    assert figures["on_time_rate"] == 1.0
    assert (figures["csat"], figures["satisfied"], figures["ratings"]) == (1.0, 1, 1)
    assert (figures["return_rate"], figures["returned"], figures["delivered"]) == (0.0, 0, 1)
    top = {
        "sku": "TAZA",
        "name": "Taza",
        "quantity": 2,
        "revenue": {"amount": 10000, "currency": "MXN"},
    }
    assert figures["top_products"] == figures["top_by_revenue"] == [top]
    assert figures["stockouts"] == [{"sku": "TAZA", "name": "Taza", "sold_out": 0, "short": 1}]


def test_the_text_report_is_the_chats_in_either_language(week):
    span = ("--since", "2026-11-02", "--until", "2026-11-08")
    english = ok(pedidos(week, "report", *span, "--locale", "en"))
    assert "Orders: 1 · Revenue (paid): MX$0.00" in english
    assert "Time to ship: median 3 hours · 90%: 3 hours (1 order)" in english
    assert "Time to deliver: median 24 hours · 90%: 24 hours (1 order)" in english
    assert "On time: 100% (1 of 1 delivered)" in english
    assert "Satisfaction (4-5 ★): 100% of 1 rating" in english
    assert "Taza: sold out 0 · fewer than asked 1" in english
    spanish = ok(pedidos(week, "report", *span))  # DEFAULT_LOCALE
    assert "Tiempo para enviar: mediana 3 horas · 90%: 3 horas (1 pedido)" in spanish
    assert "A tiempo: 100% (1 de 1 entregados)" in spanish


def test_a_period_with_no_orders_shows_dashes(week):
    # The command runs on the real clock: its last 7 days hold none of the orders
    # placed in November 2026.
    text = ok(pedidos(week, "report", "--period", "7d", "--locale", "en"))
    assert "Orders: 0" in text
    assert "Time to ship: —" in text
    assert "On time: — (0 of 0 delivered)" in text


@pytest.mark.parametrize(
    "args",
    [
        ("--since", "2026-11-02"),  # half a span
        ("--since", "2026-11-08", "--until", "2026-11-02"),  # backwards
        ("--since", "2026-11-02", "--until", "2026-11-08", "--period", "30d"),  # both
        ("--since", "ayer", "--until", "hoy"),
        ("--since", "9999-12-31", "--until", "9999-12-31"),  # no day after it to end at
        ("--since", "2999-12-31", "--until", "3000-01-01"),
        ("--since", "1999-12-31", "--until", "2000-01-01"),
    ],
)
def test_spans_that_do_not_fit_are_refused_with_a_message(week, args):
    result = pedidos(week, "report", *args, "--locale", "en")
    assert result.returncode == 2
    assert "--since" in result.stderr and result.stdout == ""
    assert "Traceback" not in result.stderr


def test_days_out_of_range_are_named_in_words_with_the_apis_bounds(week):
    from bot.api import reports as api
    from bot.report_cli import EARLIEST, LATEST

    assert (EARLIEST, LATEST) == (api.EARLIEST, api.LATEST)  # the same spans as the API
    result = pedidos(week, "report", "--since", "2026-11-02", "--until", "9999-12-31")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "--since y --until van del 2000-01-01 al 2999-12-31."
    # The last day there is still gives a report.
    assert "Orders: 0" in ok(
        pedidos(week, "report", "--since", "2999-12-01", "--until", "2999-12-31", "--locale", "en")
    )
