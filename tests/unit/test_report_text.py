"""The /reporte text: what the merchant reads, in their language."""

from datetime import UTC, datetime

from core.services.reports import Report
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
