"""The /reporte chart a merchant reads: whole orders on the order axis, both axes
starting at the same zero, and a legend saying which mark is which (issue #13)."""

from datetime import UTC, date, datetime

import pytest
from matplotlib.figure import Figure

from core.services.reports import DayFigures, Report
from handlers.admin.reports import report_chart, report_text
from handlers.i18n import Translator


def _report(per_day: list[DayFigures], **figures) -> Report:
    base = dict(
        since=datetime(2026, 11, 2, 6, tzinfo=UTC),
        until=datetime(2026, 11, 6, 6, tzinfo=UTC),
        currency="MXN",
        orders=sum(d.orders for d in per_day),
        revenue=sum(d.revenue for d in per_day),
        per_day=per_day,
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


WEEK = [
    DayFigures(date(2026, 11, 2), 2, 57800),
    DayFigures(date(2026, 11, 3), 1, 0),
    DayFigures(date(2026, 11, 4), 3, 24900),
    DayFigures(date(2026, 11, 5), 0, 0),
]


@pytest.fixture
def drawn(monkeypatch) -> list[Figure]:
    """The figures report_chart saves, kept to look at their axes."""
    figures: list[Figure] = []
    save = Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def axes_of(figure: Figure):
    orders_axis, revenue_axis = figure.axes
    return orders_axis, revenue_axis


@pytest.mark.parametrize("per_day", [WEEK, [DayFigures(date(2026, 11, 2), 1, 0)]])
def test_the_order_axis_counts_whole_orders(drawn, per_day):
    report_chart(Translator("en", "MX"), _report(per_day))
    orders_axis, _ = axes_of(drawn[0])
    low, high = orders_axis.get_ylim()
    shown = [tick for tick in orders_axis.get_yticks() if low <= tick <= high]
    assert shown and all(float(tick).is_integer() for tick in shown)


def test_both_axes_start_at_the_same_zero(drawn):
    report_chart(Translator("en", "MX"), _report(WEEK))
    orders_axis, revenue_axis = axes_of(drawn[0])
    assert orders_axis.get_ylim()[0] == 0
    assert revenue_axis.get_ylim()[0] == 0


def test_a_legend_names_the_bars_and_the_line(drawn):
    report_chart(Translator("es", "MX"), _report(WEEK))
    legends = [axis.get_legend() for axis in drawn[0].axes if axis.get_legend()]
    assert len(legends) == 1
    assert [text.get_text() for text in legends[0].get_texts()] == [
        "Pedidos",
        "Ingresos cobrados (MXN)",
    ]


def test_the_text_shows_paid_pending_and_refunded_money_apart():
    report = _report(WEEK, pending=27900, refunded=5000)
    text = report_text(Translator("en", "MX"), report)
    assert "Orders: 6 · Revenue (paid): MX$827.00" in text
    assert "Pending payment: MX$279.00 · Refunded: MX$50.00" in text
