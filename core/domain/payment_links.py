"""Payment links: a page at a payment provider (Mercado Pago, Stripe) where the customer
pays an order, and what the provider says about the payments made there.

The provider itself is a port (`PaymentProvider`): core asks it to create a link, read a
payment and refund one; the adapters live in bot/payments/. Everything here is plain
data, with no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.domain.errors import DomainError
from core.domain.money import Money
from core.domain.orders import Order, OrderStatus, PaymentMethod


class ProviderPaymentStatus(StrEnum):
    APPROVED = "approved"  # the money was taken
    PENDING = "pending"  # waiting: a cash voucher (OXXO), a bank transfer (SPEI), a review
    REJECTED = "rejected"  # declined, cancelled or expired unpaid: the customer may retry
    REFUNDED = "refunded"  # given back at the provider (wholly or in part)


@dataclass(frozen=True)
class ProviderPayment:
    """One payment as the provider's API reports it (never as a webhook's body says)."""

    provider: str  # "mercadopago", "stripe"
    payment_id: str  # the provider's id: a Mercado Pago payment, a Stripe PaymentIntent
    order_code: str  # the order it pays (external_reference / client_reference_id)
    status: ProviderPaymentStatus
    amount: Money
    method: str = ""  # what paid: "visa", "oxxo", "spei", "card"...
    # For a pending cash or transfer payment: what the customer needs to pay it.
    reference: str = ""  # the OXXO barcode number, the CLABE to transfer to...
    voucher_url: str = ""  # the provider's page with the voucher and instructions
    pay_by: datetime | None = None  # when the voucher stops being payable
    # Which try at paying this is, where one payment takes several (a Stripe
    # PaymentIntent: a declined card, then another): each try's news is told once.
    attempt: str = ""

    @property
    def charge_id(self) -> str:
        """The id recorded on the payment row: unique across providers."""
        return f"{self.provider}:{self.payment_id}"


@dataclass(frozen=True)
class LinkRequest:
    order_code: str
    amount: Money
    title: str  # what the provider's page shows the customer ("Tienda Demo · PED-7K3F")
    expires_at: datetime  # the order's reservation ends then: the link should too
    idempotency_key: str  # the same key gets the same link back, never a second one


@dataclass(frozen=True)
class CreatedLink:
    provider_ref: str  # the provider's id of the link: a preference, a Checkout Session
    url: str  # where the customer pays
    # When the provider stops taking payments there. It may be later than asked (Stripe
    # keeps a Checkout Session open at least 30 minutes): a payment after the order
    # expired is handled as a late payment.
    expires_at: datetime


# The providers whose payments are refunded through their API (a Telegram invoice's and
# the merchant's own "paid" are refunded outside the chat).
LINK_PROVIDERS = frozenset({"mercadopago", "stripe"})


def payable_by_link(order: Order) -> bool:
    """A card order still waiting for its payment: a payment link can pay it."""
    return (
        order.payment_method is PaymentMethod.CARD and order.status is OrderStatus.PENDING_PAYMENT
    )


class LinkStatus(StrEnum):
    OPEN = "open"  # the page may take a payment: reconciliation reads it
    CLOSED = "closed"  # its page ended and its order waits for no payment


@dataclass
class PaymentLink:
    id: int | None
    order_id: int
    provider: str
    provider_ref: str
    url: str
    idempotency_key: str
    status: LinkStatus
    expires_at: datetime
    created_at: datetime
    updated_at: datetime

    def usable(self, now: datetime) -> bool:
        return self.status is LinkStatus.OPEN and self.expires_at > now


class RefundStatus(StrEnum):
    PENDING = "pending"  # recorded; the provider has not confirmed it yet
    DONE = "done"  # the provider gave the money back (provider_refund_id)
    FAILED = "failed"  # the provider refused: the merchant refunds by hand


@dataclass
class ProviderRefund:
    """Money to give back through the provider that took it."""

    id: int | None
    payment_id: int
    order_id: int
    provider: str
    provider_payment_id: str
    amount: Money
    idempotency_key: str
    status: RefundStatus = RefundStatus.PENDING
    provider_refund_id: str | None = None
    attempts: int = 0
    last_error: str = ""


class PaymentProviderError(DomainError):
    """The provider could not do what was asked (data: provider, and what it said)."""

    code = "payment_provider_error"


class ProviderUnavailable(PaymentProviderError):
    """No answer, a timeout or a 5xx / 429: the same call may work later."""

    code = "payment_provider_unavailable"


class ProviderRefused(PaymentProviderError):
    """The provider said no (a 4xx): asking again the same way will not help."""

    code = "payment_provider_refused"


class PaymentProvider(Protocol):
    """The port every payment-link provider adapter implements (bot/payments/)."""

    name: str  # "mercadopago", "stripe": stored on links, payments and refunds

    async def create_link(self, request: LinkRequest) -> CreatedLink:
        """A page where the order is paid, once per idempotency key."""
        ...

    async def read_payment(self, payment_id: str) -> ProviderPayment:
        """One payment, read from the provider's API (a webhook names it)."""
        ...

    async def payments_for_link(self, order_code: str, provider_ref: str) -> list[ProviderPayment]:
        """Every payment made for the order through the link (reconciliation, and a
        webhook that names a link rather than a payment)."""
        ...

    async def refund(self, payment_id: str, amount: Money, idempotency_key: str) -> str:
        """Give back part or all of a payment; returns the provider's refund id. The same
        key never refunds twice."""
        ...

    async def close(self) -> None: ...
