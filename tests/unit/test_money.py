"""Money: integer minor units, exact parsing, no floats, no mixing of currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain.errors import InvalidAmount
from core.domain.money import Money, currency_exponent, round_half_up


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("199.90", "MXN", 19990),
        ("0.1", "MXN", 10),
        ("0.01", "MXN", 1),
        ("0", "MXN", 0),
        ("1000", "EUR", 100000),
        (" 49.5 ", "USD", 4950),
        ("100", "JPY", 100),
        ("1.234", "KWD", 1234),
        ("0.5", "KWD", 500),
    ],
)
def test_from_major_parses_major_units_exactly_into_minor_units(text, currency, minor):
    assert Money.from_major(text, currency) == Money(minor, currency)


def test_from_major_accepts_decimals_and_ints_as_well_as_text():
    assert Money.from_major(Decimal("12.34"), "MXN").amount == 1234
    assert Money.from_major(7, "MXN").amount == 700


def test_from_major_upper_cases_the_currency_code():
    assert Money.from_major("1.00", "mxn").currency == "MXN"


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("19.999", "MXN"),  # a third decimal is not silently rounded away
        ("0.001", "EUR"),
        ("100.5", "JPY"),  # yen have no minor unit
        ("1.2345", "KWD"),  # dinars have three decimals, not four
        ("abc", "MXN"),
        ("", "MXN"),
        ("NaN", "MXN"),
        ("sNaN", "MXN"),
        ("inf", "MXN"),
        ("-Infinity", "MXN"),
        ("1,50", "MXN"),
    ],
)
def test_from_major_rejects_text_that_is_not_an_exact_amount(text, currency):
    with pytest.raises(InvalidAmount) as caught:
        Money.from_major(text, currency)
    assert caught.value.data == {"value": text}


def test_from_major_reports_an_absurd_exponent_as_an_invalid_amount():
    with pytest.raises(InvalidAmount):
        Money.from_major("1e999999", "MXN")


def test_from_major_never_silently_rounds_a_very_long_amount():
    with pytest.raises(InvalidAmount):
        Money.from_major("1000000000000000000000000000.001", "MXN")


def test_currency_exponents_follow_iso_4217():
    assert currency_exponent("MXN") == 2
    assert currency_exponent("jpy") == 0
    assert currency_exponent("KWD") == 3


def test_money_refuses_a_float_amount():
    with pytest.raises(TypeError):
        Money(19.9, "MXN")


def test_money_refuses_a_bool_amount():
    with pytest.raises(TypeError):
        Money(True, "MXN")


def test_adding_and_subtracting_keeps_the_currency():
    total = Money(19990, "MXN") + Money(10, "MXN")
    assert total == Money(20000, "MXN")
    assert Money(500, "MXN") - Money(800, "MXN") == Money(-300, "MXN")


def test_multiplying_by_a_whole_quantity_keeps_the_currency_on_either_side():
    assert Money(33333, "MXN") * 3 == Money(99999, "MXN")
    assert 3 * Money(33333, "MXN") == Money(99999, "MXN")


@pytest.mark.parametrize("factor", [1.5, 2.0, Decimal("2")])
def test_multiplying_by_anything_but_an_int_is_refused(factor):
    with pytest.raises(TypeError):
        Money(100, "MXN") * factor


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
    ],
    ids=["add", "subtract", "less_than", "less_or_equal"],
)
def test_mixing_currencies_is_refused(operation):
    with pytest.raises(ValueError, match="currency mismatch"):
        operation(Money(100, "MXN"), Money(100, "USD"))


def test_amounts_in_the_same_currency_compare_by_value():
    assert Money(99899, "MXN") < Money(99900, "MXN")
    assert Money(99900, "MXN") <= Money(99900, "MXN")
    assert not Money(99901, "MXN") <= Money(99900, "MXN")
    assert Money(1, "MXN") != Money(1, "USD")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(19990, "MXN"), "199.90"),
        (Money(5, "MXN"), "0.05"),
        (Money(0, "EUR"), "0.00"),
        (Money(-5, "MXN"), "-0.05"),
        (Money(100, "JPY"), "100"),
        (Money(1234, "KWD"), "1.234"),
    ],
)
def test_format_plain_writes_the_currency_decimals_with_a_dot(money, text):
    assert money.format_plain() == text


def test_format_plain_reads_back_to_the_same_money():
    for money in (Money(19990, "MXN"), Money(7, "KWD"), Money(42, "JPY")):
        assert Money.from_major(money.format_plain(), money.currency) == money


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 10, 1),  # 0.5 -> 1
        (15, 10, 2),  # 1.5 -> 2
        (25, 10, 3),  # 2.5 -> 3 (banker's rounding would give 2)
        (4, 10, 0),
        (14, 10, 1),
        (16, 10, 2),
        (-5, 10, -1),  # halves go away from zero on the negative side too
        (-25, 10, -3),
        (-4, 10, 0),
        (-16, 10, -2),
        (20, 10, 2),
    ],
)
def test_round_half_up_sends_halves_away_from_zero(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("199.90", "MXN", 19990),
        ("199,90", "MXN", 19990),
        (" 1,5 ", "EUR", 150),
        ("259", "MXN", 25900),
        ("1,234", "KWD", 1234),  # dinars have three decimals
        ("1500", "JPY", 1500),
    ],
)
def test_parse_reads_the_amount_a_merchant_types_with_either_decimal_mark(typed, currency, minor):
    assert Money.parse(typed, currency).amount == minor


@pytest.mark.parametrize(
    ("typed", "currency"),
    [
        ("12.000", "EUR"),  # twelve thousand in Spain, not twelve
        ("1,299", "MXN"),  # one thousand two hundred ninety-nine in Mexico
        ("1.299,90", "EUR"),
        ("1,299.90", "MXN"),
        ("1,500", "JPY"),
        ("199,9x", "MXN"),
        ("", "MXN"),
    ],
)
def test_parse_refuses_an_ambiguous_or_malformed_amount_naming_what_was_typed(typed, currency):
    with pytest.raises(InvalidAmount) as caught:
        Money.parse(typed, currency)
    assert caught.value.data == {"value": typed.strip()}
