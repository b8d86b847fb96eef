"""What a typed checkout answer must be to be kept: the recipient's name, the phone the
courier calls, each part of the address. Each check returns the value to keep (tidied,
written one way) or an InvalidField saying what is wrong; the chat words the question
again (handlers/customer/checkout.py), the rule lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.domain.address_parsing import (
    clean_postal_code,
    normalise_city,
    normalise_neighbourhood,
    normalise_state,
    parse_address,
)
from core.domain.phones import clean_phone, phones_in

MAX_FIELD = 200
MAX_WHOLE_ADDRESS = 400  # a whole address typed at once is one answer
MIN_PART = 2  # a name, a street, a colonia of one character is a slip of the thumb


class Problem(StrEnum):
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"  # the question is simply asked again
    NOT_A_NAME = "not_a_name"
    NOT_A_PHONE = "not_a_phone"
    SEVERAL_PHONES = "several_phones"  # which one should the courier call?
    NOT_A_POSTAL_CODE = "not_a_postal_code"


@dataclass(frozen=True)
class InvalidField:
    problem: Problem
    length: int = 0  # TOO_LONG: the characters typed, and the limit
    limit: int = 0
    found: tuple[str, ...] = ()  # SEVERAL_PHONES: the numbers, cleaned


def tidy(text: str) -> str:
    """One space between words, none around them."""
    return " ".join(text.split())


def too_long(value: str, *, whole_address: bool = False) -> InvalidField | None:
    """An answer over the limit (a whole address typed at once may be longer)."""
    limit = MAX_WHOLE_ADDRESS if whole_address else MAX_FIELD
    if len(value) > limit:
        return InvalidField(Problem.TOO_LONG, len(value), limit)
    return None


def validate_name(text: str) -> str | InvalidField:
    """The name of the person receiving the order: at least two characters, a letter."""
    value = tidy(text)
    if len(value) < MIN_PART or not re.search(r"[^\W\d_]", value):
        return InvalidField(Problem.NOT_A_NAME)
    return value


def validate_phone(text: str, country: str) -> str | InvalidField:
    """A phone number of the shop's country, written one way (core/domain/phones). Said
    in a sentence ("mi cel es 55 1234 5678"), the one number in it; two different ones
    are SEVERAL_PHONES (the customer says which)."""
    phone = clean_phone(tidy(text), country)
    if phone is not None:
        return phone
    found = phones_in(text, country)
    if len(found) == 1:
        return found[0]
    if found:
        return InvalidField(Problem.SEVERAL_PHONES, found=tuple(found))
    return InvalidField(Problem.NOT_A_PHONE)


def validate_street(text: str) -> str | InvalidField:
    value = tidy(text)
    return InvalidField(Problem.TOO_SHORT) if len(value) < MIN_PART else value


def validate_address_part(field: str, text: str, country: str) -> str | InvalidField:
    """One part of the address typed alone, written the way the label shows it.
    References may be empty; a postal code must be one of the country's."""
    value = tidy(text)
    if field == "postal_code":
        code = clean_postal_code(value, country)
        return InvalidField(Problem.NOT_A_POSTAL_CODE) if code is None else code
    if field == "references":
        return value
    if len(value) < MIN_PART:
        return InvalidField(Problem.TOO_SHORT)
    if field == "neighbourhood":
        return normalise_neighbourhood(value)
    if field == "city":
        return normalise_city(value, country)
    if field == "state":
        return normalise_state(value, country)
    return value


def is_whole_address(text: str, country: str) -> bool:
    """A whole address typed in one message (street, postal code and more)."""
    return parse_address(text, country) is not None


def could_be_an_address(text: str, country: str) -> bool:
    """Typed where saved addresses are offered: a new address, or just a remark? A whole
    address, or something with a number and a word ("Juárez 12")."""
    if is_whole_address(text, country):
        return True
    value = tidy(text)
    has_number = re.search(r"\d", value) is not None
    has_word = re.search(r"[^\W\d_]{2,}", value) is not None
    return has_number and has_word and len(value) >= 6
