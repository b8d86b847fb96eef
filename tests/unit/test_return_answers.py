"""Answers typed inside the return flow (issue 13): the quantity, refund or exchange,
and the replacement, the way people type them; anything else is None (asked again)."""

from __future__ import annotations

import pytest

from core.domain.returns import ReturnResolution
from handlers.customer.return_answers import quantity, replacement, resolution

REFUND, EXCHANGE = ReturnResolution.REFUND, ReturnResolution.EXCHANGE


@pytest.mark.parametrize(
    ("typed", "most", "expected"),
    [
        ("1", 3, 1),
        (" 2 ", 3, 2),
        ("una", 3, 1),
        ("dos", 3, 2),
        ("2 piezas", 3, 2),
        ("todas", 3, 3),
        ("all of them", 4, 4),
        ("las dos", 2, 2),
        ("las dos", 3, 2),
        ("ambas", 3, None),  # "both" of three: which number?
        ("solo una", 3, 1),
        ("no sé", 3, None),
        ("+1", 3, None),
        ("la roja", 3, None),
    ],
)
def test_a_typed_quantity_is_the_number_of_units(typed, most, expected):
    assert quantity(typed, most) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("reembolso", REFUND),
        ("Reembolso, por favor", REFUND),
        ("devolución del dinero", REFUND),
        ("quiero que me devuelvan mi dinero", REFUND),
        ("refund", REFUND),
        ("money back please", REFUND),
        ("cambio", EXCHANGE),
        ("cambiarlo por otra talla", EXCHANGE),
        ("quiero cambiarla por otro color", EXCHANGE),
        ("exchange", EXCHANGE),
        ("a different size", EXCHANGE),
        ("no sé", None),
        ("hola", None),
        ("cambio o reembolso", None),  # both: asked again
    ],
)
def test_refund_or_exchange_in_the_customers_words(typed, expected):
    assert resolution(typed) is expected


CHOICES = [(1, "Camisa azul (M)"), (2, "Camisa azul (L)"), (3, "Camisa roja (M)")]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("el mismo", 1),
        ("same", 1),
        ("la L", 2),
        ("talla L", 2),
        ("Camisa azul (L)", 2),
        ("la roja", 3),
        ("roja", 3),
        ("M", None),  # two of them are M
        ("la verde", None),
        ("", None),
    ],
)
def test_the_replacement_is_the_offered_product_the_customer_names(typed, expected):
    assert replacement(typed, CHOICES, same_id=1) == expected


def test_the_same_one_is_nothing_when_it_is_not_offered():
    assert replacement("el mismo", CHOICES[1:], same_id=1) is None
