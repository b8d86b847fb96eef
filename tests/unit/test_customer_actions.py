"""The customers' buttons keep the payloads they had before they were typed: buttons
already sitting in people's chats keep working after an upgrade, and the typed answers
("sí", "transferencia") still find the button they mean."""

from __future__ import annotations

import pytest

import handlers.conversation  # noqa: F401  (registers every feature's actions)
from core.domain.orders import PaymentMethod
from core.domain.returns import ReturnResolution
from handlers import actions, options
from handlers.customer import (
    cart,
    catalog,
    checkout,
    free_text,
    menu,
    orders,
    payment,
    privacy,
    receipts,
)

# What the buttons carried when they were packed by hand ("verb:arg:arg").
PAYLOADS = [
    (menu.MainMenu(), "m"),
    (menu.ShowHelp(), "h"),
    (menu.SetLanguage("en"), "l:en"),
    (menu.ShowCategories(), "cat"),
    (menu.ShowCart(), "cart"),
    (menu.StartCheckout(), "co"),
    (menu.ListOrders(), "o"),
    (menu.TalkToPerson(), "s"),
    (menu.TalkToPerson("PED-00001"), "s:PED-00001"),
    (catalog.ShowCategory(3, 0), "c:3:0"),
    (catalog.ShowProduct(12), "p:12"),
    (catalog.AddToCart(12, 1), "a:12:1"),
    (catalog.AskQuantity(12), "qa:12"),
    (cart.EditCart(), "ce"),
    (cart.EditLine(12), "cl:12"),
    (cart.SetQuantity(12, 0), "ci:12:0"),
    (cart.EmptyCart(), "cx"),
    (checkout.CheckoutChoice("ok"), "ck:ok"),
    (checkout.CheckoutChoice("addr", "7"), "ck:addr:7"),
    (checkout.CheckoutChoice("pay", PaymentMethod.BANK_TRANSFER), "ck:pay:bank_transfer"),
    (orders.ShowOrder("PED-00001"), "t:PED-00001"),
    (payment.PayOrder("PED-00001"), "pay:PED-00001"),
    (orders.AskCancel("PED-00001"), "oc:PED-00001"),
    (orders.CancelOrder("PED-00001"), "ocy:PED-00001"),
    (orders.ConfirmReceived("PED-00001"), "od:PED-00001"),
    (orders.RateOrder("PED-00001", 0), "or:PED-00001:0"),
    (orders.StartReturn("PED-00001"), "ort:PED-00001"),
    (orders.ReturnLine("PED-00001", 1), "rl:PED-00001:1"),
    (orders.ReturnQuantity(2), "rq:2"),
    (orders.ChooseResolution(ReturnResolution.EXCHANGE), "rr:exchange"),
    (orders.ChooseReplacement(9), "rxp:9"),
    (free_text.ChooseReading("order_status"), "u:order_status"),
    (free_text.ChoosePerson(), "uh"),
    (free_text.ReceiptFor("PED-00001"), "rcp:PED-00001"),
    (receipts.SendReceipt("PED-00001"), "rct:PED-00001"),
    (privacy.SendMyData(), "me"),
    (privacy.AskForget(), "fg"),
    (privacy.Forget(), "fgy"),
    (privacy.KeepData(), "fgn"),
]


@pytest.mark.parametrize(("action", "payload"), PAYLOADS, ids=[p for _a, p in PAYLOADS])
def test_a_button_packs_as_before_and_reads_back(action: actions.Action, payload: str) -> None:
    assert action.pack() == payload
    assert actions.parse(payload) == action
    assert not action.admin


def test_every_customer_action_is_in_the_list_above() -> None:
    customer = {p for p, kind in actions.registered().items() if not kind.admin}
    listed = {type(action).prefix for action, _payload in PAYLOADS}
    assert customer - {"zz_probe"} == listed


def test_every_button_a_typed_word_presses_is_a_customer_action() -> None:
    for _words, presses in options.synonyms():
        for press in presses:
            assert actions.registered().get(press.kind.prefix) is press.kind, press
            assert not press.kind.admin, press
            if press.exactly is not None:
                assert actions.parse(press.exactly.pack()) == press.exactly, press


# What a typed word pressed when the patterns were strings ("ocy:", "ci:*:0", "ck:addr:#"):
# (typed, the buttons offered, the one pressed or None).
TYPED = [
    ("sí", ["ck:ok", "ck:back"], "ck:ok"),
    ("ok", ["ck:addr_ok", "ck:addr_fix"], "ck:addr_ok"),
    ("si", ["ocy:PED-00001", "t:PED-00001"], "ocy:PED-00001"),
    ("yes", ["fgy", "fgn"], "fgy"),
    ("el mismo", ["ck:addr:7", "ck:addr:new"], "ck:addr:7"),
    ("el mismo", ["ck:addr:new"], None),
    ("same", ["ck:name", "ck:back"], "ck:name"),
    ("si", ["ck:phone"], "ck:phone"),
    ("igual", ["ck:keep"], "ck:keep"),
    ("corregir", ["ck:addr_ok", "ck:addr_fix"], "ck:addr_fix"),
    ("volver", ["a:12:1", "p:12"], "p:12"),
    ("atras", ["ck:back", "ck:skip"], "ck:back"),
    ("efectivo", ["ck:pay:card", "ck:pay:cash_on_delivery"], "ck:pay:cash_on_delivery"),
    ("spei", ["ck:pay:card", "ck:pay:bank_transfer"], "ck:pay:bank_transfer"),
    ("tarjeta", ["ck:pay:card", "ck:pay:bank_transfer"], "ck:pay:card"),
    ("ninguna", ["ck:skip", "ck:back"], "ck:skip"),
    ("rapido", ["ck:ship:standard", "ck:ship:express"], "ck:ship:express"),
    ("normal", ["ck:ship:standard", "ck:ship:express"], "ck:ship:standard"),
    ("vaciar", ["ce", "cx", "co"], "cx"),
    ("editar", ["ce", "cx", "co"], "ce"),
    ("quitar", ["ci:12:1", "ci:12:0"], "ci:12:0"),
    ("quitar", ["ci:12:0", "ci:13:0"], None),  # which one? not a guess
]


@pytest.mark.parametrize(("typed", "offered", "pressed"), TYPED)
def test_a_typed_word_presses_the_button_of_its_action(
    typed: str, offered: list[str], pressed: str | None
) -> None:
    data = {options.KEY: [[f"label {n}", payload] for n, payload in enumerate(offered)]}
    assert options.choice(data, typed, loose=False) == pressed
