"""Payments and refunds. A provider charge id is recorded at most once, and an order
has at most one payment holding money (the database's ux_payments_one_paid_per_order)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.domain.errors import InvalidTransition, RefundTooLarge
from core.domain.money import Money
from core.domain.orders import Order, OrderStatus, PaymentMethod


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    # A second charge for an order already paid (or, before migration 0007, the same
    # cash recorded twice): kept so its charge id counts once, but it is not the order's
    # payment and holds no money for it; the shop gives it back outside the chat.
    DUPLICATE = "duplicate"


# Money the shop holds for an order: paid, and not (wholly) given back.
HOLDS_MONEY = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED})


def offered_methods(card_payments: bool) -> list[PaymentMethod]:
    """The methods a customer may choose at checkout, in the order offered: a card only
    where the chat can take one (the channel's payment provider), cash on delivery and
    a bank transfer everywhere."""
    methods = [PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER]
    return [PaymentMethod.CARD, *methods] if card_payments else methods


def offered_method(value: str, card_payments: bool) -> PaymentMethod | None:
    """The method chosen, if it is one offered in this chat (a stale or forged card
    button where cards aren't taken is None)."""
    return next((m for m in offered_methods(card_payments) if m == value), None)


@dataclass
class Payment:
    id: int | None
    order_id: int
    method: str
    status: PaymentStatus
    amount: Money
    refunded: Money
    provider: str = ""
    provider_charge_id: str | None = None
    channel_charge_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def holds_money(self) -> bool:
        """Paid, and not (wholly) given back."""
        return self.status in HOLDS_MONEY

    @property
    def was_paid(self) -> bool:
        return self.holds_money or self.status is PaymentStatus.REFUNDED

    @property
    def refundable(self) -> Money:
        return self.amount - self.refunded

    def refund(self, amount: Money, at: datetime) -> None:
        if amount.amount <= 0 or self.refundable < amount:
            raise RefundTooLarge(requested=amount.amount, refundable=self.refundable.amount)
        self.refunded = self.refunded + amount
        self.status = (
            PaymentStatus.REFUNDED
            if self.refunded == self.amount
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        self.updated_at = at

    def fail(self, at: datetime) -> None:
        """The payment will not come: its order was cancelled or expired unpaid (the
        order's timeline says which, and why). Only a pending payment can fail; one
        that holds money is refunded instead."""
        if self.status is not PaymentStatus.PENDING:
            raise InvalidTransition(
                entity="payment", from_status=str(self.status), to_status=str(PaymentStatus.FAILED)
            )
        self.status = PaymentStatus.FAILED
        self.updated_at = at


def can_record_manual_payment(order: Order, payments: Iterable[Payment]) -> bool:
    """Whether the merchant may say an order's money arrived ("Mark as paid"): its
    payment is pending and not a card's (the provider reports those), and the order is
    open or delivered (cash on delivery stays unpaid on delivery until the merchant says
    it was received)."""
    pending = any(p.status is PaymentStatus.PENDING for p in payments)
    collectable = order.is_open or order.status is OrderStatus.DELIVERED
    return pending and order.payment_method is not PaymentMethod.CARD and collectable
