"""Purchase orders to suppliers, their lines, and the one status machine every change
goes through (like customer orders: core/domain/orders.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.domain import transitions
from core.domain.actors import Actor, ActorKind
from core.domain.codes import new_code, normalize_code
from core.domain.errors import DomainError, InvalidQuantity, InvalidTransition, NotAllowed
from core.domain.money import Money


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = PurchaseOrderStatus
M, Y = ActorKind.MERCHANT, ActorKind.SYSTEM
SHOP = frozenset({M, Y})  # the shop's team from a chat, or the CLI and jobs

# (from, to) -> who may make that move. Nothing else is legal. Every purchase order
# starts as a draft.
TRANSITIONS: dict[tuple[PurchaseOrderStatus, PurchaseOrderStatus], frozenset[ActorKind]] = {
    (S.DRAFT, S.SENT): SHOP,
    (S.DRAFT, S.CANCELLED): SHOP,
    (S.SENT, S.PARTIALLY_RECEIVED): SHOP,
    (S.SENT, S.RECEIVED): SHOP,
    (S.SENT, S.CANCELLED): SHOP,
    # Another part arrives: still partially received, or now all of it.
    (S.PARTIALLY_RECEIVED, S.PARTIALLY_RECEIVED): SHOP,
    (S.PARTIALLY_RECEIVED, S.RECEIVED): SHOP,
    # The rest will not come.
    (S.PARTIALLY_RECEIVED, S.CLOSED): SHOP,
    (S.RECEIVED, S.CLOSED): SHOP,
}

# Statuses in which goods may still arrive.
RECEIVING = frozenset({S.SENT, S.PARTIALLY_RECEIVED})
OPEN = frozenset({S.DRAFT, S.SENT, S.PARTIALLY_RECEIVED, S.RECEIVED})

# Units on one line: a typo ("1000000") is refused, not ordered.
MAX_QUANTITY = 100_000
MAX_NOTE = 1000
MAX_LINES = 200

CODE_PREFIX = "OC-"  # orden de compra
CODE_LENGTH = 4


class PurchaseOrderNotFound(DomainError):
    code = "purchase_order_not_found"


class NotOnPurchaseOrder(DomainError):
    """A receipt or a change names a SKU the purchase order has no line for."""

    code = "not_on_purchase_order"


class ReceiptTooLarge(DomainError):
    """More units received on a line than are outstanding (ordered − received so far)."""

    code = "receipt_too_large"


class EmptyPurchaseOrder(DomainError):
    """A purchase order with no lines can't be created or sent; a receipt of nothing
    (every quantity zero, or nothing outstanding) records nothing."""

    code = "empty_purchase_order"


class ReasonRequired(DomainError):
    """Cancelling a purchase order takes a reason: the timeline keeps why."""

    code = "reason_required"


class NothingToReorder(DomainError):
    """The supplier's reorder suggestions suggest nothing now: no draft to make."""

    code = "nothing_to_reorder"


def new_purchase_order_code() -> str:
    return new_code(CODE_PREFIX, CODE_LENGTH)


def normalize_purchase_order_code(text: str) -> str | None:
    """'oc 7k3f', 'OC-7K3F', '7k3f' -> 'OC-7K3F'; anything else -> None."""
    return normalize_code(text, CODE_PREFIX, CODE_LENGTH)


def allowed_targets(status: PurchaseOrderStatus, actor_kind: ActorKind) -> list[S]:
    """The moves this kind of actor can make now, in table order (for buttons)."""
    return transitions.allowed_targets(TRANSITIONS, status, actor_kind)


def check_transition(frm: PurchaseOrderStatus, to: PurchaseOrderStatus, actor: Actor) -> None:
    action = f"purchase_order:{frm}->{to}"
    transitions.check_move(TRANSITIONS, "purchase_order", frm, to, actor, action)


def check_quantity(quantity: object, sku: str = "") -> int:
    """A line's ordered units: a whole number from 1 to MAX_QUANTITY."""
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise InvalidQuantity(quantity=quantity, minimum=1, maximum=MAX_QUANTITY, sku=sku)
    return quantity


@dataclass
class PurchaseOrderLine:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_cost: Money | None = None  # None: the price is not known yet
    supplier_sku: str = ""
    received: int = 0
    id: int | None = None

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received

    @property
    def total(self) -> Money | None:
        return None if self.unit_cost is None else self.unit_cost * self.quantity


