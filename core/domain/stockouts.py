"""Stockouts: each time a customer was told a product was sold out, or that fewer were
left than they asked for. A count per product (no customer is named), for the report's
"what did we fail to sell" (docs/reports.md)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StockoutSource(StrEnum):
    """Where the customer was told (the `stockouts.source` column)."""

    CART = "cart"  # adding to the cart or changing a quantity (also a WhatsApp catalog order)
    CHECKOUT = "checkout"  # a cart line short of stock when the order is placed
    PHONE_ORDER = "phone_order"  # an order the merchant takes: phone, counter, REST API


@dataclass(frozen=True)
class StockoutCount:
    """A product's stockouts over a period: told it was sold out (nothing available),
    and told fewer were available than asked for (some, not enough)."""

    sku: str
    name: str
    sold_out: int
    short: int

    @property
    def total(self) -> int:
        return self.sold_out + self.short
