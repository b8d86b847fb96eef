"""Messages to people, written in the same transaction as the change that causes them.

The payload is data (a message kind and its parameters), never text: the channel layer
renders it in the recipient's locale when it sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

ADMINS = "admins"  # recipient: every admin of the shop (one row each when written)
ADMIN = "admin"  # an expanded row for one admin
CUSTOMER = "customer"

# Every kind of message the core writes, by recipient. A message of another kind can't be
# written (OutboxMessage refuses it), so a new kind is declared here, where
# tests/integration/test_notification_rendering.py finds it and asks for its words.
CUSTOMER_KINDS = frozenset(
    {
        "order_confirmed", "payment_received", "order_preparing", "order_shipped",
        "order_delivered", "order_rejected", "order_cancelled", "order_expired",
        "order_refunded", "order_release_reminder", "order_released",
        "return_approved", "return_address", "return_rejected", "return_received",
        "return_refunded", "return_exchanged", "support_reply", "support_closed",
    }
)  # fmt: skip
ADMIN_KINDS = frozenset(
    {
        "new_order", "stock_low", "support_request", "support_follow_up",
        "return_requested", "return_address_missing", "transfer_receipt",
        "order_cancelled_by_customer", "low_rating", "cash_not_recorded",
        "customer_forgotten", "internal_error", "second_charge", "payment_on_closed_order",
        "order_confirmation_reminder", "order_released",
    }
)  # fmt: skip


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass
class OutboxMessage:
    kind: str
    dedupe_key: str
    payload: dict = field(default_factory=dict)
    customer_id: int | None = None  # None with recipient ADMINS
    recipient: str = ""  # "customer" or ADMINS

    def __post_init__(self) -> None:
        known = CUSTOMER_KINDS if self.recipient == CUSTOMER else ADMIN_KINDS
        if self.kind not in known:
            raise ValueError(
                f"unknown outbox kind {self.kind!r} for {self.recipient or 'nobody'}: declare "
                "it in core/domain/outbox.py (and give it words in handlers/notifications.py)"
            )

    @classmethod
    def to_customer(cls, customer_id: int, kind: str, dedupe_key: str, **payload: object):
        return cls(kind, dedupe_key, dict(payload), customer_id, CUSTOMER)

    @classmethod
    def to_admins(cls, kind: str, dedupe_key: str, **payload: object):
        return cls(kind, dedupe_key, dict(payload), None, ADMINS)


@dataclass(frozen=True)
class PendingMessage:
    """An outbox row (waiting to be sent, or as it ended)."""

    id: int
    kind: str
    payload: dict
    customer_id: int | None
    recipient: str  # CUSTOMER or ADMIN
    attempts: int = 0
    channel: str = ""
    address: str = ""
    dedupe_key: str = ""
    status: str = ""
    delivery_status: str = ""  # the channel's later word: sent, delivered, read, failed
    last_error: str = ""
    lease_until: datetime | None = None  # while "sending": the claim's lease
    # How many of the platform messages this row becomes (its pieces: a long text cut in
    # several, a text and a document) the channel has accepted, over all attempts: a
    # retry sends only the rest. The core only counts them; the channel knows what a
    # piece is.
    pieces_sent: int = 0
