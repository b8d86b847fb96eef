"""Carrier tracking: a checkpoint as the shop keeps it, whoever reported it (AfterShip,
another tracking service through the generic webhook), and what each one does to an
order.

A checkpoint is a fact about the parcel ("in transit in Querétaro at 09:12"). Facts
arrive late, twice, or out of order, so what they do is decided against what the shop
already knows (docs/tracking.md):

- a checkpoint belongs to the shipment its tracking number names, and only when it
  happened after the parcel shipped (SHIPMENT_CLOCK_SKEW) and the carrier the sender
  names, when the shop can tell, is the shipment's: a reused or mistyped number brings
  another parcel's journey, which must not move this order;
- every new checkpoint goes to the order's timeline, once (its dedupe id, which names
  the shipment: two parcels with one number never share a checkpoint);
- Delivered marks a shipped order delivered, whenever it arrives: in time order it
  came after the shipping, and nothing moves a delivered order back;
- the other tags only tell people anything while the order is still on its way and the
  checkpoint is the newest the shop knows of: a failed attempt the parcel has since
  moved on from, or one reported after the delivery, would only mislead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from core.domain.errors import InvalidTrackingNumber
from core.domain.orders import OrderStatus
from core.domain.shipments import clean_tracking_number


class TrackingTag(StrEnum):
    """AfterShip's delivery statuses, the vocabulary of both webhooks."""

    PENDING = "Pending"
    INFO_RECEIVED = "InfoReceived"
    IN_TRANSIT = "InTransit"
    OUT_FOR_DELIVERY = "OutForDelivery"
    ATTEMPT_FAIL = "AttemptFail"
    AVAILABLE_FOR_PICKUP = "AvailableForPickup"
    DELIVERED = "Delivered"
    EXCEPTION = "Exception"
    EXPIRED = "Expired"

    @classmethod
    def read(cls, text: object) -> TrackingTag | None:
        """ "InTransit", "in_transit", "in transit", "IN-TRANSIT" -> IN_TRANSIT; None for
        anything else."""
        if not isinstance(text, str):
            return None
        squeezed = re.sub(r"[\s_-]+", "", text).lower()
        return _BY_SQUEEZED.get(squeezed)


_BY_SQUEEZED = {tag.value.lower(): tag for tag in TrackingTag}


class CheckpointSource(StrEnum):
    AFTERSHIP = "aftership"
    GENERIC = "generic"


# The kind of an order's timeline event for a checkpoint (its data: tag, message,
# location, source).
CHECKPOINT_EVENT = "tracking_checkpoint"

# Tags that tell the admins something is wrong with the parcel; the customer hears of
# the first two (Expired: the tracking service gave up, a matter for the shop).
PROBLEM_TAGS = frozenset({TrackingTag.EXCEPTION, TrackingTag.ATTEMPT_FAIL, TrackingTag.EXPIRED})
CUSTOMER_PROBLEM_TAGS = frozenset({TrackingTag.EXCEPTION, TrackingTag.ATTEMPT_FAIL})

MAX_MESSAGE = 500
MAX_LOCATION = 200
MAX_CARRIER = 64

# A checkpoint that happened more than this before its shipment was shipped is another
# parcel's (a reused or mistyped number): the carrier's clock and the shop's may differ
# a little, and a merchant may type /enviar a while after the pickup scan.
SHIPMENT_CLOCK_SKEW = timedelta(hours=1)


def tracking_key(text: object) -> str | None:
    """A tracking number as shipments store it (no blanks, upper case), or None when it
    can't be one."""
    if not isinstance(text, str):
        return None
    try:
        return clean_tracking_number(text)
    except InvalidTrackingNumber:
        return None


def carrier_key(text: object) -> str:
    """The carrier a sender names (AfterShip's slug "dhl", "Estafeta", "dhl-global-mail")
    as the shop's carrier codes are written (a-z, 0-9, _): lower case, dashes and blanks
    read as "_"; "" when it names none."""
    if not isinstance(text, str):
        return ""
    return re.sub(r"[\s-]+", "_", text.strip().lower())[:MAX_CARRIER]


