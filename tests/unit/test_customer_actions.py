"""The customers' buttons keep the payloads they had before they were typed: buttons
already sitting in people's chats keep working after an upgrade, and the typed answers
("sí", "transferencia") still find the button they mean."""

from __future__ import annotations

import pytest

import handlers.conversation  # noqa: F401  (registers every feature's actions)
from core.domain.orders import PaymentMethod
from core.domain.returns import ReturnResolution
from handlers import actions, options
from handlers.customer import cart, catalog, checkout, free_text, menu, orders, privacy

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
    for _words, patterns in options.SYNONYMS:
        for pattern in patterns:
            kind = actions.registered().get(pattern.split(":")[0])
            assert kind is not None and not kind.admin, pattern
