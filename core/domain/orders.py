"""Orders, their lines, and the one status machine every change goes through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from core.domain import transitions
from core.domain.actors import Actor, ActorKind
from core.domain.codes import CODE_ALPHABET as CODE_ALPHABET  # callers import it from here
from core.domain.codes import new_code, normalize_code
from core.domain.errors import DomainError, InvalidRating, InvalidTransition, NotAllowed
from core.domain.money import Money
from core.domain.pricing import Totals


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"
    PREPARING = "preparing"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class PaymentMethod(StrEnum):
    CARD = "card"
    CASH_ON_DELIVERY = "cash_on_delivery"
    BANK_TRANSFER = "bank_transfer"

    @property
    def is_prepaid(self) -> bool:
        return self is PaymentMethod.CARD


S = OrderStatus
C, M, Y = ActorKind.CUSTOMER, ActorKind.MERCHANT, ActorKind.SYSTEM

# (from, to) -> who may make that move. Nothing else is legal. The initial status is
# chosen at checkout by the payment method (see initial_status).
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], frozenset[ActorKind]] = {
    (S.PENDING_PAYMENT, S.AWAITING_CONFIRMATION): frozenset({Y}),
    (S.PENDING_PAYMENT, S.CONFIRMED): frozenset({Y}),
    (S.PENDING_PAYMENT, S.EXPIRED): frozenset({Y}),
    (S.PENDING_PAYMENT, S.CANCELLED): frozenset({C, M}),
    (S.AWAITING_CONFIRMATION, S.CONFIRMED): frozenset({M}),
    (S.AWAITING_CONFIRMATION, S.CANCELLED): frozenset({C, M}),
    # Cash on delivery / transfer nobody confirmed in time: the reservation timer, like
    # an unpaid card order's (docs/architecture.md, "Order lifecycle").
    (S.AWAITING_CONFIRMATION, S.EXPIRED): frozenset({Y}),
    # A payment link paid after the reservation ran out, with every item still there:
    # the stock is reserved again and the order goes on (core/services/payments.py).
    (S.EXPIRED, S.AWAITING_CONFIRMATION): frozenset({Y}),
    (S.EXPIRED, S.CONFIRMED): frozenset({Y}),
    (S.CONFIRMED, S.PREPARING): frozenset({M}),
    (S.CONFIRMED, S.CANCELLED): frozenset({C, M}),
    (S.PREPARING, S.PACKED): frozenset({M}),
    (S.PREPARING, S.CANCELLED): frozenset({M}),
    (S.PACKED, S.SHIPPED): frozenset({M}),
    (S.PACKED, S.CANCELLED): frozenset({M}),
    (S.SHIPPED, S.DELIVERED): frozenset({C, M, Y}),
}

OPEN_STATUSES = frozenset(
    {S.PENDING_PAYMENT, S.AWAITING_CONFIRMATION, S.CONFIRMED, S.PREPARING, S.PACKED, S.SHIPPED}
)
# Stock is reserved (not yet taken off the shelf) while the order is in these statuses.
RESERVING_STATUSES = frozenset(
    {S.PENDING_PAYMENT, S.AWAITING_CONFIRMATION, S.CONFIRMED, S.PREPARING, S.PACKED}
)


# The shop's moves that commit it to an order: a transfer or card order makes them once
# it is paid, or after a merchant's explicit "confirm without payment" (Order.awaits_payment).
NEEDS_PAYMENT = frozenset({S.CONFIRMED, S.PREPARING, S.PACKED, S.SHIPPED})
# The timeline event of that override: who went on without the money, and when.
CONFIRMED_WITHOUT_PAYMENT = "confirmed_without_payment"


class PaymentRequired(DomainError):
    """The order awaits its payment: the move needs the money recorded first, or the
    merchant's explicit "confirm without payment"."""

    code = "payment_required"


def initial_status(method: PaymentMethod) -> OrderStatus:
    return S.PENDING_PAYMENT if method.is_prepaid else S.AWAITING_CONFIRMATION


def allowed_targets(status: OrderStatus, actor_kind: ActorKind) -> list[OrderStatus]:
    """The moves this kind of actor can make now, in table order (for buttons)."""
    return transitions.allowed_targets(TRANSITIONS, status, actor_kind)


def check_transition(frm: OrderStatus, to: OrderStatus, actor: Actor) -> None:
    transitions.check_move(TRANSITIONS, "order", frm, to, actor, f"{frm}->{to}")


CODE_PREFIX = "PED-"
CODE_LENGTH = 5


class _StockLine(Protocol):
    product_id: int


L = TypeVar("L", bound=_StockLine)


def in_stock_lock_order(lines: Iterable[L]) -> list[L]:
    """Lines sorted by product. Every transaction that changes several products' stock
    goes through them in this one order, so two of them never wait for each other's row
    locks crosswise (a deadlock that PostgreSQL breaks only after a second, by failing
    one of them)."""
    return sorted(lines, key=lambda line: line.product_id)


def new_order_code() -> str:
    return new_code(CODE_PREFIX, CODE_LENGTH)


def normalize_order_code(text: str) -> str | None:
    """'ped 7k3fq', 'PED-7K3FQ', '7k3fq' -> 'PED-7K3FQ'; anything else -> None."""
    return normalize_code(text, CODE_PREFIX, CODE_LENGTH)


