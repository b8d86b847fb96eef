"""The /reporte text: what the merchant reads, in their language."""

from datetime import UTC, datetime, timedelta

from core.domain.stockouts import StockoutCount
from core.services.reports import Report, Spread, TopProduct
from handlers.admin.reports import report_text
from handlers.i18n import Translator


def _report(**figures) -> Report:
    base = dict(
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 11, 8, tzinfo=UTC),
        currency="MXN",
        orders=3,
        revenue=47700,
        per_day=[],
        per_status={},
        avg_to_confirm=None,
        avg_to_ship=None,
        avg_to_deliver=None,
        top_products=[],
        return_rate=None,
        average_rating=None,
        ratings=0,
    )
    return Report(**{**base, **figures})


def test_orders_by_status_are_named_in_words_not_codes():
    report = _report(per_status={"awaiting_confirmation": 2, "shipped": 1})
    text = report_text(Translator("en", "MX"), report)
    assert "By status: waiting for the shop to confirm 2, on its way 1" in text
    assert "awaiting_confirmation" not in text


def test_an_empty_period_shows_a_dash_for_each_figure_with_its_count():
    text = report_text(Translator("en", "MX"), _report(orders=0, revenue=0))
    for line in (
        "Time to ship: —",
        "Time to deliver: —",
        "On time: — (0 of 0 delivered)",
        "Satisfaction (4-5 ★): — of 0 ratings",
        "Return rate: — (0 of 0 delivered)",
        "Best sellers by units: —",
        "Best sellers by sales: —",
        "Stockouts (times told): —",
    ):
        assert line in text.splitlines(), text


def test_the_analysis_reads_in_spanish_with_counts():
    report = _report(
        processing=Spread(timedelta(hours=4), timedelta(hours=30), 6),
        delivery=Spread(timedelta(days=3), timedelta(days=5), 5),
        on_time=3,
        promised_delivered=4,
        satisfied=3,
        ratings=5,
        average_rating=3.8,
        returned=1,
        delivered=5,
        top_by_revenue=[TopProduct("LAMP", "Lámpara", 1, 40000)],
        stockouts=[StockoutCount("LAMP", "Lámpara", 2, 0)],
    )
    lines = report_text(Translator("es", "MX"), report).splitlines()
    for line in (
        "Tiempo para enviar: mediana 4 horas · 90%: 1 día (6 pedidos)",
        "Tiempo de entrega: mediana 3 días · 90%: 5 días (5 pedidos)",
        "A tiempo: 75% (3 de 4 entregados)",
        "Satisfacción (4-5 ★): 60% de 5 calificaciones",
        "Devoluciones: 20% (1 de 5 entregados)",
        "  $400.00 MXN · Lámpara (1)",
        "  Lámpara: agotado 2 · menos de lo pedido 0",
    ):
        assert line in lines, "\n".join(lines)
