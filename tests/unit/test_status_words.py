"""The words after /pedidos: every word the admin is told to use works, in both languages,
and every status can be named."""

from __future__ import annotations

import pytest

from core.domain.orders import OrderStatus
from handlers.admin.status_words import ALL, AWAITING_PAYMENT, status_from_words, words_that_work
from handlers.i18n import Translator


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_suggested_word_names_a_status_and_together_they_name_them_all(lang):
    suggested = [word.strip() for word in words_that_work(Translator(lang)).split(",")]
    named = [status_from_words(word) for word in suggested]
    assert None not in named, dict(zip(suggested, named, strict=True))
    # "awaiting payment" is every unpaid transfer or card order, pending_payment included
    assert set(named) == {*OrderStatus, ALL, AWAITING_PAYMENT} - {OrderStatus.PENDING_PAYMENT}


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("entregados", OrderStatus.DELIVERED),
        ("Entregadas", OrderStatus.DELIVERED),
        ("ENTREGÁDO", OrderStatus.DELIVERED),
        ("por confirmar", OrderStatus.AWAITING_CONFIRMATION),
        ("pendientes", OrderStatus.AWAITING_CONFIRMATION),
        ("pendientes de pago", AWAITING_PAYMENT),
        ("en preparación", OrderStatus.PREPARING),
        ("enviado", OrderStatus.SHIPPED),
        ("cancelados", OrderStatus.CANCELLED),
        ("canceled", OrderStatus.CANCELLED),
        ("awaiting_confirmation", OrderStatus.AWAITING_CONFIRMATION),
        ("pending_payment", AWAITING_PAYMENT),
        ("todas", ALL),
        ("", ALL),
    ],
)
def test_status_words_are_read_loosely(typed, status):
    assert status_from_words(typed) == status


@pytest.mark.parametrize("typed", ["volando", "entregados ayer", "x", "pagados"])
def test_other_words_name_no_status(typed):
    assert status_from_words(typed) is None