@dataclass
class OrderLine:
    product_id: int
    sku: str
    name: str
    unit_price: Money
    quantity: int
    weight_g: int = 0
    id: int | None = None

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass
class OrderEvent:
    at: datetime
    actor: str
    kind: str
    from_status: str | None = None
    to_status: str | None = None
    data: dict = field(default_factory=dict)


@dataclass
class Order:
    id: int | None
    code: str
    customer_id: int
    status: OrderStatus
    currency: str
    lines: list[OrderLine]
    subtotal: Money
    tax: Money
    shipping_fee: Money
    total: Money
    shipping_method: str
    payment_method: PaymentMethod
    customer_name: str
    phone: str
    address: dict
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    rating: int | None = None
    rating_comment: str = ""
    cancel_reason: str = ""
    version: int = 0
    # The end of the last day of the estimate given at checkout (core/domain/delivery.py);
    # None for orders placed before it was recorded.
    delivery_promised_by: datetime | None = None
    # Read with the order (not saved with it): a payment holds money for it, and a
    # merchant went on without payment (a "confirmed_without_payment" event).
    paid: bool = False
    payment_waived: bool = False
    new_events: list[OrderEvent] = field(default_factory=list, repr=False)

    def record(self, event: OrderEvent) -> None:
        self.new_events.append(event)

    def move_to(
        self, to: OrderStatus, actor: Actor, at: datetime, kind: str, **data: object
    ) -> OrderStatus:
        """The only way an order's status changes. Returns the previous status."""
        frm = self.status
        try:
            check_transition(frm, to, actor)
        except (InvalidTransition, NotAllowed) as refused:
            refused.data["code"] = self.code  # so the answer can name the order
            raise
        if to in NEEDS_PAYMENT and self.awaits_payment:
            raise PaymentRequired(
                code=self.code,
                from_status=str(frm),
                to_status=str(to),
                method=str(self.payment_method),
            )
        self.status = to
        self.updated_at = at
        self.record(OrderEvent(at, str(actor), kind, str(frm), str(to), dict(data)))
        return frm

    def confirm_without_payment(self, actor: Actor, at: datetime) -> None:
        """The merchant goes on without the money (they trust the customer, or were paid
        some other way); the timeline records who and when. Awaiting confirmation it
        confirms the order; on a later step it only lifts the wait for the payment. An
        order that awaits no payment is simply confirmed (the override was not needed)."""
        if actor.kind is not ActorKind.MERCHANT:
            raise NotAllowed(action=CONFIRMED_WITHOUT_PAYMENT, actor=str(actor))
        waiving = self.awaits_payment
        if self.status is S.AWAITING_CONFIRMATION or not waiving:
            self.payment_waived = self.payment_waived or waiving
            kind = CONFIRMED_WITHOUT_PAYMENT if waiving else str(S.CONFIRMED)
            self.move_to(S.CONFIRMED, actor, at, kind)
            return
        if self.status not in NEEDS_PAYMENT:  # a card order not paid yet: the provider's move
            raise InvalidTransition(
                entity="order",
                from_status=str(self.status),
                to_status=CONFIRMED_WITHOUT_PAYMENT,
                code=self.code,
            )
        self.payment_waived = True
        self.updated_at = at
        self.record(OrderEvent(at, str(actor), CONFIRMED_WITHOUT_PAYMENT))

    def rate(self, stars: int, comment: str, actor: Actor, at: datetime) -> None:
        if self.status is not OrderStatus.DELIVERED:
            raise InvalidTransition(entity="order", from_status=str(self.status), to_status="rated")
        if actor.kind is not ActorKind.CUSTOMER:
            raise NotAllowed(action="rate", actor=str(actor))
        if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
            raise InvalidRating(stars=stars)
        self.rating = stars
        self.rating_comment = comment.strip()[:1000]
        self.updated_at = at
        self.record(OrderEvent(at, str(actor), "rated", data={"stars": stars}))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaits_payment(self) -> bool:
        """A transfer or card order, before shipping, with no money received and no
        merchant's override: the shop waits for its payment. Cash on delivery is paid
        on delivery, so it never waits."""
        return (
            self.payment_method is not PaymentMethod.CASH_ON_DELIVERY
            and not self.paid
            and not self.payment_waived
            and self.status in RESERVING_STATUSES
        )

    @property
    def cancellable_by_customer(self) -> bool:
        """The customer may still cancel it themselves (before the shop prepares it)."""
        return OrderStatus.CANCELLED in allowed_targets(self.status, ActorKind.CUSTOMER)

    @property
    def awaits_transfer_receipt(self) -> bool:
        """A bank-transfer order the shop has yet to confirm: a transfer receipt the
        customer sends can be for it."""
        return (
            self.payment_method is PaymentMethod.BANK_TRANSFER
            and self.status is OrderStatus.AWAITING_CONFIRMATION
        )

    @property
    def weight_g(self) -> int:
        return sum(line.weight_g * line.quantity for line in self.lines)

    @property
    def totals(self) -> Totals:
        """The amounts as they were computed at checkout."""
        return Totals(self.subtotal, self.tax, self.shipping_fee, self.total)
