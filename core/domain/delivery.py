"""The delivery estimate a customer is given, and the promise it makes.

At checkout the customer chooses a shipping method shown with its days for their
destination ("Estándar · $99.00 · 3-5 días"). Those days are counted in the shop's
calendar days (`STORE_TIMEZONE`) from the day the order is placed: placed on Nov 2 with
3-5 days, it should arrive Nov 5-Nov 7. The promise is the end of the estimate's last
day, 23:59:59.999 on the shop's clock (stored in UTC): delivered by then is on time
(docs/reports.md). Tracking shows the same days until the order ships.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.domain.pricing import ShippingOption

END_OF_DAY = time(23, 59, 59, 999_000)


def estimate_days(start: datetime, option: ShippingOption, zone: ZoneInfo) -> tuple[date, date]:
    """The first and last day of the estimate, counted in the shop's days from `start`."""
    local = start.astimezone(zone).date()
    return local + timedelta(days=option.min_days), local + timedelta(days=option.max_days)


def promised_by(placed_at: datetime, option: ShippingOption, zone: ZoneInfo) -> datetime:
    """The end of the estimate's last day, on the shop's clock, in UTC."""
    _, last = estimate_days(placed_at, option, zone)
    return datetime.combine(last, END_OF_DAY, zone).astimezone(UTC)
