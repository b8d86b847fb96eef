"""Phone numbers for the courier: Mexican (and, for a shop in Spain, Spanish) numbers in
any of the ways people write them come out in one international form; anything else is
refused so the customer can be told what is expected."""

from __future__ import annotations

import pytest

from core.domain.phones import clean_phone, phones_in


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("5512345678", "+52 55 1234 5678"),
        ("55 1234 5678", "+52 55 1234 5678"),
        ("55-1234-5678", "+52 55 1234 5678"),
        ("(55) 1234-5678", "+52 55 1234 5678"),
        ("55.1234.5678", "+52 55 1234 5678"),
        ("+52 55 1234 5678", "+52 55 1234 5678"),
        ("+52 1 55 1234 5678", "+52 55 1234 5678"),  # the old mobile "1"
        ("+5215512345678", "+52 55 1234 5678"),
        ("525512345678", "+52 55 1234 5678"),  # a shared contact's number
        ("5215512345678", "+52 55 1234 5678"),  # a WhatsApp id
        ("044 55 1234 5678", "+52 55 1234 5678"),
        ("045 55 1234 5678", "+52 55 1234 5678"),
        ("1 55 1234 5678", "+52 55 1234 5678"),
        ("951 123 4567", "+52 951 123 4567"),  # a three-digit area code
        ("(999) 123-45-67", "+52 999 123 4567"),
        ("33 1234 5678", "+52 33 1234 5678"),
        ("81 1234 5678", "+52 81 1234 5678"),
    ],
)
def test_mexican_numbers_are_written_one_way(typed, clean):
    assert clean_phone(typed, "MX") == clean


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "55 1234 567",  # nine digits
        "55 1234 56789",  # eleven
        "+52 55 1234 567",
        "+34 612 345 678",  # the courier calls within the country: asked again
        "+1 512 555 0100",
        "0000000000",
        "hola",
        "55 1234 5678 ext 2",
        "+",
        "",
    ],
)
def test_anything_else_is_not_a_mexican_number(typed):
    assert clean_phone(typed, "MX") is None


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("612345678", "+34 612 345 678"),
        ("612 34 56 78", "+34 612 345 678"),
        ("+34 612 345 678", "+34 612 345 678"),
        ("0034 612 345 678", "+34 612 345 678"),
        ("34612345678", "+34 612 345 678"),
        ("913 456 789", "+34 913 456 789"),  # a landline
    ],
)
def test_spanish_numbers_for_a_shop_in_spain(typed, clean):
    assert clean_phone(typed, "ES") == clean


@pytest.mark.parametrize("typed", ["61234567", "6123456789", "512 345 678", "55 1234 5678"])
def test_anything_else_is_not_a_spanish_number(typed):
    assert clean_phone(typed, "ES") is None


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("mi cel es 55 1234 5678", ["+52 55 1234 5678"]),
        ("my number is +52 33 1234 5678", ["+52 33 1234 5678"]),
        ("tel 55-1234-5678, gracias", ["+52 55 1234 5678"]),
        ("5512345678 o 5512345678", ["+52 55 1234 5678"]),  # the same number twice: one
        ("5512345678 3312345678", ["+52 55 1234 5678", "+52 33 1234 5678"]),
        ("mi cel es 123", []),
        ("calle 5 de mayo 12", []),
        ("55 1234 567", []),
    ],
)
def test_the_phone_numbers_in_a_sentence(typed, found):
    assert phones_in(typed, "MX") == found
