"""The reorder method (core/domain/reorder.py, docs/purchasing.md) against figures worked
by hand, and its promises for any input: a suggestion is whole packs, and once it is
received the stock covers lead time + safety days."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.purchase_orders import MAX_QUANTITY
from core.domain.reorder import ReorderInput, advise
from core.domain.suppliers import (
    InvalidCost,
    InvalidCurrency,
    InvalidEmail,
    InvalidLeadTime,
    InvalidPackSize,
    InvalidReorderPoint,
    InvalidSupplier,
    ProductSupply,
    parse_cost,
    supplier_from_input,
)


def test_the_worked_example_of_the_docs():
    # docs/purchasing.md: 42 sold in 28 days, 9 available, 6 on order, point 5, packs of
    # 12, lead time 10 days, 7 days of safety.
    # daily = 42 / 28 = 3/2 = 1.5; cover = 9 / 1.5 = 6 days;
    # target = ceil(1.5 x (10 + 7)) = ceil(25.5) = 26 (>= point 5);
    # need = 26 - 9 - 6 = 11; 9 + 6 = 15 > 5, but (9 + 6) / 1.5 = 10 days < 17: reorder;
    # 11 rounded up to packs of 12 = 12.
    advice = advise(ReorderInput(42, 9, 6, 5, 12, 10, 7))
    assert advice.daily_sales == Fraction(3, 2)
    assert advice.days_of_cover == 6
    assert advice.cover_with_on_order == 10
    assert (advice.target, advice.need, advice.suggested_quantity) == (26, 11, 12)


def test_no_sales_and_below_the_reorder_point_refills_to_the_point():
    # daily = 0: cover None (it never runs out); target = max(ceil(0), 5) = 5;
    # need = 5 - 2 - 0 = 3; 2 <= 5: reorder 3, in packs of 4 -> 4.
    advice = advise(ReorderInput(0, 2, 0, 5, 4, 10, 7))
    assert (advice.days_of_cover, advice.cover_with_on_order) == (None, None)
    assert (advice.target, advice.need, advice.suggested_quantity) == (5, 3, 4)


def test_no_sales_at_the_reorder_point_needs_nothing():
    # target = the point 5, need = 5 - 5 = 0: nothing, though 5 <= 5.
    assert advise(ReorderInput(0, 5, 0, 5, 1, 10, 7)).suggested_quantity == 0


def test_units_on_order_count_against_the_need():
    # 28 sold: 1 a day; lead 3 + safety 7 = 10; target ceil(10) = 10; available 4:
    # need 10 - 4 - 0 = 6, suggest 6. With 6 on order: need 0, and (4 + 6) / 1 = 10
    # days is not < 10: nothing.
    assert advise(ReorderInput(28, 4, 0, 2, 1, 3, 7)).suggested_quantity == 6
    assert advise(ReorderInput(28, 4, 6, 2, 1, 3, 7)).suggested_quantity == 0


def test_plenty_of_cover_needs_nothing_even_below_target_math():
    # 7 sold: 1/4 a day; available 40: cover 160 days; target ceil(17 / 4) = 5;
    # need 5 - 40 < 0: nothing.
    advice = advise(ReorderInput(7, 40, 0, 3, 6, 10, 7))
    assert (advice.days_of_cover, advice.need, advice.suggested_quantity) == (160, -35, 0)


def test_a_thirds_daily_rate_rounds_up_exactly():
    # 20 sold: 20/28 = 5/7 a day; horizon 14 days: 5/7 x 14 = 10 exactly, so the target
    # is 10, not 11 (a float 0.714... x 14 could land on 10.000000000000002 -> 11).
    advice = advise(ReorderInput(20, 3, 0, 2, 1, 7, 7))
    assert (advice.target, advice.suggested_quantity) == (10, 7)
    assert advice.days_of_cover == Fraction(21, 5)  # 3 / (5/7) = 4.2 days


def test_nothing_available_has_no_cover_left():
    # 14 sold: 1/2 a day; 0 available: cover 0 days; target ceil(17 / 2) = 9, 9 packs
    # of 1.
    advice = advise(ReorderInput(14, 0, 0, 0, 1, 10, 7))
    assert (advice.days_of_cover, advice.suggested_quantity) == (0, 9)


inputs = st.builds(
    ReorderInput,
    sold=st.integers(0, 5_000),
    available=st.integers(0, 5_000),
    on_order=st.integers(0, 5_000),
    reorder_point=st.integers(0, 1_000),
    pack_size=st.integers(1, 500),
    lead_time_days=st.integers(0, 365),
    safety_days=st.integers(0, 60),
)


@given(inputs)
def test_a_suggestion_is_whole_packs_and_covers_the_need(given_input: ReorderInput):
    advice = advise(given_input)
    assert advice.suggested_quantity % given_input.pack_size == 0
    assert advice.suggested_quantity >= 0
    if advice.suggested_quantity:
        assert advice.need <= advice.suggested_quantity < advice.need + given_input.pack_size


@given(inputs)
def test_once_received_the_stock_lasts_lead_time_plus_safety(given_input: ReorderInput):
    advice = advise(given_input)
    stock = given_input.available + given_input.on_order + advice.suggested_quantity
    if given_input.sold:
        assert Fraction(stock) / advice.daily_sales >= given_input.horizon_days
    assert stock >= given_input.reorder_point


large_inputs = st.builds(
    ReorderInput,
    sold=st.integers(0, 2_000_000),
    available=st.integers(0, 1_000),
    on_order=st.integers(0, 1_000),
    reorder_point=st.integers(0, MAX_QUANTITY),
    pack_size=st.integers(1, MAX_QUANTITY),
    lead_time_days=st.integers(0, 365),
    safety_days=st.integers(0, 60),
)


@given(large_inputs)
def test_a_suggestion_fits_one_purchase_order_line_in_whole_packs(given_input: ReorderInput):
    advice = advise(given_input)
    pack = given_input.pack_size
    assert advice.suggested_quantity <= MAX_QUANTITY
    assert advice.suggested_quantity % pack == 0
    if advice.capped:  # the most whole packs a line takes, and still short of the need
        assert advice.suggested_quantity == MAX_QUANTITY // pack * pack
        assert advice.suggested_quantity < advice.need
    elif advice.suggested_quantity:
        assert advice.need <= advice.suggested_quantity < advice.need + pack


def test_a_need_beyond_one_line_is_capped_at_whole_packs():
    # 100,000 to reach the point, in boxes of 12: 8,334 boxes would be 100,008 units.
    advice = advise(ReorderInput(0, 0, 0, MAX_QUANTITY, 12, 7, 7))
    assert (advice.need, advice.suggested_quantity, advice.capped) == (100_000, 99_996, True)
    # A pack of 100,000 still fits once.
    assert advise(ReorderInput(0, 0, 0, 5, MAX_QUANTITY, 7, 7)).suggested_quantity == MAX_QUANTITY


def test_supplier_input_is_trimmed_and_checked():
    supplier = supplier_from_input(0, "  Barro   Fino ", email=" V@Barro.MX ", currency="mxn")
    assert (supplier.name, supplier.email, supplier.currency) == ("Barro Fino", "v@barro.mx", "MXN")
    for fields, error in [
        ({"name": "   "}, InvalidSupplier),
        ({"name": "x" * 121}, InvalidSupplier),
        ({"phone": "5" * 41}, InvalidSupplier),
        ({"lead_time_days": 366}, InvalidLeadTime),
        ({"email": "a@b"}, InvalidEmail),
        ({"currency": "pesos"}, InvalidCurrency),
    ]:
        with pytest.raises(error):
            supplier_from_input(0, **{"name": "Barro", **fields})


def test_supply_terms_are_checked():
    with pytest.raises(InvalidPackSize):
        ProductSupply(1, pack_size=0)
    with pytest.raises(InvalidReorderPoint):
        ProductSupply(1, reorder_point=-1)
    with pytest.raises(InvalidReorderPoint):  # no purchase-order line could order it
        ProductSupply(1, reorder_point=MAX_QUANTITY + 1)
    with pytest.raises(InvalidCost):
        ProductSupply(1, cost=-5)
    assert parse_cost("85,50", "MXN") == 8550
    assert parse_cost("", "MXN") is None
    for typed, currency in [("-1", "MXN"), ("1,299", "MXN"), ("3.5", "JPY"), ("x", "USD")]:
        with pytest.raises(InvalidCost):
            parse_cost(typed, currency)
