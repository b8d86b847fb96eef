"""A payment fails through its own method: only while pending (the order closed before
the money came); a payment that holds money is refunded, never failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.errors import InvalidTransition
from core.domain.money import Money
from core.domain.payments import Payment, PaymentStatus

PLACED = datetime(2026, 1, 5, 12, tzinfo=UTC)
CLOSED = datetime(2026, 1, 6, 9, tzinfo=UTC)


def payment(status: PaymentStatus) -> Payment:
    return Payment(
        1,
        7,
        "bank_transfer",
        status,
        Money(25000, "MXN"),
        Money(0, "MXN"),
        created_at=PLACED,
        updated_at=PLACED,
    )


def test_a_pending_payment_fails_and_says_when() -> None:
    pending = payment(PaymentStatus.PENDING)
    pending.fail(CLOSED)
    assert pending.status is PaymentStatus.FAILED
    assert pending.updated_at == CLOSED
    assert not pending.holds_money and not pending.was_paid


@pytest.mark.parametrize(
    "status",
    [s for s in PaymentStatus if s is not PaymentStatus.PENDING],
)
def test_only_a_pending_payment_can_fail(status: PaymentStatus) -> None:
    settled = payment(status)
    with pytest.raises(InvalidTransition):
        settled.fail(CLOSED)
    assert settled.status is status and settled.updated_at == PLACED
