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
