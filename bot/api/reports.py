"""Reports: the figures of the admin chat's /reporte, for a period or a span of days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.problems import Problem
from bot.api.schemas import MoneyOut
from core.domain.money import Money
from core.services.reports import Report, Spread, build_report
from handlers.admin.reports import days, period

router = APIRouter(prefix="/reports", tags=["reports"])
MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


class DayOut(BaseModel):
    day: date
    orders: int
    revenue: MoneyOut


class TopProductOut(BaseModel):
    sku: str
    name: str
    quantity: int
    revenue: MoneyOut


class SpreadOut(BaseModel):
    median_seconds: float = Field(description="Median, nearest-rank (docs/reports.md).")
    p90_seconds: float = Field(description="90th percentile, nearest-rank.")
    count: int = Field(description="Orders that made the step.")

    @classmethod
    def of(cls, spread: Spread | None) -> SpreadOut | None:
        if spread is None:
            return None
        return cls(
            median_seconds=spread.median.total_seconds(),
            p90_seconds=spread.p90.total_seconds(),
            count=spread.count,
        )


class StockoutOut(BaseModel):
    sku: str
    name: str
    sold_out: int = Field(description="Times a customer was told it was sold out.")
    short: int = Field(description="Times a customer was told fewer were left than asked.")


class SalesReport(BaseModel):
    since: datetime = Field(description="The period's start (included).")
    until: datetime = Field(description="The period's end (not included).")
    orders: int = Field(description="Orders placed in the period.")
    revenue: MoneyOut = Field(description="Paid and not refunded, for those orders.")
    pending: MoneyOut = Field(description="Payments still expected for them.")
    refunded: MoneyOut = Field(description="Given back of what was paid for them.")
    per_day: list[DayOut] = Field(description="Each day of the period, in the shop's time zone.")
    per_status: dict[str, int] = Field(description="Those orders by their status now.")
    avg_seconds_to_confirm: float | None = Field(description="Placed to confirmed.")
    avg_seconds_to_ship: float | None = Field(description="Placed to shipped.")
    avg_seconds_to_deliver: float | None = Field(description="Shipped to delivered.")
    top_products: list[TopProductOut] = Field(description="Best sellers by units.")
    top_by_revenue: list[TopProductOut] = Field(
        description="Best sellers by value: quantity times the price sold at."
    )
    return_rate: float | None = Field(description="Orders with a return over delivered ones.")
    returned: int = Field(description="Orders with a return request.")
    delivered: int = Field(description="Orders delivered.")
    average_rating: float | None
    ratings: int
    csat: float | None = Field(description="Ratings of 4 or 5 over ratings.")
    satisfied: int = Field(description="Ratings of 4 or 5.")
    processing: SpreadOut | None = Field(description="Placed to shipped.")
    delivery: SpreadOut | None = Field(description="Shipped to delivered.")
    on_time_rate: float | None = Field(
        description="Delivered by the date promised at checkout, over delivered orders "
        "that have a promise."
    )
    on_time: int = Field(description="Delivered by the promised date.")
    delivered_with_promise: int = Field(description="Delivered orders that have a promise.")
    stockouts: list[StockoutOut] = Field(
        description="Per product, times customers were told it was sold out or short, "
        "in the period."
    )

    @classmethod
    def of(cls, r: Report) -> SalesReport:
        def money(amount: int) -> MoneyOut:
            return MoneyOut.of(Money(amount, r.currency))

        def seconds(span: timedelta | None) -> float | None:
            return span.total_seconds() if span is not None else None

        return cls(
            since=r.since,
            until=r.until,
            orders=r.orders,
            revenue=money(r.revenue),
            pending=money(r.pending),
            refunded=money(r.refunded),
            per_day=[
                DayOut(day=d.day, orders=d.orders, revenue=money(d.revenue)) for d in r.per_day
            ],
            per_status=r.per_status,
            avg_seconds_to_confirm=seconds(r.avg_to_confirm),
            avg_seconds_to_ship=seconds(r.avg_to_ship),
            avg_seconds_to_deliver=seconds(r.avg_to_deliver),
            top_products=[
                TopProductOut(sku=p.sku, name=p.name, quantity=p.quantity, revenue=money(p.revenue))
                for p in r.top_products
            ],
            top_by_revenue=[
                TopProductOut(sku=p.sku, name=p.name, quantity=p.quantity, revenue=money(p.revenue))
                for p in r.top_by_revenue
            ],
            return_rate=r.return_rate,
            returned=r.returned,
            delivered=r.delivered,
            average_rating=r.average_rating,
            ratings=r.ratings,
            csat=r.csat,
            satisfied=r.satisfied,
            processing=SpreadOut.of(r.processing),
            delivery=SpreadOut.of(r.delivery),
            on_time_rate=r.on_time_rate,
            on_time=r.on_time,
            delivered_with_promise=r.promised_delivered,
            stockouts=[
                StockoutOut(sku=s.sku, name=s.name, sold_out=s.sold_out, short=s.short)
                for s in r.stockouts
            ],
        )


@router.get("/sales", response_model=SalesReport, summary="Orders, revenue and times")
async def sales_report(
    caller: Caller = Depends(scoped("reports:read")),
    period_name: Literal["7d", "30d", "month"] = Query(
        "7d",
        alias="period",
        description="The last 7 or 30 days up to today, or this calendar month so far "
        "(as /reporte 7d, 30d, mes). Ignored when `from` and `to` are given.",
    ),
    first: date | None = Query(None, alias="from", description="First day (shop's time zone)."),
    last: date | None = Query(None, alias="to", description="Last day, included."),
) -> SalesReport:
    """The same figures as the admin chat's report (docs/reports.md): orders by the day
    they were placed, revenue as money received and kept. Up to 366 days."""
    shop = caller.shop
    if first is None and last is None:
        span = period(shop.now(), shop.settings.store_timezone, period_name)
        assert span is not None  # every name the query takes is a period
    elif first is None or last is None:
        raise Problem("invalid_request", detail="from and to go together")
    elif not (EARLIEST <= first <= last <= LATEST) or (last - first).days >= MAX_DAYS:
        raise Problem("invalid_request", detail=f"from <= to, at most {MAX_DAYS} days")
    else:
        span = days(first, last, shop.settings.store_timezone)
    return SalesReport.of(await build_report(shop, caller.actor, *span))
