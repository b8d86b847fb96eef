"""Pricing: subtotal, tax, shipping fee and total, exact in minor units.

Rounding rule (documented in docs/pricing.md): tax is computed once on the order's
subtotal, not per line, and rounded half up to the currency's minor unit. With
tax-inclusive prices the tax is the part of the subtotal above subtotal / (1 + rate).
Shipping is charged as configured for the destination's zone (core/domain/shipping_zones.py)
and is not taxed separately. Free shipping applies
when the subtotal (as the customer sees it on the shelf) reaches the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.money import Money, round_half_up
from core.domain.shipping_zones import Destination, ShippingZone, zone_for

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class ShippingOption:
    code: str
    fee: Money
    min_days: int
    max_days: int


@dataclass(frozen=True)
class PricingPolicy:
    currency: str
    tax_rate_bp: int  # basis points: 1600 = 16 %
    prices_include_tax: bool
    free_shipping_threshold: Money | None
    shipping: dict[str, ShippingOption]  # everywhere no zone names
    zones: tuple[ShippingZone, ...] = ()

    def shipping_to(self, where: Destination | None) -> dict[str, ShippingOption]:
        """The methods, fees and days for a destination: its zone's, else the default."""
        zone = zone_for(self.zones, where) if where is not None else None
        if zone is None:
            return self.shipping
        return {**self.shipping, **zone.options}


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    tax: Money
    shipping_fee: Money
    total: Money


def tax_of(subtotal: Money, rate_bp: int, inclusive: bool) -> Money:
    if rate_bp == 0:
        return Money.zero(subtotal.currency)
    if inclusive:
        net = round_half_up(subtotal.amount * BASIS_POINTS, BASIS_POINTS + rate_bp)
        return Money(subtotal.amount - net, subtotal.currency)
    return Money(round_half_up(subtotal.amount * rate_bp, BASIS_POINTS), subtotal.currency)


def shipping_fee(subtotal: Money, option: ShippingOption, policy: PricingPolicy) -> Money:
    threshold = policy.free_shipping_threshold
    if threshold is not None and subtotal.amount > 0 and threshold <= subtotal:
        return Money.zero(subtotal.currency)
    return option.fee


def compute_totals(
    line_totals: list[Money],
    policy: PricingPolicy,
    shipping_code: str | None,
    where: Destination | None = None,
) -> Totals:
    currency = policy.currency
    subtotal = sum(line_totals, Money.zero(currency))  # refuses a line in another currency
    tax = tax_of(subtotal, policy.tax_rate_bp, policy.prices_include_tax)
    fee = Money.zero(currency)
    if shipping_code is not None:
        fee = shipping_fee(subtotal, policy.shipping_to(where)[shipping_code], policy)
    total = subtotal + fee
    if not policy.prices_include_tax:
        total = total + tax
    return Totals(subtotal=subtotal, tax=tax, shipping_fee=fee, total=total)