@dataclass(frozen=True)
class Checkpoint:
    """One scan of a parcel, normalised: no HTTP or tracking-service types."""

    tracking_number: str  # as tracking_key gives it
    tag: TrackingTag
    occurred_at: datetime  # aware; when the carrier says it happened
    source: CheckpointSource
    message: str = ""  # the carrier's words, in the carrier's language
    location: str = ""
    subtag: str = ""  # AfterShip's finer status ("Exception_011"), informative
    external_id: str = ""  # the sender's own id for this checkpoint, when it has one
    carrier: str = ""  # the carrier the sender names, as carrier_key gives it; "" unknown

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("a checkpoint's time must say its time zone")
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))
        object.__setattr__(self, "message", " ".join(self.message.split())[:MAX_MESSAGE])
        object.__setattr__(self, "location", " ".join(self.location.split())[:MAX_LOCATION])
        object.__setattr__(self, "carrier", carrier_key(self.carrier))

    @property
    def identity(self) -> str:
        """The same for every delivery of this checkpoint, whichever shipment it turns
        out to be for. The sender's own id when it gives one; else what the checkpoint
        says (the location is left out: a tracking service may fill it in on a later
        delivery of the same scan)."""
        if self.external_id:
            parts = ["id", str(self.source), self.tracking_number, self.external_id]
        else:
            parts = [
                "scan",
                self.tracking_number,
                str(self.tag),
                self.occurred_at.isoformat(timespec="seconds"),
                self.message,
            ]
        return "\x1f".join(parts)

    def dedupe_id(self, shipment_id: int) -> str:
        """The checkpoint as recorded for one shipment: a parcel shipped later with the
        same number (reused, mistyped) never finds its checkpoints taken by an older
        one's ("tag:Delivered", say)."""
        text = f"shipment:{shipment_id}\x1f{self.identity}"
        return hashlib.sha256(text.encode()).hexdigest()

    def predates(self, shipped_at: datetime) -> bool:
        """It happened before the shipment was shipped (beyond the clock skew allowed):
        another parcel's, for that shipment."""
        return self.occurred_at < shipped_at - SHIPMENT_CLOCK_SKEW

    def timeline_data(self) -> dict[str, str]:
        """What the order's timeline event keeps of it."""
        data = {"tag": str(self.tag), "source": str(self.source)}
        if self.message:
            data["message"] = self.message
        if self.location:
            data["location"] = self.location
        return data


class Effect(StrEnum):
    """What a new checkpoint does beyond the timeline."""

    NONE = "none"
    DELIVER = "deliver"  # the order moves shipped -> delivered (rating asked)
    OUT_FOR_DELIVERY = "out_for_delivery"  # the customer hears it leaves today
    READY_FOR_PICKUP = "ready_for_pickup"  # the customer hears where to collect it
    PROBLEM = "problem"  # the admins are alerted (and the customer told, CUSTOMER_PROBLEM_TAGS)


def effect(tag: TrackingTag, order_status: OrderStatus, newest: bool) -> Effect:
    """What a checkpoint does to an order in this status; newest: no checkpoint the
    shop knows of for the parcel happened after it."""
    shipped = order_status is OrderStatus.SHIPPED
    if tag is TrackingTag.DELIVERED:
        return Effect.DELIVER if shipped else Effect.NONE
    if not (shipped and newest):
        return Effect.NONE
    if tag is TrackingTag.OUT_FOR_DELIVERY:
        return Effect.OUT_FOR_DELIVERY
    if tag is TrackingTag.AVAILABLE_FOR_PICKUP:
        return Effect.READY_FOR_PICKUP
    if tag in PROBLEM_TAGS:
        return Effect.PROBLEM
    return Effect.NONE
