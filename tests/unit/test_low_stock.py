"""The low-stock rule: a product is low when what can still be sold (on hand minus what
open orders hold) is at or below the merchant's threshold for it."""

from __future__ import annotations

import pytest

from core.domain.catalog import Product, StockLevel
from core.domain.money import Money


@pytest.mark.parametrize(
    ("on_hand", "reserved", "threshold", "low"),
    [
        (10, 0, 3, False),
        (4, 0, 3, False),
        (3, 0, 3, True),  # at the threshold counts
        (10, 7, 3, True),  # held units can't be sold: 3 left
        (10, 6, 3, False),
        (0, 0, 0, True),  # a threshold of 0 alerts when it runs out
        (1, 0, 0, False),
    ],
)
def test_low_is_available_at_or_below_the_threshold(
    on_hand: int, reserved: int, threshold: int, low: bool
) -> None:
    level = StockLevel(on_hand, reserved, threshold)
    assert level.available == on_hand - reserved
    assert level.low is low


def test_a_product_reads_its_stock_level() -> None:
    product = Product(1, "TAZA-1", "Taza", "", Money(15000, "MXN"), None, "", 300, True, 10, 8, 2)
    assert product.stock == StockLevel(10, 8, 2)
    assert product.is_low_on_stock
    product.reserved = 7
    assert not product.is_low_on_stock


@pytest.mark.parametrize(
    ("active", "on_hand", "reserved", "sold_out"),
    [
        (True, 5, 0, False),
        (True, 1, 0, False),  # one left is still on sale
        (True, 0, 0, True),
        (True, 3, 3, True),  # all held for open orders: none to sell
        (True, 2, 5, True),  # held above what is on hand (a count corrected down)
        (False, 10, 0, True),  # withdrawn from sale
    ],
)
def test_a_product_is_sold_out_when_withdrawn_or_nothing_is_left_to_sell(
    active: bool, on_hand: int, reserved: int, sold_out: bool
) -> None:
    product = Product(
        1, "TAZA-1", "Taza", "", Money(15000, "MXN"), None, "", 300, active, on_hand, reserved, 2
    )
    assert product.sold_out is sold_out
