"""Order.awaits_payment and the moves it stops, on the domain object alone (issue #13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.actors import Actor, ActorKind
from core.domain.errors import NotAllowed
from core.domain.orders import (
    NEEDS_PAYMENT,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentRequired,
)
from tests.unit.test_order_status_machine import make_order

S = OrderStatus
SHOP = Actor(ActorKind.MERCHANT, "terminal:owner")
AT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


def order(status: S, method: PaymentMethod, *, paid=False, waived=False) -> Order:
    made = make_order(status)
    made.payment_method, made.paid, made.payment_waived = method, paid, waived
    return made


COMMITTING_MOVES = [
    (S.AWAITING_CONFIRMATION, S.CONFIRMED),
    (S.CONFIRMED, S.PREPARING),
    (S.PREPARING, S.PACKED),
    (S.PACKED, S.SHIPPED),
]


@pytest.mark.parametrize("method", [PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD])
@pytest.mark.parametrize(("status", "to"), COMMITTING_MOVES)
def test_an_unpaid_prepaid_order_is_refused_every_committing_move(method, status, to):
    unpaid = order(status, method)
    assert unpaid.awaits_payment and to in NEEDS_PAYMENT
    with pytest.raises(PaymentRequired) as refused:
        unpaid.move_to(to, SHOP, AT, str(to))
    assert refused.value.data["to_status"] == str(to)
    assert (unpaid.status, unpaid.new_events) == (status, [])
    # Paid, or explicitly waived, the same move is made.
    for ready in (order(status, method, paid=True), order(status, method, waived=True)):
        ready.move_to(to, SHOP, AT, str(to))
        assert ready.status is to


def test_cash_on_delivery_never_awaits_payment_and_cancelling_never_needs_it():
    assert not order(S.AWAITING_CONFIRMATION, PaymentMethod.CASH_ON_DELIVERY).awaits_payment
    unpaid = order(S.AWAITING_CONFIRMATION, PaymentMethod.BANK_TRANSFER)
    unpaid.move_to(S.CANCELLED, SHOP, AT, "rejected")
    assert unpaid.status is S.CANCELLED and not unpaid.awaits_payment


def test_confirming_without_payment_records_who_and_when():
    unpaid = order(S.AWAITING_CONFIRMATION, PaymentMethod.BANK_TRANSFER)
    unpaid.confirm_without_payment(SHOP, AT)
    assert unpaid.status is S.CONFIRMED and unpaid.payment_waived
    (event,) = unpaid.new_events
    assert (event.kind, event.actor, event.at) == ("confirmed_without_payment", str(SHOP), AT)


def test_only_a_merchant_confirms_without_payment():
    unpaid = order(S.AWAITING_CONFIRMATION, PaymentMethod.BANK_TRANSFER)
    with pytest.raises(NotAllowed):
        unpaid.confirm_without_payment(Actor(ActorKind.CUSTOMER, "10"), AT)
    assert unpaid.status is S.AWAITING_CONFIRMATION and unpaid.new_events == []
