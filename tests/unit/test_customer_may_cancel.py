"""Until when a customer may cancel their own order: before the shop starts preparing
it (the transition table's customer moves), never after."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.domain.money import Money
from core.domain.orders import Order, OrderStatus, PaymentMethod

AT = datetime(2026, 1, 5, 12, tzinfo=UTC)
ZERO = Money(0, "MXN")
ORDER = Order(
    id=1,
    code="PED-ABCDE",
    customer_id=1,
    status=OrderStatus.AWAITING_CONFIRMATION,
    currency="MXN",
    lines=[],
    subtotal=ZERO,
    tax=ZERO,
    shipping_fee=ZERO,
    total=ZERO,
    shipping_method="standard",
    payment_method=PaymentMethod.BANK_TRANSFER,
    customer_name="Ana",
    phone="+52 55 1234 5678",
    address={},
    created_at=AT,
    updated_at=AT,
)

MAY = {OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_CONFIRMATION, OrderStatus.CONFIRMED}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_a_customer_may_cancel_only_before_the_shop_prepares_it(status: OrderStatus) -> None:
    assert replace(ORDER, status=status).cancellable_by_customer is (status in MAY)


def test_a_transfer_receipt_is_for_a_transfer_order_awaiting_confirmation() -> None:
    assert ORDER.awaits_transfer_receipt
    assert not replace(ORDER, status=OrderStatus.CONFIRMED).awaits_transfer_receipt
    cash = replace(ORDER, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    assert not cash.awaits_transfer_receipt
