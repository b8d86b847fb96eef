"""Messages to people, written in the same transaction as the change that causes them.

A message carries an event (core/domain/events.py: its kind and its data), never text:
the channel layer renders it in the recipient's locale when it sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.domain.events import ADMINS, CUSTOMER, Event, UnfitEvent, read_event

__all__ = [
    "ADMIN",
    "ADMINS",
    "CUSTOMER",
    "OutboxMessage",
    "OutboxStatus",
    "PendingMessage",
    "stored_event",
]

ADMIN = "admin"  # an expanded row for one admin (the event was for ADMINS)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxMessage:
    """An event to tell, once (the dedupe key), to a customer or to every admin."""

    event: Event
    dedupe_key: str
    customer_id: int | None = None  # None when the event is for the admins

    def __post_init__(self) -> None:
        if (self.customer_id is None) != (self.event.audience == ADMINS):
            raise ValueError(
                f"{type(self.event).__name__} is told to {self.event.audience}: "
                f"customer_id {self.customer_id!r} does not fit"
            )

    @classmethod
    def to_customer(cls, customer_id: int, event: Event, dedupe_key: str) -> OutboxMessage:
        return cls(event, dedupe_key, customer_id)

    @classmethod
    def to_admins(cls, event: Event, dedupe_key: str) -> OutboxMessage:
        return cls(event, dedupe_key)

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def recipient(self) -> str:
        return self.event.audience  # CUSTOMER or ADMINS

    @property
    def payload(self) -> dict[str, object]:
        return self.event.payload()


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
    # The row read back as its event; None when it isn't one this version knows (a kind
    # from a newer version, data that doesn't fit), and `unreadable` says why.
    event: Event | None = None
    unreadable: str = ""


def stored_event(recipient: str, kind: str, payload: dict) -> tuple[Event | None, str]:
    """A row's event, or None and why it is none."""
    try:
        return read_event(ADMINS if recipient == ADMIN else recipient, kind, payload), ""
    except UnfitEvent as unfit:
        return None, str(unfit)
