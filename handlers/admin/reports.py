"""/reporte: the figures in words and a PNG chart of orders and revenue per day."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.domain.money import Money
from core.services.reports import Report, Spread, build_report
from handlers.admin.actor import actor
from handlers.i18n import Translator
from handlers.render import money, status_name
from handlers.turn import Turn
from handlers.types import Document

HEADROOM = 1.25  # the tallest bar or point reaches 80% of the chart's height
STOCKOUT_LINES = 8  # the products most often missed: a phone screen, not a list


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


def days(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """[since, until) for the shop's days first to last, both included."""
    tz = ZoneInfo(zone)
    return datetime.combine(first, time(), tz), datetime.combine(
        last + timedelta(days=1), time(), tz
    )


def _duration(t: Translator, span: timedelta | None) -> str:
    return t.duration(span.total_seconds()) if span is not None else "—"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def _spread(t: Translator, label: str, figures: Spread | None) -> str:
    """ "Time to ship: median 4 hours · 90%: 1 day (6 orders)", or "—" without any."""
    if figures is None:
        return t.gettext("{label}: —").format(label=label)
    return t.ngettext(
        "{label}: median {median} · 90%: {p90} ({n} order)",
        "{label}: median {median} · 90%: {p90} ({n} orders)",
        figures.count,
    ).format(
        label=label,
        median=_duration(t, figures.median),
        p90=_duration(t, figures.p90),
        n=figures.count,
    )


def report_text(t: Translator, report: Report) -> str:
    """The figures of docs/reports.md, a short line each with its count, "—" where
    there is nothing to count: read on a phone."""
    _ = t.gettext
    cur = report.currency
    lines = [
        _("Report {first} – {last}").format(
            first=t.date(report.since), last=t.date(report.until - timedelta(seconds=1))
        ),
        _("Orders: {count} · Revenue (paid): {amount}").format(
            count=report.orders, amount=money(t, report.revenue, cur)
        ),
        _("Pending payment: {pending} · Refunded: {refunded}").format(
            pending=money(t, report.pending, cur), refunded=money(t, report.refunded, cur)
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
    lines.append(_spread(t, _("Time to ship"), report.processing))
    lines.append(_spread(t, _("Time to deliver"), report.delivery))
    lines.append(
        _("On time: {rate} ({n} of {total} delivered)").format(
            rate=_share(report.on_time, report.promised_delivered),
            n=report.on_time,
            total=report.promised_delivered,
        )
    )
    lines.append(
        t.ngettext(
            "Satisfaction (4-5 ★): {rate} of {n} rating",
            "Satisfaction (4-5 ★): {rate} of {n} ratings",
            report.ratings,
        ).format(rate=_share(report.satisfied, report.ratings), n=report.ratings)
    )
    rating = "—" if report.average_rating is None else f"{report.average_rating:.1f} ★"
    lines.append(
        t.ngettext(
            "Average rating: {rating} ({n} rating)",
            "Average rating: {rating} ({n} ratings)",
            report.ratings,
        ).format(rating=rating, n=report.ratings)
    )
    lines.append(
        _("Return rate: {rate} ({n} of {total} delivered)").format(
            rate=_share(report.returned, report.delivered),
            n=report.returned,
            total=report.delivered,
        )
    )
    lines.append(_("Best sellers by units:") + ("" if report.top_products else " —"))
    lines += [
        f"  {p.quantity} × {p.name} ({money(t, p.revenue, cur)})" for p in report.top_products
    ]
    lines.append(_("Best sellers by sales:") + ("" if report.top_by_revenue else " —"))
    lines += [
        f"  {money(t, p.revenue, cur)} · {p.name} ({p.quantity})" for p in report.top_by_revenue
    ]
    lines.append(_("Stockouts (times told):") + ("" if report.stockouts else " —"))
    lines += [
        "  "
        + _("{name}: sold out {sold_out} · fewer than asked {short}").format(
            name=s.name, sold_out=s.sold_out, short=s.short
        )
        for s in report.stockouts[:STOCKOUT_LINES]
    ]
    return "\n".join(lines)


def report_chart(t: Translator, report: Report) -> Document:
    """Bars of orders per day and a line of paid revenue per day (major units): whole
    numbers on the order axis, both axes from the same zero, and a legend.
    Thread-safe (a Figure of its own, no pyplot state), so a caller may draw it in a
    worker thread: it takes a good part of a second, too long for the loop's thread."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    _ = t.gettext
    x = range(len(report.per_day))
    counts = [d.orders for d in report.per_day]
    revenue = [float(Money(d.revenue, report.currency).to_major()) for d in report.per_day]
    revenue_label = _("Paid revenue ({currency})").format(currency=report.currency)
    figure = Figure(figsize=(8, 4), dpi=100)
    orders_axis = figure.subplots()
    bars = orders_axis.bar(x, counts, color="#4C72B0", label=_("Orders"))
    orders_axis.set_ylabel(_("Orders"))
    orders_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    labels = [t.date_short(d.day) for d in report.per_day]
    orders_axis.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    revenue_axis = orders_axis.twinx()
    (line,) = revenue_axis.plot(
        x, revenue, color="#DD8452", marker="o", label=revenue_label, clip_on=False
    )
    revenue_axis.set_ylabel(revenue_label)
    # Both from 0 (so the two zeros are one line), with room above for the legend.
    orders_axis.set_ylim(0, max([1, *counts]) * HEADROOM)
    revenue_axis.set_ylim(0, max([1.0, *revenue]) * HEADROOM)
    # On the twin axis, drawn last, so the line never covers it.
    revenue_axis.legend(handles=[bars, line], loc="upper left", fontsize=8)
    orders_axis.set_title(_("Orders and revenue per day"))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return Document("reporte.png", buffer.getvalue(), "image/png")


async def report(turn: Turn, name: str) -> None:
    """/reporte [7d|30d|mes]: the figures, then the chart."""
    _ = turn.t.gettext
    span = period(turn.shop.now(), turn.zone, name.lower())
    if span is None:
        turn.say(_("Use /reporte 7d, /reporte 30d or /reporte mes."))
        return
    figures = await build_report(turn.shop, actor(turn), *span)
    turn.say(report_text(turn.t, figures))
    # Drawing takes a good part of a second: in a worker thread, the loop keeps answering.
    chart = await asyncio.to_thread(report_chart, turn.t, figures)
    turn.say(_("Orders and revenue per day"), document=chart)
