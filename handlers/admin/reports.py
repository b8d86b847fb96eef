"""/reporte: the figures in words and a PNG chart of orders and revenue per day."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.domain.money import Money
from core.services.reports import Report
from handlers.i18n import Translator
from handlers.render import money, status_name
from handlers.types import Document


def period(now: datetime, zone: str, name: str) -> tuple[datetime, datetime] | None:
    """[since, until) for "7d", "30d" or "mes" (this calendar month), in the shop's days."""
    local = now.astimezone(ZoneInfo(zone))
    end_of_today = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if name in ("", "7d"):
        return end_of_today - timedelta(days=7), end_of_today
    if name == "30d":
        return end_of_today - timedelta(days=30), end_of_today
    if name in ("mes", "month"):
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0), end_of_today
    return None


def _duration(t: Translator, span: timedelta | None) -> str:
    return t.duration(span.total_seconds()) if span is not None else "—"


def report_text(t: Translator, report: Report) -> str:
    _ = t.gettext
    cur = report.currency
    lines = [
        _("Report {first} – {last}").format(
            first=t.date(report.since), last=t.date(report.until - timedelta(seconds=1))
        ),
        _("Orders: {count} · Revenue: {amount}").format(
            count=report.orders, amount=money(t, report.revenue, cur)
        ),
    ]
    if report.per_status:
        lines.append(
            _("By status: {list}").format(
                list=", ".join(
                    f"{status_name(t, k)} {v}" for k, v in sorted(report.per_status.items())
                )
            )
        )
    lines.append(
        _("Average time to confirm: {time}").format(time=_duration(t, report.avg_to_confirm))
    )
    lines.append(_("Average time to ship: {time}").format(time=_duration(t, report.avg_to_ship)))
    lines.append(
        _("Average time to deliver: {time}").format(time=_duration(t, report.avg_to_deliver))
    )
    if report.top_products:
        lines.append(_("Top products:"))
        lines += [
            f"  {p.quantity} × {p.name} ({money(t, p.revenue, cur)})" for p in report.top_products
        ]
    rate = "—" if report.return_rate is None else f"{report.return_rate:.0%}"
    lines.append(_("Return rate: {rate}").format(rate=rate))
    rating = "—" if report.average_rating is None else f"{report.average_rating:.1f} ★"
    lines.append(
        t.ngettext(
            "Average rating: {rating} ({n} rating)",
            "Average rating: {rating} ({n} ratings)",
            report.ratings,
        ).format(rating=rating, n=report.ratings)
    )
    return "\n".join(lines)


def report_chart(t: Translator, report: Report) -> Document:
    """Bars of orders per day and a line of revenue per day (major units)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    _ = t.gettext
    days = [d.day for d in report.per_day]
    labels = [t.date_short(d.day) for d in report.per_day]
    figure, orders_axis = plt.subplots(figsize=(8, 4), dpi=100)
    try:
        orders_axis.bar(range(len(days)), [d.orders for d in report.per_day], color="#4C72B0")
        orders_axis.set_ylabel(_("Orders"))
        orders_axis.set_xticks(range(len(days)), labels, rotation=45, ha="right", fontsize=8)
        revenue_axis = orders_axis.twinx()
        revenue_axis.plot(
            range(len(days)),
            [float(Money(d.revenue, report.currency).to_major()) for d in report.per_day],
            color="#DD8452",
            marker="o",
        )
        revenue_axis.set_ylabel(_("Revenue ({currency})").format(currency=report.currency))
        orders_axis.set_title(_("Orders and revenue per day"))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    return Document("reporte.png", buffer.getvalue(), "image/png")