@dataclass
class PurchaseOrderEvent:
    at: datetime
    actor: str
    kind: str
    from_status: str | None = None
    to_status: str | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """Units of one line that arrived: they go on hand as a purchase_receipt move."""

    line_id: int | None
    product_id: int
    sku: str
    quantity: int


@dataclass
class PurchaseOrder:
    id: int | None
    code: str
    supplier_id: int
    status: PurchaseOrderStatus
    currency: str
    lines: list[PurchaseOrderLine]
    created_at: datetime
    updated_at: datetime
    notes: str = ""
    sent_at: datetime | None = None
    expected_at: datetime | None = None
    version: int = 0
    # What this change did, for the repository to write (then cleared).
    new_events: list[PurchaseOrderEvent] = field(default_factory=list, repr=False)
    new_receipts: list[Receipt] = field(default_factory=list, repr=False)
    lines_changed: bool = field(default=False, repr=False)

    @classmethod
    def draft(
        cls,
        code: str,
        supplier_id: int,
        currency: str,
        lines: list[PurchaseOrderLine],
        actor: Actor,
        at: datetime,
        *,
        notes: str = "",
        source: str = "hand",
    ) -> PurchaseOrder:
        """A new draft. Lines of one product are added together; at least one line."""
        if actor.kind not in SHOP:
            raise NotAllowed(action="purchase_order:create", actor=str(actor))
        merged: dict[int, PurchaseOrderLine] = {}
        for line in lines:
            check_quantity(line.quantity, line.sku)
            if (same := merged.get(line.product_id)) is not None:
                same.quantity = check_quantity(same.quantity + line.quantity, line.sku)
                same.unit_cost = line.unit_cost or same.unit_cost
            else:
                merged[line.product_id] = PurchaseOrderLine(
                    line.product_id,
                    line.sku,
                    line.name,
                    line.quantity,
                    line.unit_cost,
                    line.supplier_sku,
                )
        if not merged:
            raise EmptyPurchaseOrder(code=code)
        if len(merged) > MAX_LINES:
            raise InvalidQuantity(lines=len(merged), maximum=MAX_LINES)
        order = cls(
            None,
            code,
            supplier_id,
            S.DRAFT,
            currency,
            list(merged.values()),
            at,
            at,
            notes=notes.strip()[:MAX_NOTE],
        )
        order.record(
            PurchaseOrderEvent(
                at,
                str(actor),
                "created",
                None,
                str(S.DRAFT),
                {"source": source, "lines": len(merged)},
            )
        )
        return order

    def record(self, event: PurchaseOrderEvent) -> None:
        self.new_events.append(event)

    def line_for(self, sku: str) -> PurchaseOrderLine | None:
        wanted = sku.strip().upper()
        return next((line for line in self.lines if line.sku.upper() == wanted), None)

    def move_to(
        self, to: PurchaseOrderStatus, actor: Actor, at: datetime, kind: str, **data: object
    ) -> PurchaseOrderStatus:
        """The only way a purchase order's status changes. Returns the previous one."""
        frm = self.status
        try:
            check_transition(frm, to, actor)
        except (InvalidTransition, NotAllowed) as refused:
            refused.data["code"] = self.code  # so the answer can name the purchase order
            raise
        self.status = to
        self.updated_at = at
        self.record(PurchaseOrderEvent(at, str(actor), kind, str(frm), str(to), dict(data)))
        return frm

    # --- While a draft: its lines change ---

    def _editable(self, actor: Actor) -> None:
        if self.status is not S.DRAFT:
            raise InvalidTransition(
                entity="purchase_order",
                from_status=str(self.status),
                to_status="edited",
                code=self.code,
            )
        if actor.kind not in SHOP:
            raise NotAllowed(action="purchase_order:edit", actor=str(actor))

    def set_line(self, line: PurchaseOrderLine, actor: Actor, at: datetime) -> None:
        """Add a line, or change the quantity (and the cost, when given) of the line of
        that product."""
        self._editable(actor)
        check_quantity(line.quantity, line.sku)
        existing = next((x for x in self.lines if x.product_id == line.product_id), None)
        if existing is None:
            if len(self.lines) >= MAX_LINES:
                raise InvalidQuantity(lines=len(self.lines) + 1, maximum=MAX_LINES)
            self.lines.append(line)
            kind = "line_added"
        else:
            existing.quantity = line.quantity
            if line.unit_cost is not None:
                existing.unit_cost = line.unit_cost
            kind = "line_changed"
        data: dict[str, object] = {"sku": line.sku, "quantity": line.quantity}
        if line.unit_cost is not None:
            data["unit_cost"] = line.unit_cost.amount
        self.lines_changed = True
        self.updated_at = at
        self.record(PurchaseOrderEvent(at, str(actor), kind, data=data))

    def remove_line(self, sku: str, actor: Actor, at: datetime) -> None:
        self._editable(actor)
        line = self.line_for(sku)
        if line is None:
            raise NotOnPurchaseOrder(code=self.code, sku=sku)
        if len(self.lines) == 1:  # a draft keeps a line; cancel it to drop it all
            raise EmptyPurchaseOrder(code=self.code)
        self.lines.remove(line)
        self.lines_changed = True
        self.updated_at = at
        self.record(PurchaseOrderEvent(at, str(actor), "line_removed", data={"sku": line.sku}))

    # --- The moves ---

    def send(self, actor: Actor, at: datetime, lead_time_days: int | None = None) -> None:
        """Sent to the supplier: expected after their lead time."""
        if not self.lines:
            raise EmptyPurchaseOrder(code=self.code)
        self.move_to(S.SENT, actor, at, "sent")
        self.sent_at = at
        if lead_time_days is not None:
            self.expected_at = at + timedelta(days=lead_time_days)

    def receive(
        self, quantities: Mapping[str, int] | None, actor: Actor, at: datetime
    ) -> list[Receipt]:
        """Units that arrived, by SKU (None: everything outstanding). Checked whole
        before anything changes: a SKU not on the order, a quantity that isn't a whole
        number of at least 1, or more than a line has outstanding refuses the receipt."""
        if actor.kind not in SHOP:
            raise NotAllowed(action="purchase_order:receive", actor=str(actor))
        if self.status not in RECEIVING:  # a draft not sent yet, or done with
            raise InvalidTransition(
                entity="purchase_order",
                from_status=str(self.status),
                to_status=str(S.RECEIVED),
                code=self.code,
            )
        arrived: dict[int, tuple[PurchaseOrderLine, int]] = {}
        if quantities is None:
            for line in self.lines:
                if line.outstanding > 0:
                    arrived[line.product_id] = (line, line.outstanding)
        else:
            for sku, quantity in quantities.items():
                line = self.line_for(sku)
                if line is None:
                    raise NotOnPurchaseOrder(code=self.code, sku=sku)
                if (
                    not isinstance(quantity, int)
                    or isinstance(quantity, bool)
                    or not 1 <= quantity <= MAX_QUANTITY
                ):
                    raise InvalidQuantity(
                        quantity=quantity, minimum=1, maximum=MAX_QUANTITY, sku=line.sku
                    )
                before = arrived.get(line.product_id, (line, 0))[1]
                if before + quantity > line.outstanding:
                    raise ReceiptTooLarge(
                        code=self.code,
                        sku=line.sku,
                        requested=before + quantity,
                        outstanding=line.outstanding,
                        ordered=line.quantity,
                        received=line.received,
                    )
                arrived[line.product_id] = (line, before + quantity)
        if not arrived:
            raise EmptyPurchaseOrder(code=self.code, status=str(self.status))
        receipts = []
        for line, quantity in arrived.values():
            line.received += quantity
            receipts.append(Receipt(line.id, line.product_id, line.sku, quantity))
        complete = all(line.outstanding == 0 for line in self.lines)
        to = S.RECEIVED if complete else S.PARTIALLY_RECEIVED
        self.move_to(
            to,
            actor,
            at,
            "received",
            lines=[{"sku": r.sku, "quantity": r.quantity} for r in receipts],
        )
        self.new_receipts.extend(receipts)
        return receipts

    def close(self, actor: Actor, at: datetime) -> None:
        """Done with it: everything arrived, or the rest will not come."""
        self.move_to(S.CLOSED, actor, at, "closed", outstanding=self.outstanding)

    def cancel(self, actor: Actor, at: datetime, reason: str) -> None:
        """Not going ahead (before anything arrived); the reason goes on the timeline."""
        if not reason.strip():
            raise ReasonRequired(code=self.code)
        self.move_to(S.CANCELLED, actor, at, "cancelled", reason=reason.strip()[:MAX_NOTE])

    # --- Figures ---

    @property
    def ordered(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def outstanding(self) -> int:
        return sum(line.outstanding for line in self.lines)

    @property
    def total(self) -> Money:
        """What the priced lines come to (a line without a cost adds nothing)."""
        return sum(
            (line.total for line in self.lines if line.total is not None),
            Money.zero(self.currency),
        )

    @property
    def unpriced(self) -> int:
        """Lines without a unit cost yet."""
        return sum(1 for line in self.lines if line.unit_cost is None)
