"""Reports: the figures of the admin chat's /reporte, for a period or a span of days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.problems import Problem
from bot.api.schemas import MoneyOut
from core.domain.money import Money
from core.services.reports import Report, build_report
from handlers.admin.reports import period

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
    top_products: list[TopProductOut]
    return_rate: float | None = Field(description="Orders with a return over delivered ones.")
    average_rating: float | None
    ratings: int

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
            return_rate=r.return_rate,
            average_rating=r.average_rating,
            ratings=r.ratings,
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
    zone = ZoneInfo(shop.settings.store_timezone)
    if first is None and last is None:
        span = period(shop.now(), shop.settings.store_timezone, period_name)
        assert span is not None  # every name the query takes is a period
    elif first is None or last is None:
        raise Problem("invalid_request", detail="from and to go together")
    elif not (EARLIEST <= first <= last <= LATEST) or (last - first).days >= MAX_DAYS:
        raise Problem("invalid_request", detail=f"from <= to, at most {MAX_DAYS} days")
    else:
        span = (
            datetime.combine(first, time(), zone),
            datetime.combine(last + timedelta(days=1), time(), zone),
        )
    return SalesReport.of(await build_report(shop, caller.actor, *span))
