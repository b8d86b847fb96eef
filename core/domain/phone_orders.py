"""Orders the merchant takes for a customer outside the chat: by phone, at the counter,
or from another system (the REST API's `POST /api/v1/orders`).

The customer is named by their phone number. A chat customer whose platform verified
that number (WhatsApp), or one the merchant names explicitly, gets the order in their
chat (the confirmation, "/rastrear"); anyone else gets an offline customer record
under the `PHONE_CHANNEL` pseudo-channel, which no message is ever sent to, and which
becomes their chat identity when they first write from a channel whose ids are phone
numbers (WhatsApp): see docs/phone_orders.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.customers import PHONE_CHANNEL as PHONE_CHANNEL  # offline customers
from core.domain.customers import Address
from core.domain.errors import DomainError
from core.domain.orders import PaymentMethod

# The shipping method code that means "picked up at the shop": no address is needed. A
# shop offers it by naming it in SHIPPING_METHODS (fee 0, days 0).
PICKUP = "pickup"

MAX_NOTE = 500


class OrderSource(StrEnum):
    """Where the merchant took the order (recorded on its "placed" timeline event)."""

    PHONE = "phone"
    COUNTER = "counter"
    API = "api"  # another system, through the REST API


@dataclass(frozen=True)
class PhoneOrderRequest:
    """An order the merchant takes for a customer (`place_order_for_customer`).

    - phone: the customer's number as typed ("55 1234 5678", "+52 1 55…"); it is
      written one way (core/domain/phones.py) and names the customer.
    - name: who receives it; may be "" when the phone names a known customer (their
      name, else their last order's, is used).
    - lines: (SKU, quantity) pairs; a SKU named twice counts once with the quantities
      added. SKUs match in any case.
    - shipping_method: one of the shop's methods (`SHIPPING_METHODS`), `PICKUP` included
      when the shop offers it.
    - payment_method: cash on delivery, bank transfer, or card (card only where a
      payment-link provider is set up and the customer has a chat to pay from).
    - address: where it goes; required unless the method is `PICKUP`.
    - source, note: recorded on the order's timeline.
    - customer_id: the customer the order is for, chosen by the merchant or the
      integrator (a chat customer they know has this number). Without it the phone
      alone names the customer, and only a number the platform verified (WhatsApp)
      reaches a chat: a phone typed at a checkout proves nothing.
    - code: the order's code, chosen before placing (the admin chat draws it when it
      shows the summary): placing the same request again with it returns the order
      already placed instead of a second one. "" draws one.
    """

    phone: str
    name: str
    lines: tuple[tuple[str, int], ...]
    shipping_method: str
    payment_method: PaymentMethod | str
    address: Address | None = field(default=None, compare=False)
    source: OrderSource = OrderSource.PHONE
    note: str = ""
    customer_id: int | None = None
    code: str = ""


def merged_lines(lines: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
    """The lines with each SKU once (case-insensitive), quantities added, in the order
    first named."""
    merged: dict[str, tuple[str, int]] = {}
    for sku, quantity in lines:
        key = sku.strip().casefold()
        first, before = merged.get(key, (sku.strip(), 0))
        merged[key] = (first, before + quantity)
    return list(merged.values())


def offline_key(phone: str) -> str:
    """The external id of an offline customer: the cleaned number without spaces
    ("+52 55 1234 5678" -> "+525512345678")."""
    return "".join(phone.split())


class InvalidPhone(DomainError):
    """Not a phone number of the shop's country (data: phone, as typed)."""

    code = "invalid_phone"


class PaymentMethodUnavailable(DomainError):
    """A card order needs a payment link the customer pays from their chat: refused
    when no provider is set up or the customer has no chat (data: method, reason:
    "no_provider" or "no_chat")."""

    code = "payment_method_unavailable"
