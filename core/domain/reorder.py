"""Reorder suggestions: what to buy, how many, and how urgently (docs/purchasing.md,
"Reorder suggestions", works an example through). Pure arithmetic on integers and
Fractions: no float ever decides a quantity.

Per product:

- daily sales = units sold in the last 28 days / 28;
- days of cover = available / daily sales (None: nothing sold, it lasts for ever);
- target = ceil(daily sales x (lead time + safety days)), at least the reorder point;
- need = target - available - units on order;
- a suggestion when need > 0 and either available + on order is at or below the
  reorder point, or it covers fewer days than lead time + safety; the suggestion is
  need rounded up to a whole number of packs, and at most the largest whole number of
  packs one purchase-order line takes (MAX_QUANTITY): the draft button must be able to
  order what is suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from core.domain.purchase_orders import MAX_QUANTITY
from core.domain.suppliers import Supplier

WINDOW_DAYS = 28  # four whole weeks: every weekday counted the same number of times


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def ceil_fraction(value: Fraction) -> int:
    return ceil_div(value.numerator, value.denominator)


@dataclass(frozen=True)
class ReorderInput:
    sold: int  # units sold in the window (orders not cancelled or expired)
    available: int  # on hand - reserved
    on_order: int  # ordered from suppliers, not yet received
    reorder_point: int
    pack_size: int
    lead_time_days: int
    safety_days: int
    window_days: int = WINDOW_DAYS

    @property
    def daily_sales(self) -> Fraction:
        return Fraction(max(self.sold, 0), self.window_days)

    @property
    def horizon_days(self) -> int:
        """How long what is bought now must last: until it arrives, plus the margin."""
        return self.lead_time_days + self.safety_days


@dataclass(frozen=True)
class ReorderAdvice:
    daily_sales: Fraction
    days_of_cover: Fraction | None  # None: no sales, no end in sight
    cover_with_on_order: Fraction | None
    target: int
    need: int
    suggested_quantity: int  # 0: no suggestion
    capped: bool = False  # the need is more than one purchase-order line takes


def largest_line(pack_size: int) -> int:
    """The most units one purchase-order line takes in whole packs of pack_size."""
    return MAX_QUANTITY // pack_size * pack_size


def cover(units: int, daily: Fraction) -> Fraction | None:
    """Days `units` last at `daily` a day; None when nothing sells (never runs out)."""
    if daily == 0:
        return None
    return Fraction(max(units, 0)) / daily


def advise(given: ReorderInput) -> ReorderAdvice:
    daily = given.daily_sales
    stock = given.available + given.on_order
    target = max(ceil_fraction(daily * given.horizon_days), given.reorder_point)
    need = target - given.available - given.on_order
    with_on_order = cover(stock, daily)
    short = stock <= given.reorder_point or (
        with_on_order is not None and with_on_order < given.horizon_days
    )
    suggested = 0
    capped = False
    if need > 0 and short:
        suggested = ceil_div(need, given.pack_size) * given.pack_size
        if suggested > largest_line(given.pack_size):
            suggested, capped = largest_line(given.pack_size), True
    return ReorderAdvice(
        daily_sales=daily,
        days_of_cover=cover(given.available, daily),
        cover_with_on_order=with_on_order,
        target=target,
        need=need,
        suggested_quantity=suggested,
        capped=capped,
    )


@dataclass(frozen=True)
class ReorderLine:
    """One product to reorder, as /reabastecer shows it and a purchase order drafts it.
    unit_cost is in minor units of the supplier's currency (None: not known)."""

    product_id: int
    sku: str
    name: str
    supplier_sku: str
    available: int
    on_order: int
    sold_28d: int
    daily_sales: Fraction
    days_of_cover: Fraction | None
    reorder_point: int
    pack_size: int
    suggested_quantity: int
    unit_cost: int | None
    capped: bool = False  # the suggestion is the most one purchase-order line takes


@dataclass(frozen=True)
class SupplierSuggestions:
    """The lines to order from one supplier (None: products with no active supplier)."""

    supplier: Supplier | None
    lines: list[ReorderLine]


def urgency(line: ReorderLine) -> tuple:
    """Most urgent first: fewest days of cover (products that sell before those that
    don't), then furthest below the reorder point, then by SKU."""
    no_sales = line.days_of_cover is None
    return (
        no_sales,
        line.days_of_cover if line.days_of_cover is not None else 0,
        line.available + line.on_order - line.reorder_point,
        line.sku,
    )
