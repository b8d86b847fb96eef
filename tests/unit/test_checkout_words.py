"""What a typed checkout answer says besides the answer: a wish to stop, a sentence where
a name goes, the cheapest or fastest shipping. Conservative: real names, streets and
references never read as one of these."""

from __future__ import annotations

import pytest

from handlers.checkout_words import extreme_shipping, name_said, not_a_name, wants_to_stop


@pytest.mark.parametrize(
    "typed",
    ["quiero cancelar", "mejor no, quiero cancelar", "ya no quiero nada", "cancélalo porfa",
     "olvídalo", "actually i want to cancel it", "never mind", "forget it",
     "I don't want it anymore", "no, no quiero continuar"],
)  # fmt: skip
def test_wanting_to_stop(typed: str) -> None:
    assert wants_to_stop(typed)


@pytest.mark.parametrize(
    "typed",
    ["no quiero cancelar", "I don't want to cancel", "Ana López", "junto a la parada",
     "Calle Cancelaria 12", "déjalo en la puerta", "no", "next to the bus stop",
     "María José de la Cruz"],
)  # fmt: skip
def test_answers_that_are_not_a_wish_to_stop(typed: str) -> None:
    assert not wants_to_stop(typed)


@pytest.mark.parametrize(
    "typed", ["María José de la Cruz", "Ana", "Noé Cantú", "Jo O'Brien", "Dolores Del Río"]
)
def test_real_names_are_names(typed: str) -> None:
    assert not not_a_name(typed)


@pytest.mark.parametrize(
    "typed", ["mejor no", "volver", "¿para qué?", "go back", "nope", "quiero mi pedido"]
)
def test_sentences_are_not_names(typed: str) -> None:
    assert not_a_name(typed)


def test_the_name_after_my_name_is() -> None:
    assert name_said("mi nombre es Lucía Gómez") == "Lucía Gómez"
    assert name_said("My name is: Jo") == "Jo"
    assert name_said("Ana") == "Ana"


def test_cheapest_or_fastest() -> None:
    assert extreme_shipping("el más barato porfa") == "cheapest"
    assert extreme_shipping("the fastest one") == "fastest"
    assert extreme_shipping("el más barato y rápido") is None  # both: ask
    assert extreme_shipping("no el más barato") is None
