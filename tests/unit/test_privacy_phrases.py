"""A customer asks for their data or to be forgotten in their own words; a message that
only mentions their data ("actualizar mis datos de envío") is not taken for either."""

from __future__ import annotations

import pytest

from handlers.customer.privacy import requested


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("mis datos", "my_data"),
        ("Mis Datos!", "my_data"),
        ("my data", "my_data"),
        ("borrar mis datos", "forget_me"),
        ("Olvidar mis datos", "forget_me"),
        ("olvídame", "forget_me"),
        ("forget me", "forget_me"),
        ("aviso de privacidad", "privacy"),
        ("privacy", "privacy"),
    ],
)
def test_asking_for_ones_data_or_to_be_forgotten_is_understood(text, action):
    assert requested(text) == action


@pytest.mark.parametrize(
    "text",
    ["mis pedidos", "mi carrito", "borrar mi carrito", "necesito actualizar mis datos de envío"],
)
def test_other_messages_are_not_taken_for_a_data_request(text):
    assert requested(text) is None
