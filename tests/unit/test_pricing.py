"""Pricing: subtotal, tax, shipping and total, exact to the cent."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.money import Money
from core.domain.pricing import PricingPolicy, ShippingOption, compute_totals

STANDARD_FEE = 9900  # 99.00
THRESHOLD = 99900  # 999.00


def mxn(amount: int) -> Money:
    return Money(amount, "MXN")


def policy(
    *,
    rate_bp: int = 1600,
    inclusive: bool = True,
    threshold: int | None = THRESHOLD,
    fee: int = STANDARD_FEE,
) -> PricingPolicy:
    return PricingPolicy(
        currency="MXN",
        tax_rate_bp=rate_bp,
        prices_include_tax=inclusive,
        free_shipping_threshold=None if threshold is None else mxn(threshold),
        shipping={"standard": ShippingOption("standard", mxn(fee), 3, 5)},
    )


@pytest.mark.parametrize(
    ("lines", "subtotal", "tax"),
    [
        # inclusive tax = subtotal - round_half_up(subtotal * 10000 / 11600)
        # 0.01: 1 * 10000 / 11600 = 0.862 -> net 1, tax 0
        ([1], 1, 0),
        # 1.00: 100 * 10000 / 11600 = 86.207 -> net 86, tax 14
        ([100], 100, 14),
        # 349.00: 34900 * 10000 / 11600 = 30086.207 -> net 30086, tax 4814
        ([34900], 34900, 4814),
        # 3 x 333.33 = 999.99: 99999 * 10000 / 11600 = 86206.034 -> net 86206, tax 13793
        ([33333, 33333, 33333], 99999, 13793),
        # 0.07: 7 * 10000 / 11600 = 6.034 -> net 6, tax 1
        ([7], 7, 1),
    ],
)
def test_tax_inclusive_prices_round_half_up_on_the_subtotal(lines, subtotal, tax):
    totals = compute_totals([mxn(a) for a in lines], policy(inclusive=True), None)
    assert totals.subtotal == mxn(subtotal)
    assert totals.tax == mxn(tax)
    # the tax is already inside the prices: the customer pays the subtotal
    assert totals.total == mxn(subtotal)


def test_tax_is_computed_once_on_the_subtotal_not_per_line():
    # per line, 0.01 carries no tax (see above), so seven lines would carry 0;
    # on the subtotal 0.07: 7 * 10000 / 11600 = 6.034 -> net 6, tax 1
    totals = compute_totals([mxn(1)] * 7, policy(inclusive=True), None)
    assert totals.tax == mxn(1)


@pytest.mark.parametrize(
    ("lines", "tax", "total"),
    [
        # 0.01 * 16 % = 0.0016 -> 0
        ([1], 0, 1),
        # 1.00 * 16 % = 16 cents exactly
        ([100], 16, 116),
        # 349.00 * 16 % = 55.84 exactly
        ([34900], 5584, 40484),
        # 999.99 * 16 % = 159.9984 -> 160.00; 999.99 + 160.00 = 1159.99
        ([33333, 33333, 33333], 16000, 115999),
    ],
)
def test_tax_exclusive_prices_add_the_tax_to_the_total(lines, tax, total):
    totals = compute_totals([mxn(a) for a in lines], policy(inclusive=False), None)
    assert totals.tax == mxn(tax)
    assert totals.total == mxn(total)


def test_tax_exclusive_halves_round_up_not_to_even():
    # 10 % of 0.25 = 2.5 cents -> 3 (round half to even would give 2)
    totals = compute_totals([mxn(25)], policy(rate_bp=1000, inclusive=False), None)
    assert totals.tax == mxn(3)
    assert totals.total == mxn(28)


@pytest.mark.parametrize("inclusive", [True, False])
def test_a_zero_tax_rate_charges_no_tax(inclusive):
    totals = compute_totals([mxn(34900)], policy(rate_bp=0, inclusive=inclusive), None)
    assert totals.tax == mxn(0)
    assert totals.total == mxn(34900)


def test_shipping_is_free_exactly_at_the_threshold():
    totals = compute_totals([mxn(THRESHOLD)], policy(), "standard")
    assert totals.shipping_fee == mxn(0)
    assert totals.total == mxn(THRESHOLD)


def test_one_cent_below_the_threshold_pays_the_shipping_fee():
    totals = compute_totals([mxn(THRESHOLD - 1)], policy(), "standard")
    assert totals.shipping_fee == mxn(STANDARD_FEE)
    assert totals.total == mxn(THRESHOLD - 1 + STANDARD_FEE)


def test_the_threshold_counts_the_whole_subtotal_not_a_single_line():
    totals = compute_totals([mxn(50000), mxn(49900)], policy(), "standard")
    assert totals.shipping_fee == mxn(0)


def test_with_tax_exclusive_prices_the_threshold_is_compared_with_the_shelf_subtotal():
    # 990.00 + 16 % tax is above 999.00, but the shelf prices add up to less than it
    totals = compute_totals([mxn(99000)], policy(inclusive=False), "standard")
    assert totals.shipping_fee == mxn(STANDARD_FEE)
    assert totals.total == mxn(99000 + 15840 + STANDARD_FEE)


def test_an_empty_cart_never_gets_free_shipping_even_with_a_zero_threshold():
    totals = compute_totals([], policy(threshold=0), "standard")
    assert totals.subtotal == mxn(0)
    assert totals.shipping_fee == mxn(STANDARD_FEE)


def test_a_zero_threshold_makes_shipping_free_for_any_non_empty_cart():
    totals = compute_totals([mxn(1)], policy(threshold=0), "standard")
    assert totals.shipping_fee == mxn(0)


def test_without_a_threshold_shipping_is_always_charged():
    totals = compute_totals([mxn(10_000_000)], policy(threshold=None), "standard")
    assert totals.shipping_fee == mxn(STANDARD_FEE)


def test_no_shipping_method_chosen_yet_means_no_fee():
    totals = compute_totals([mxn(100)], policy(), None)
    assert totals.shipping_fee == mxn(0)
    assert totals.total == mxn(100)


def test_shipping_is_not_taxed_with_inclusive_prices():
    # 349.00 + 99.00 shipping: tax stays 48.14, the tax on the goods only
    totals = compute_totals([mxn(34900)], policy(inclusive=True), "standard")
    assert totals.tax == mxn(4814)
    assert totals.total == mxn(34900 + STANDARD_FEE)


def test_shipping_is_not_taxed_with_exclusive_prices():
    totals = compute_totals([mxn(34900)], policy(inclusive=False), "standard")
    assert totals.tax == mxn(5584)
    assert totals.total == mxn(34900 + 5584 + STANDARD_FEE)


def test_totals_are_in_the_shop_currency():
    totals = compute_totals([mxn(100)], policy(), "standard")
    for amount in (totals.subtotal, totals.tax, totals.shipping_fee, totals.total):
        assert amount.currency == "MXN"


def test_lines_in_another_currency_are_refused_rather_than_relabelled():
    with pytest.raises(ValueError):
        compute_totals([Money(100, "USD")], policy(), None)


line_amounts = st.lists(st.integers(min_value=0, max_value=10**9), max_size=30)
rates = st.integers(min_value=0, max_value=5000)
fees = st.integers(min_value=0, max_value=10**6)
thresholds = st.none() | st.integers(min_value=0, max_value=10**8)


@given(lines=line_amounts, rate_bp=rates, fee=fees, threshold=thresholds)
def test_inclusive_tax_is_the_part_of_the_subtotal_above_the_net_price(
    lines, rate_bp, fee, threshold
):
    totals = compute_totals(
        [mxn(a) for a in lines],
        policy(rate_bp=rate_bp, inclusive=True, fee=fee, threshold=threshold),
        "standard",
    )
    subtotal = sum(lines)
    assert totals.subtotal == mxn(subtotal)
    assert 0 <= totals.tax.amount <= subtotal
    net = subtotal - totals.tax.amount
    assert net + totals.tax.amount == subtotal
    # net is the nearest cent to subtotal / (1 + rate)
    exact_net = Fraction(subtotal * 10_000, 10_000 + rate_bp)
    assert abs(net - exact_net) <= Fraction(1, 2)
    assert totals.total == totals.subtotal + totals.shipping_fee


@given(lines=line_amounts, rate_bp=rates, fee=fees, threshold=thresholds)
def test_exclusive_total_is_subtotal_plus_tax_plus_shipping(lines, rate_bp, fee, threshold):
    totals = compute_totals(
        [mxn(a) for a in lines],
        policy(rate_bp=rate_bp, inclusive=False, fee=fee, threshold=threshold),
        "standard",
    )
    subtotal = sum(lines)
    # the tax is the exact tax rounded half up to the cent
    exact_tax = Fraction(subtotal * rate_bp, 10_000)
    assert totals.tax.amount == int(exact_tax + Fraction(1, 2))
    assert totals.total == totals.subtotal + totals.tax + totals.shipping_fee
    free = threshold is not None and subtotal > 0 and subtotal >= threshold
    assert totals.shipping_fee == mxn(0 if free else fee)
