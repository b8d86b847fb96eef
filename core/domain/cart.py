"""The customer's cart: lines remember the price the customer saw when adding."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.errors import InvalidQuantity
from core.domain.money import Money

MAX_LINE_QUANTITY = 999


def check_quantity(quantity: object, *, allow_zero: bool = False) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidQuantity(quantity=str(quantity), maximum=MAX_LINE_QUANTITY)
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidQuantity(quantity=quantity, maximum=MAX_LINE_QUANTITY)
    return quantity


@dataclass
class CartLine:
    product_id: int
    sku: str
    name: str
    quantity: int
    seen_price: Money  # the price when added; checkout compares it with today's
    current_price: Money
    available: int
    active: bool
    weight_g: int = 0

    @property
    def total(self) -> Money:
        return self.current_price * self.quantity
