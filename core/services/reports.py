"""The merchant's reports, computed from orders and their timelines.

Definitions (docs/reports.md): orders are counted by the day they were placed (in the
store's time zone); revenue is the money received for them and not refunded (a card or
transfer recorded paid, cash on delivery once its cash was recorded), on the day the
order was placed; pending is the payments still expected, refunded what was given back;
time to confirm is placed -> confirmed, time to ship is placed -> shipped, time to
deliver is shipped -> delivered; the return rate is orders with a return request over
delivered orders; the average rating is over rated orders.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.domain.actors import Actor
from core.domain.orders import OrderStatus
from core.services.context import Shop, require_admin
from core.store.reports_repo import OrderFact, OrderMoney

NOT_REVENUE = {str(OrderStatus.CANCELLED), str(OrderStatus.EXPIRED)}


@dataclass(frozen=True)
class DayFigures:
    day: date
    orders: int
    revenue: int  # minor units: paid and kept, for the orders placed that day


@dataclass(frozen=True)
class TopProduct:
    sku: str
    name: str
    quantity: int
    revenue: int


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    currency: str
    orders: int
    revenue: int  # paid and not refunded (minor units)
    per_day: list[DayFigures]
    per_status: dict[str, int]
    avg_to_confirm: timedelta | None
    avg_to_ship: timedelta | None
    avg_to_deliver: timedelta | None
    top_products: list[TopProduct]
    return_rate: float | None  # a ratio for display, not money
    average_rating: float | None
    ratings: int
    pending: int = 0  # payments still expected: unpaid transfers, cash not yet recorded
    refunded: int = 0  # given back of what was paid


def _average(spans: list[timedelta]) -> timedelta | None:
    return sum(spans, timedelta()) / len(spans) if spans else None


async def build_report(
    shop: Shop, actor: Actor, since: datetime, until: datetime, *, top: int = 5
) -> Report:
    """A period's report, built off the event loop's thread (its statements on SQLite,
    its arithmetic everywhere): a month of orders must not stop the customers."""
    with shop.db.off_loop():
        async with shop.uow(write=False) as uow:
            await require_admin(uow, actor, "report")
            facts = await uow.reports.orders_between(since, until)
            ids = [f.order_id for f in facts]
            times = await uow.reports.status_times(ids)
            money = await uow.reports.money_by_order(ids)
            top_rows = await uow.reports.top_products(
                [f.order_id for f in facts if f.status not in NOT_REVENUE], top
            )
    return await asyncio.to_thread(
        _figures,
        ReportFacts(since, until, shop.currency, facts, times, money, top_rows),
        ZoneInfo(shop.settings.store_timezone),
    )


@dataclass(frozen=True)
class ReportFacts:
    """What the report is computed from: the store's rows for the period."""

    since: datetime
    until: datetime
    currency: str
    facts: list[OrderFact]
    times: dict[int, dict[str, datetime]]
    money: dict[int, OrderMoney]
    top_rows: list[tuple[str, str, int, int]]


def _figures(read: ReportFacts, zone: ZoneInfo) -> Report:
    """The report's arithmetic: plain Python over the rows, run in a worker thread."""
    since, until, facts, times, money = read.since, read.until, read.facts, read.times, read.money
    per_day_orders: Counter[date] = Counter()
    per_day_revenue: Counter[date] = Counter()
    pending = refunded = 0
    for fact in facts:
        day = fact.created_at.astimezone(zone).date()
        per_day_orders[day] += 1
        got = money.get(fact.order_id, OrderMoney())
        per_day_revenue[day] += got.paid - got.refunded
        pending += got.pending
        refunded += got.refunded
    first = since.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]

    to_confirm, to_ship, to_deliver = [], [], []
    for fact in facts:
        reached = {"placed": fact.created_at, **times.get(fact.order_id, {})}
        for spans, start, end in (
            (to_confirm, "placed", "confirmed"),
            (to_ship, "placed", "shipped"),
            (to_deliver, "shipped", "delivered"),
        ):
            if start in reached and end in reached:
                spans.append(reached[end] - reached[start])

    delivered = [f for f in facts if f.status == str(OrderStatus.DELIVERED)]
    ratings = [f.rating for f in facts if f.rating is not None]
    return Report(
        since=since,
        until=until,
        currency=read.currency,
        orders=len(facts),
        revenue=sum(per_day_revenue.values()),
        per_day=[DayFigures(d, per_day_orders[d], per_day_revenue[d]) for d in days],
        per_status=dict(Counter(f.status for f in facts)),
        avg_to_confirm=_average(to_confirm),
        avg_to_ship=_average(to_ship),
        avg_to_deliver=_average(to_deliver),
        top_products=[TopProduct(*row) for row in read.top_rows],
        return_rate=(sum(1 for f in facts if f.has_return) / len(delivered) if delivered else None),
        average_rating=sum(ratings) / len(ratings) if ratings else None,
        ratings=len(ratings),
        pending=pending,
        refunded=refunded,
    )
