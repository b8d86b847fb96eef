"""Returns: requested -> approved | rejected -> received -> refunded | exchanged.

An exchange names its replacement when it is requested (the stock is reserved then),
and becomes `exchanged` when the replacement ships, with a shipment of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.domain.errors import InvalidTransition
from core.domain.shipments import Shipment


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"


class ReturnResolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"


R = ReturnStatus
RETURN_TRANSITIONS: frozenset[tuple[ReturnStatus, ReturnStatus]] = frozenset(
    {
        (R.REQUESTED, R.APPROVED),
        (R.REQUESTED, R.REJECTED),
        (R.APPROVED, R.RECEIVED),
        (R.RECEIVED, R.REFUNDED),
        (R.RECEIVED, R.EXCHANGED),  # the replacement shipped (ship_exchange)
    }
)
OPEN_RETURN_STATUSES = frozenset({R.REQUESTED, R.APPROVED, R.RECEIVED})


@dataclass
class ReturnLine:
    order_line_id: int
    sku: str
    name: str
    quantity: int
    unit_price: int  # minor units, from the order line snapshot
    product_id: int
    sellable: bool | None = None  # known once received
    id: int | None = None
    # An exchange: the product sent instead (the same one, or another size or colour),
    # `quantity` units of it, reserved from the request until it ships.
    replacement_id: int | None = None
    replacement_name: str = ""


@dataclass
class ReturnRequest:
    id: int | None
    order_id: int
    status: ReturnStatus
    reason: str
    resolution: ReturnResolution
    lines: list[ReturnLine]
    created_at: datetime
    updated_at: datetime
    decision_note: str = ""
    refund_amount: int = 0
    shipment: Shipment | None = None  # the replacement's, once it shipped
    history: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def move_to(self, to: ReturnStatus, at: datetime) -> ReturnStatus:
        frm = self.status
        if (frm, to) not in RETURN_TRANSITIONS:
            raise InvalidTransition(entity="return", from_status=str(frm), to_status=str(to))
        self.status = to
        self.updated_at = at
        self.history.append((str(frm), str(to)))
        return frm

    @property
    def is_exchange(self) -> bool:
        return self.resolution is ReturnResolution.EXCHANGE

    @property
    def reserves_replacement(self) -> bool:
        """The replacement's stock is held for the customer until it ships or the
        return ends another way (rejected, refunded instead)."""
        return self.is_exchange and self.status in OPEN_RETURN_STATUSES

    @property
    def value(self) -> int:
        return sum(line.unit_price * line.quantity for line in self.lines)
