"""Which payment methods a customer may choose at checkout: a card only in a chat that
can take one, and a card button pressed where cards aren't taken is no choice."""

from __future__ import annotations

from core.domain.orders import PaymentMethod
from core.domain.payments import offered_method, offered_methods


def test_a_card_is_offered_first_only_where_the_chat_takes_cards() -> None:
    assert offered_methods(card_payments=True) == [
        PaymentMethod.CARD,
        PaymentMethod.CASH_ON_DELIVERY,
        PaymentMethod.BANK_TRANSFER,
    ]
    assert offered_methods(card_payments=False) == [
        PaymentMethod.CASH_ON_DELIVERY,
        PaymentMethod.BANK_TRANSFER,
    ]


def test_a_chosen_method_counts_only_if_it_was_offered() -> None:
    assert offered_method("card", card_payments=True) is PaymentMethod.CARD
    assert offered_method("card", card_payments=False) is None
    assert offered_method("bank_transfer", card_payments=False) is PaymentMethod.BANK_TRANSFER
    assert offered_method("cash_on_delivery", card_payments=True) is PaymentMethod.CASH_ON_DELIVERY
    assert offered_method("bitcoin", card_payments=True) is None
    assert offered_method("", card_payments=True) is None
