"""The checkout's typed answers: what is kept (tidied, written one way) and what is
refused, with why, so the chat can ask again in its own words."""

from __future__ import annotations

import pytest

from core.domain.checkout_fields import (
    MAX_FIELD,
    MAX_WHOLE_ADDRESS,
    InvalidField,
    Problem,
    could_be_an_address,
    is_whole_address,
    too_long,
    validate_address_part,
    validate_name,
    validate_phone,
    validate_street,
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Ana López", "Ana López"),
        ("  Ana   López ", "Ana López"),
        ("Jo", "Jo"),
        ("María 2", "María 2"),
    ],
)
def test_a_name_is_kept_tidied(typed: str, kept: str) -> None:
    assert validate_name(typed) == kept


@pytest.mark.parametrize("typed", ["", "A", "12345", "!!", "_ _", "  x  "])
def test_a_name_needs_two_characters_and_a_letter(typed: str) -> None:
    assert validate_name(typed) == InvalidField(Problem.NOT_A_NAME)


def test_a_phone_is_written_one_way_in_the_shops_country() -> None:
    assert validate_phone(" 55 1234  5678 ", "MX") == "+52 55 1234 5678"
    assert validate_phone("612 345 678", "ES") == "+34 612 345 678"
    assert validate_phone("612 345 678", "MX") == InvalidField(Problem.NOT_A_PHONE)
    assert validate_phone("call me", "MX") == InvalidField(Problem.NOT_A_PHONE)
    assert validate_phone("mi cel es 55 1234 5678", "MX") == "+52 55 1234 5678"
    two = validate_phone("55 1234 5678 o 33 1234 5678", "MX")
    assert two == InvalidField(
        Problem.SEVERAL_PHONES, found=("+52 55 1234 5678", "+52 33 1234 5678")
    )


def test_too_long_says_how_long_and_the_limit() -> None:
    assert too_long("x" * MAX_FIELD) is None
    assert too_long("x" * (MAX_FIELD + 1)) == InvalidField(
        Problem.TOO_LONG, MAX_FIELD + 1, MAX_FIELD
    )
    # a whole address typed in one message is one answer, and may be longer
    assert too_long("x" * (MAX_FIELD + 1), whole_address=True) is None
    assert too_long("x" * (MAX_WHOLE_ADDRESS + 1), whole_address=True) == InvalidField(
        Problem.TOO_LONG, MAX_WHOLE_ADDRESS + 1, MAX_WHOLE_ADDRESS
    )


def test_a_street_of_one_character_is_asked_again() -> None:
    assert validate_street("Juárez  12") == "Juárez 12"
    assert validate_street(" 1 ") == InvalidField(Problem.TOO_SHORT)


@pytest.mark.parametrize(
    ("field", "typed", "country", "kept"),
    [
        ("postal_code", "06600", "MX", "06600"),
        ("postal_code", "CP 06 600", "MX", "06600"),
        ("postal_code", "28013", "ES", "28013"),
        ("city", "cdmx", "MX", "Ciudad de México"),
        ("state", "nl", "MX", "Nuevo León"),
        ("neighbourhood", "roma norte", "MX", "Roma Norte"),
        ("references", "", "MX", ""),  # none is an answer too
        ("references", "x", "MX", "x"),
    ],
)
def test_an_address_part_is_written_as_the_label_shows_it(
    field: str, typed: str, country: str, kept: str
) -> None:
    assert validate_address_part(field, typed, country) == kept


@pytest.mark.parametrize(
    ("field", "typed", "country", "problem"),
    [
        ("postal_code", "0660", "MX", Problem.NOT_A_POSTAL_CODE),
        ("postal_code", "99013", "ES", Problem.NOT_A_POSTAL_CODE),  # no province 99
        ("postal_code", "abcde", "MX", Problem.NOT_A_POSTAL_CODE),
        ("city", "x", "MX", Problem.TOO_SHORT),
        ("state", " ", "MX", Problem.TOO_SHORT),
        ("neighbourhood", "a", "MX", Problem.TOO_SHORT),
    ],
)
def test_an_address_part_that_cannot_be_one_is_refused(
    field: str, typed: str, country: str, problem: Problem
) -> None:
    assert validate_address_part(field, typed, country) == InvalidField(problem)


def test_a_whole_address_or_a_remark_where_saved_addresses_are_offered() -> None:
    whole = "Av. Juárez 12, Col. Centro, 06000 Ciudad de México"
    assert is_whole_address(whole, "MX")
    assert could_be_an_address(whole, "MX")
    assert could_be_an_address("Juárez 12", "MX")  # a number and a word: a new street
    assert not is_whole_address("Juárez 12", "MX")
    assert not could_be_an_address("la de siempre", "MX")  # no number: a remark
    assert not could_be_an_address("12 34", "MX")  # no word
    assert not could_be_an_address("Av 1", "MX")  # too short to be a street
