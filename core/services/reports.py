"""The merchant's reports, computed from orders and their timelines.

Definitions (docs/reports.md): orders are counted by the day they were placed (in the
store's time zone); revenue is the money received for them and not refunded (a card or
transfer recorded paid, cash on delivery once its cash was recorded), on the day the
order was placed; pending is the payments still expected, refunded what was given back;
time to confirm is placed -> confirmed, processing time placed -> shipped, delivery time
shipped -> delivered (median and 90th percentile, nearest rank); the on-time rate is
delivered orders delivered by the date promised at checkout; CSAT is the share of
ratings of 4 or 5; the return rate is orders with a return request over delivered
orders; best sellers by units and by value; stockouts per product, by when they
happened.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.domain.actors import Actor
from core.domain.orders import OrderStatus
from core.domain.stockouts import StockoutCount
from core.services.context import Shop, require_admin
from core.store.reports_repo import OrderFact, OrderMoney

NOT_REVENUE = {str(OrderStatus.CANCELLED), str(OrderStatus.EXPIRED)}
SATISFIED = 4  # a rating of 4 or 5 stars is a satisfied customer (CSAT)
TOP = 5  # products in each best-seller list


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
class Spread:
    """How long a step took, over the orders that made it: the median and the 90th
    percentile by the nearest-rank method, and how many orders they are of."""

    median: timedelta
    p90: timedelta
    count: int


def nearest_rank(values: list[timedelta], percent: int) -> timedelta:
    """The smallest value with at least `percent` % of the values at or below it: the
    value at rank ceil(percent / 100 * n) (1-based) of the values sorted."""
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)  # ceil, in integers
    return ordered[max(rank, 1) - 1]


def spread(values: list[timedelta]) -> Spread | None:
    if not values:
        return None
    return Spread(nearest_rank(values, 50), nearest_rank(values, 90), len(values))


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
    processing: Spread | None = None  # placed -> shipped
    delivery: Spread | None = None  # shipped -> delivered
    on_time: int = 0  # delivered by the date promised at checkout
    promised_delivered: int = 0  # delivered orders that had a promise
    satisfied: int = 0  # ratings of 4 or 5
    returned: int = 0  # orders with a return request
    delivered: int = 0  # orders delivered (their status now)
    top_by_revenue: list[TopProduct] = field(default_factory=list)
    stockouts: list[StockoutCount] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.promised_delivered if self.promised_delivered else None

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


def _average(spans: list[timedelta]) -> timedelta | None:
    return sum(spans, timedelta()) / len(spans) if spans else None


async def build_report(
    shop: Shop, actor: Actor, since: datetime, until: datetime, *, top: int = TOP
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
            sold = [f.order_id for f in facts if f.status not in NOT_REVENUE]
            top_rows = await uow.reports.top_products(sold, top)
            top_value = await uow.reports.top_products(sold, top, by_revenue=True)
            stockouts = await uow.stockouts.per_product(since, until)
    return await asyncio.to_thread(
        _figures,
        ReportFacts(
            since, until, shop.currency, facts, times, money, top_rows, top_value, stockouts
        ),
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
    top_value: list[tuple[str, str, int, int]] = field(default_factory=list)
    stockouts: list[StockoutCount] = field(default_factory=list)


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

    # On time: delivered (the first time the timeline says so) by the promised date.
    kept = [
        times[f.order_id]["delivered"] <= f.delivery_promised_by
        for f in facts
        if f.delivery_promised_by is not None and "delivered" in times.get(f.order_id, {})
    ]
    delivered = [f for f in facts if f.status == str(OrderStatus.DELIVERED)]
    returned = sum(1 for f in facts if f.has_return)
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
        return_rate=returned / len(delivered) if delivered else None,
        average_rating=sum(ratings) / len(ratings) if ratings else None,
        ratings=len(ratings),
        pending=pending,
        refunded=refunded,
        processing=spread(to_ship),
        delivery=spread(to_deliver),
        on_time=sum(kept),
        promised_delivered=len(kept),
        satisfied=sum(1 for r in ratings if r >= SATISFIED),
        returned=returned,
        delivered=len(delivered),
        top_by_revenue=[TopProduct(*row) for row in read.top_value],
        stockouts=read.stockouts,
    )
