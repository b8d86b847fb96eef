"""When the merchant may record an order's money by hand ("Mark as paid" on the admin's
order card): a pending payment, not by card (the provider reports those), on an order
still open or delivered (cash is handed over at delivery)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.money import Money
from core.domain.orders import OrderStatus, PaymentMethod
from core.domain.payments import Payment, PaymentStatus, can_record_manual_payment
from tests.unit.test_order_status_machine import make_order

S = OrderStatus
AT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


def payment(status: PaymentStatus) -> Payment:
    return Payment(
        1, 1, "cash_on_delivery", status, Money(15000, "MXN"), Money(0, "MXN"), created_at=AT
    )


@pytest.mark.parametrize("method", [PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER])
@pytest.mark.parametrize("status", [S.AWAITING_CONFIRMATION, S.PACKED, S.SHIPPED, S.DELIVERED])
def test_a_pending_cash_or_transfer_payment_can_be_marked_paid(method, status) -> None:
    order = make_order(status)
    order.payment_method = method
    assert can_record_manual_payment(order, [payment(PaymentStatus.PENDING)])


def test_a_card_payment_is_the_providers_to_report() -> None:
    order = make_order(S.PENDING_PAYMENT)
    order.payment_method = PaymentMethod.CARD
    assert not can_record_manual_payment(order, [payment(PaymentStatus.PENDING)])


@pytest.mark.parametrize(
    "status", [PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.REFUNDED]
)
def test_nothing_pending_nothing_to_mark(status) -> None:
    order = make_order(S.CONFIRMED)
    order.payment_method = PaymentMethod.BANK_TRANSFER
    assert not can_record_manual_payment(order, [payment(status)])
    assert not can_record_manual_payment(order, [])


@pytest.mark.parametrize("status", [S.CANCELLED, S.EXPIRED])
def test_a_closed_order_takes_no_payment_by_hand(status) -> None:
    order = make_order(status)
    order.payment_method = PaymentMethod.BANK_TRANSFER
    assert not can_record_manual_payment(order, [payment(PaymentStatus.PENDING)])
