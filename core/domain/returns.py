"""Returns: requested -> approved | rejected -> received -> refunded | exchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.domain.errors import InvalidTransition


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
        (R.RECEIVED, R.EXCHANGED),
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
    def value(self) -> int:
        return sum(line.unit_price * line.quantity for line in self.lines)
