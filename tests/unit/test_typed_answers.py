"""Typed answers in both languages: quantity changes, ratings, and words that press the
buttons of the last question."""

from __future__ import annotations

import pytest

from handlers.options import KEY, choice
from handlers.quantity_change import Change, Kind, parse
from handlers.rating_typed import parse_rating


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+1", Change(Kind.ADD, 1)),
        ("+2", Change(Kind.ADD, 2)),
        ("-1", Change(Kind.SUBTRACT, 1)),
        ("−1", Change(Kind.SUBTRACT, 1)),  # the minus sign a phone keyboard offers
        ("– 2", Change(Kind.SUBTRACT, 2)),
        ("3", Change(Kind.SET, 3)),
        ("x3", Change(Kind.SET, 3)),
        ("3 piezas", Change(Kind.SET, 3)),
        ("dos por favor", Change(Kind.SET, 2)),
        ("quita uno", Change(Kind.SUBTRACT, 1)),
        ("quítale 2", Change(Kind.SUBTRACT, 2)),
        ("uno menos", Change(Kind.SUBTRACT, 1)),
        ("pon 3", Change(Kind.SET, 3)),
        ("déjalo en 2", Change(Kind.SET, 2)),
        ("que sean 4", Change(Kind.SET, 4)),
        ("solo 1", Change(Kind.SET, 1)),
        ("mejor solo una", Change(Kind.SET, 1)),
        ("just one", Change(Kind.SET, 1)),
        ("actually make it two", Change(Kind.SET, 2)),
        ("no, mejor pon 3", Change(Kind.SET, 3)),
        ("otro", Change(Kind.ADD, 1)),
        ("uno más", Change(Kind.ADD, 1)),
        ("agrega 2", Change(Kind.ADD, 2)),
        ("one more", Change(Kind.ADD, 1)),
        ("make it 4", Change(Kind.SET, 4)),
        ("quitar", Change(Kind.REMOVE)),
        ("remove it", Change(Kind.REMOVE)),
        ("pon 0", Change(Kind.REMOVE)),
        ("no lo quiero", Change(Kind.REMOVE)),
    ],
)
def test_quantity_changes_as_people_type_them(typed, expected):
    assert parse(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["tienen gorras?", "quiero ver el catálogo", "quita la taza", "cuánto cuesta", "hola", "no",
     "sí", "pon atención", "+0", "solo quiero ver", ""],
)  # fmt: skip
def test_other_messages_are_no_quantity_change(typed):
    assert parse(typed) is None


def test_a_change_never_goes_below_zero():
    assert Change(Kind.SUBTRACT, 5).applied_to(2) == 0
    assert Change(Kind.ADD, 2).applied_to(3) == 5
    assert Change(Kind.SET, 2).applied_to(5) == 2


@pytest.mark.parametrize(
    ("typed", "stars"),
    [("5", 5), ("5 estrellas", 5), ("⭐⭐⭐⭐⭐", 5), ("★★★", 3), ("excelente", 5),
     ("Excelente!", 5), ("4/5", 4), ("cinco estrellas", 5), ("1 star", 1), ("pésimo", 1),
     ("regular", 3), ("bueno", 4)],
)  # fmt: skip
def test_ratings_as_people_type_them(typed, stars):
    assert parse_rating(typed) == stars


@pytest.mark.parametrize("typed", ["0", "6", "12", "⭐⭐⭐⭐⭐⭐", "hola", "", "5 tazas"])
def test_what_is_no_rating(typed):
    assert parse_rating(typed) is None


def test_outside_the_rating_question_only_a_clear_rating_counts():
    assert parse_rating("5", clear_only=True) is None  # may be a quantity
    assert parse_rating("ok", clear_only=True) is None
    assert parse_rating("⭐⭐⭐⭐", clear_only=True) == 4
    assert parse_rating("5 estrellas", clear_only=True) == 5


def offered(*buttons: tuple[str, str]) -> dict:
    return {KEY: [list(button) for button in buttons]}


PAYMENT = offered(
    ("Cash on delivery", "ck:pay:cash_on_delivery"),
    ("Bank transfer", "ck:pay:bank_transfer"),
    ("Back", "ck:back"),
    ("Cancel checkout", "ck:cancel"),
)
SHIPPING = offered(
    ("Estándar · $99.00 · 3–5 días", "ck:ship:standard"),
    ("Express · $199.00 · 1–2 días", "ck:ship:express"),
    ("Volver", "ck:back"),
)


@pytest.mark.parametrize(
    ("typed", "payload"),
    [("transferencia", "ck:pay:bank_transfer"), ("Transferencia bancaria", "ck:pay:bank_transfer"),
     ("efectivo", "ck:pay:cash_on_delivery"), ("cash", "ck:pay:cash_on_delivery"),
     ("bank transfer", "ck:pay:bank_transfer"), ("volver", "ck:back"), ("atrás", "ck:back"),
     ("back", "ck:back")],
)  # fmt: skip
def test_payment_words_press_the_payment_buttons(typed, payload):
    assert choice(PAYMENT, typed, loose=True) == payload


@pytest.mark.parametrize(
    ("typed", "payload"),
    [("estandar", "ck:ship:standard"), ("Estándar", "ck:ship:standard"),
     ("el estandar", "ck:ship:standard"), ("express", "ck:ship:express"),
     ("envío express", "ck:ship:express"), ("regresar", "ck:back")],
)  # fmt: skip
def test_a_word_of_a_label_is_enough_where_only_an_option_is_an_answer(typed, payload):
    assert choice(SHIPPING, typed, loose=True) == payload


def test_a_loose_word_is_no_answer_where_free_text_is_one():
    assert choice(SHIPPING, "estánd", loose=True) == "ck:ship:standard"
    assert choice(SHIPPING, "estánd", loose=False) is None
    assert choice(SHIPPING, "Express · $199.00 · 1–2 días", loose=False) == "ck:ship:express"


def test_yes_and_no_press_the_button_that_says_them():
    confirm = offered(("Confirm order", "ck:ok"), ("Back", "ck:back"))
    for typed in ("si", "sí", "Sí!", "yes", "ok", "dale", "correcto"):
        assert choice(confirm, typed, loose=True) == "ck:ok", typed
    cancel = offered(("Yes, cancel it", "ocy:PED-ABCDE"), ("No", "t:PED-ABCDE"))
    assert choice(cancel, "si", loose=False) == "ocy:PED-ABCDE"
    assert choice(cancel, "no", loose=False) == "t:PED-ABCDE"
    comment = offered(("No, thanks", "m"))
    assert choice(comment, "no", loose=False) == "m"


def test_words_matching_nothing_or_several_options_press_nothing():
    assert choice(PAYMENT, "paypal", loose=True) is None
    assert choice(SHIPPING, "días", loose=True) is None  # in both labels
    assert choice({}, "si", loose=True) is None


def test_plus_one_is_not_minus_one():
    line = offered(("−1", "ci:3:4"), ("+1", "ci:3:6"))
    assert choice(line, "+1", loose=False) == "ci:3:6"
    assert choice(line, "−1", loose=False) == "ci:3:4"
