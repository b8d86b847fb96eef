"""What the shop tells people later: one frozen dataclass per kind of notification.

A service writes an event in the transaction that causes it:

    uow.notify(OutboxMessage.to_customer(
        order.customer_id, OrderShipped(code, carrier, number, url), f"{code}:order_shipped"
    ))

The outbox row stores the event's `kind` and its fields as JSON (the payload); loading
the row reads the event back (`read_event`), and handlers/notifications/ renders it in
the reader's language when it is sent. Its words: one renderer per event type there
(`@renders(OrderShipped)`); tests/integration/test_notification_rendering.py fails for
an event without one.

Rows wait in the database across upgrades, so the kind and the field names are what
rows already written hold: a new field gets a default (older rows lack it), a renamed
one would leave those rows unreadable. A row that does not fit its event (an unknown
kind, a missing or mistyped field) is marked failed with the reason, never sent.

Field types are those JSON can hold, plus StrEnum (stored as its value), datetime (an
ISO string) and tuples (lists).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from core.domain.actors import ActorKind
from core.domain.orders import OrderStatus, PaymentMethod
from core.domain.returns import ReturnResolution
from core.domain.tracking import TrackingTag

CUSTOMER = "customer"  # told to the one customer the message names
ADMINS = "admins"  # told to every admin of the shop

_TYPES: dict[tuple[str, str], type[Event]] = {}


class UnfitEvent(ValueError):
    """A stored row that is no event this version knows (the reason says why)."""


class Event:
    """Base of every notification; subclasses are frozen dataclasses that name their
    kind (the stored string). CustomerEvent and AdminEvent say who is told."""

    kind: ClassVar[str]
    audience: ClassVar[str]
    _hints: ClassVar[dict[str, Any] | None] = None

    def __init_subclass__(cls, *, kind: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._hints = None
        if not kind:  # a base shared by several kinds
            return
        if (other := _TYPES.get((cls.audience, kind))) is not None:
            raise TypeError(
                f"event kind {kind!r} for {cls.audience} of {cls.__qualname__} is taken by "
                f"{other.__module__}.{other.__qualname__}"
            )
        cls.kind = kind
        _TYPES[(cls.audience, kind)] = cls

    def payload(self) -> dict[str, object]:
        """The event's fields as JSON data, as the outbox row stores them."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        return {f.name: _encode(getattr(self, f.name)) for f in fields}

    @classmethod
    def from_payload(cls, data: dict[str, object]) -> typing.Self:
        """The event a stored payload holds; UnfitEvent when it does not fit. Keys this
        version doesn't know (written by a newer one) are left out."""
        if not isinstance(data, dict):
            raise UnfitEvent(f"the payload of {cls.kind} is not an object")
        if cls._hints is None:
            cls._hints = typing.get_type_hints(cls)
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise UnfitEvent(f"{cls.kind} lacks {f.name}")
                continue
            try:
                values[f.name] = _decode(data[f.name], cls._hints[f.name])
            except (TypeError, ValueError):
                raise UnfitEvent(
                    f"{cls.kind}: {f.name} is not {_name(cls._hints[f.name])}: {data[f.name]!r}"
                ) from None
        return cls(**values)


class CustomerEvent(Event):
    audience = CUSTOMER


class AdminEvent(Event):
    audience = ADMINS


def read_event(audience: str, kind: str, payload: dict[str, object]) -> Event:
    """The event an outbox row holds (UnfitEvent: an unknown kind, or data that does not
    fit the kind's fields)."""
    event_type = _TYPES.get((audience, kind))
    if event_type is None:
        raise UnfitEvent(f"unknown kind {kind} for {audience}")
    return event_type.from_payload(payload)


def event_types() -> list[type[Event]]:
    """Every event type, customers' first (for the tests that render them all)."""
    return sorted(_TYPES.values(), key=lambda t: (t.audience != CUSTOMER, t.kind))


def _encode(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value


def _decode(value: object, hint: Any) -> object:
    """The value as the field's type says, or TypeError/ValueError."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in typing.get_args(hint):
            return None
        for option in typing.get_args(hint):
            if option is not type(None):
                try:
                    return _decode(value, option)
                except (TypeError, ValueError):
                    pass
        raise TypeError(value)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TypeError(value)
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(item, args[0]) for item in value)
        if len(args) != len(value):
            raise ValueError(value)
        return tuple(_decode(item, arg) for item, arg in zip(value, args, strict=True))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)  # ValueError for a value it doesn't have
    if hint is datetime:
        if not isinstance(value, str):
            raise TypeError(value)
        return datetime.fromisoformat(value)
    if hint is int and isinstance(value, bool):  # JSON's true is no number
        raise TypeError(value)
    if not isinstance(value, hint):
        raise TypeError(value)
    return value


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)


# Customers ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OrderConfirmed(CustomerEvent, kind="order_confirmed"):
    code: str


@dataclasses.dataclass(frozen=True)
class OrderTaken(CustomerEvent, kind="order_taken"):
    """The shop took an order for the customer by phone or at the counter
    (core/services/phone_orders.py): what a checkout would have said in their chat."""

    code: str
    total: int = 0  # minor units
    currency: str = "MXN"
    payment_method: PaymentMethod = PaymentMethod.CASH_ON_DELIVERY
    status: OrderStatus = OrderStatus.AWAITING_CONFIRMATION
    pickup: bool = False  # picked up at the shop: paid there, not on delivery


@dataclasses.dataclass(frozen=True)
class PaymentReceived(CustomerEvent, kind="payment_received"):
    code: str
    status: OrderStatus | None = None  # the order's, once paid


@dataclasses.dataclass(frozen=True)
class OrderPreparing(CustomerEvent, kind="order_preparing"):
    code: str


@dataclasses.dataclass(frozen=True)
class OrderShipped(CustomerEvent, kind="order_shipped"):
    code: str
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""


@dataclasses.dataclass(frozen=True)
class OrderDelivered(CustomerEvent, kind="order_delivered"):
    code: str


@dataclasses.dataclass(frozen=True)
class _OrderEnded(CustomerEvent):
    """The shop turned the order down, or it was cancelled (by whom, what was refunded)."""

    code: str
    reason: str = ""
    refunded: int = 0  # minor units
    currency: str = "MXN"
    by: ActorKind | None = None


@dataclasses.dataclass(frozen=True)
class OrderRejected(_OrderEnded, kind="order_rejected"):
    pass


@dataclasses.dataclass(frozen=True)
class OrderCancelled(_OrderEnded, kind="order_cancelled"):
    pass


@dataclasses.dataclass(frozen=True)
class OrderExpired(CustomerEvent, kind="order_expired"):
    code: str


@dataclasses.dataclass(frozen=True)
class OrderRefunded(CustomerEvent, kind="order_refunded"):
    code: str
    amount: int = 0  # minor units
    currency: str = "MXN"


@dataclasses.dataclass(frozen=True)
class PaymentPending(CustomerEvent, kind="payment_pending"):
    """A cash or transfer payment was started at the provider (an OXXO voucher, SPEI):
    the order waits for the money; the customer keeps what they need to pay."""

    code: str
    method: str = ""  # "oxxo", "spei"...
    reference: str = ""
    voucher_url: str = ""
    pay_by: datetime | None = None
    amount: int = 0  # minor units
    currency: str = "MXN"


@dataclasses.dataclass(frozen=True)
class PaymentRejected(CustomerEvent, kind="payment_rejected"):
    """The provider declined a payment of an order still waiting for one."""

    code: str


@dataclasses.dataclass(frozen=True)
class LatePaymentRefunded(CustomerEvent, kind="late_payment_refunded"):
    """Paid after the order expired or was cancelled, with its items gone: the money
    goes back through the provider."""

    code: str
    amount: int = 0  # minor units
    currency: str = "MXN"
    status: OrderStatus | None = None  # expired (its items gone) or cancelled


@dataclasses.dataclass(frozen=True)
class OrderReleaseReminder(CustomerEvent, kind="order_release_reminder"):
    code: str
    release_at: datetime
    payment_method: PaymentMethod | None = None


@dataclasses.dataclass(frozen=True)
class OrderReleased(CustomerEvent, kind="order_released"):
    code: str


@dataclasses.dataclass(frozen=True)
class _ReturnDecided(CustomerEvent):
    """A step of a return the shop took (approved, rejected, received, refunded)."""

    code: str
    return_id: int
    note: str = ""
    amount: int = 0  # refunded, minor units
    currency: str = "MXN"
    resolution: ReturnResolution | None = None
    replacements: tuple[tuple[int, str], ...] = ()  # (quantity, name) an exchange sends


@dataclasses.dataclass(frozen=True)
class ReturnApproved(_ReturnDecided, kind="return_approved"):
    address: str = ""  # where to send the items ("": the admins send it later)


@dataclasses.dataclass(frozen=True)
class ReturnRejected(_ReturnDecided, kind="return_rejected"):
    pass


@dataclasses.dataclass(frozen=True)
class ReturnReceived(_ReturnDecided, kind="return_received"):
    pass


@dataclasses.dataclass(frozen=True)
class ReturnRefunded(_ReturnDecided, kind="return_refunded"):
    pass


@dataclasses.dataclass(frozen=True)
class ReturnAddress(CustomerEvent, kind="return_address"):
    code: str
    return_id: int
    address: str = ""


@dataclasses.dataclass(frozen=True)
class ReturnExchanged(CustomerEvent, kind="return_exchanged"):
    """The replacement left with the carrier."""

    code: str
    return_id: int
    replacements: tuple[tuple[int, str], ...] = ()
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""


@dataclasses.dataclass(frozen=True)
class SupportReply(CustomerEvent, kind="support_reply"):
    case_id: int
    message: str = ""


@dataclasses.dataclass(frozen=True)
class SupportClosed(CustomerEvent, kind="support_closed"):
    case_id: int


# Admins ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NewOrder(AdminEvent, kind="new_order"):
    code: str


@dataclasses.dataclass(frozen=True)
class StockRanLow(AdminEvent, kind="stock_low"):
    sku: str
    name: str = ""
    available: int = 0
    threshold: int = 0


@dataclasses.dataclass(frozen=True)
class _CaseMessage(AdminEvent):
    """A customer's message to the shop, with who they are and the order it is about."""

    case_id: int
    message: str = ""
    customer_id: int | None = None
    customer_name: str = ""
    phone: str = ""
    order_code: str | None = None
    order_status: str = ""  # an OrderStatus, or "" with no order


@dataclasses.dataclass(frozen=True)
class SupportRequest(_CaseMessage, kind="support_request"):
    """A new case."""


@dataclasses.dataclass(frozen=True)
class SupportFollowUp(_CaseMessage, kind="support_follow_up"):
    """A message added to an open case."""


@dataclasses.dataclass(frozen=True)
class ReturnRequested(AdminEvent, kind="return_requested"):
    code: str
    return_id: int
    reason: str = ""
    resolution: ReturnResolution | None = None
    replacements: tuple[tuple[int, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class ReturnAddressMissing(AdminEvent, kind="return_address_missing"):
    code: str
    return_id: int


@dataclasses.dataclass(frozen=True)
class TransferReceipt(AdminEvent, kind="transfer_receipt"):
    code: str
    channel: str = ""
    file: str = ""  # the channel's file id


@dataclasses.dataclass(frozen=True)
class OrderCancelledByCustomer(AdminEvent, kind="order_cancelled_by_customer"):
    code: str
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class LowRating(AdminEvent, kind="low_rating"):
    code: str
    stars: int = 0
    comment: str = ""


@dataclasses.dataclass(frozen=True)
class CashNotRecorded(AdminEvent, kind="cash_not_recorded"):
    """The customer says a cash-on-delivery order arrived; nobody recorded the cash."""

    code: str


@dataclasses.dataclass(frozen=True)
class CustomerForgotten(AdminEvent, kind="customer_forgotten"):
    customer_id: int
    orders: int = 0
    by: ActorKind | None = None


@dataclasses.dataclass(frozen=True)
class InternalError(AdminEvent, kind="internal_error"):
    reference: str
    where: str = ""


@dataclasses.dataclass(frozen=True)
class SecondCharge(AdminEvent, kind="second_charge"):
    """A provider charged an order already paid: the admins give it back."""

    code: str
    amount: int = 0  # minor units, in the shop's currency
    provider: str = ""
    charge_id: str = ""


@dataclasses.dataclass(frozen=True)
class PaymentOnClosedOrder(AdminEvent, kind="payment_on_closed_order"):
    """Paid after it expired or was cancelled: the admins refund it by hand."""

    code: str
    status: OrderStatus | None = None
    amount: int = 0  # minor units, in the shop's currency


@dataclasses.dataclass(frozen=True)
class OrderPaidOnline(AdminEvent, kind="order_paid_online"):
    """A customer paid through a payment link: the order is paid, nothing to check."""

    code: str
    amount: int = 0  # minor units, in the shop's currency
    provider: str = ""  # "mercadopago", "stripe"
    status: OrderStatus | None = None  # the order's, once paid
    late: bool = False  # paid after it expired: its stock was reserved again


@dataclasses.dataclass(frozen=True)
class LatePaymentRefundedToAdmins(AdminEvent, kind="late_payment_refunded"):
    """Paid after it expired (its stock is gone) or was cancelled: refunded by itself."""

    code: str
    amount: int = 0  # minor units, in the shop's currency
    provider: str = ""
    status: OrderStatus | None = None  # expired or cancelled


@dataclasses.dataclass(frozen=True)
class PaymentNotMatching(AdminEvent, kind="payment_not_matching"):
    """A provider took an amount that is not the order's total: not counted as its
    payment; the merchant checks it at the provider and gives it back."""

    code: str
    amount: int = 0  # minor units
    currency: str = "MXN"
    provider: str = ""
    payment_id: str = ""


@dataclasses.dataclass(frozen=True)
class ProviderRefundFailed(AdminEvent, kind="provider_refund_failed"):
    """The provider refused a refund: the merchant gives the money back by hand."""

    code: str
    amount: int = 0  # minor units
    provider: str = ""
    reason: str = ""  # the provider's words (not translated)


@dataclasses.dataclass(frozen=True)
class OrderConfirmationReminder(AdminEvent, kind="order_confirmation_reminder"):
    code: str
    release_at: datetime
    receipt: bool = False  # the customer sent a transfer receipt


@dataclasses.dataclass(frozen=True)
class OrderReleasedToAdmins(AdminEvent, kind="order_released"):
    code: str


# Carrier tracking (core/services/tracking.py, docs/tracking.md) -----------------------


@dataclasses.dataclass(frozen=True)
class OrderOutForDelivery(CustomerEvent, kind="order_out_for_delivery"):
    """The carrier took the parcel out for delivery today (told once per order)."""

    code: str
    carrier: str = ""


@dataclasses.dataclass(frozen=True)
class OrderReadyForPickup(CustomerEvent, kind="order_ready_for_pickup"):
    """The parcel waits at a pickup point (told once per order)."""

    code: str
    carrier: str = ""
    location: str = ""  # the carrier's words


@dataclasses.dataclass(frozen=True)
class ShipmentProblem(CustomerEvent, kind="shipment_problem"):
    """The carrier could not deliver (AttemptFail) or reports a problem (Exception)."""

    code: str
    tag: TrackingTag = TrackingTag.EXCEPTION
    carrier: str = ""
    message: str = ""  # the carrier's words, not translated
    tracking_url: str = ""


@dataclasses.dataclass(frozen=True)
class ShipmentProblemToAdmins(AdminEvent, kind="shipment_problem"):
    """A carrier problem the shop may have to act on (a wrong address, a parcel held,
    tracking given up on: Exception, AttemptFail, Expired)."""

    code: str
    tag: TrackingTag = TrackingTag.EXCEPTION
    carrier: str = ""
    tracking_number: str = ""
    message: str = ""  # the carrier's words, not translated
    location: str = ""


# Outgoing webhooks (core/services/webhooks.py, docs/webhooks.md) -----------------------


@dataclasses.dataclass(frozen=True)
class WebhookEndpointDisabled(AdminEvent, kind="webhook_endpoint_disabled"):
    """Every attempt to send to an endpoint failed for a day: it was disabled, and
    nothing more goes there until the merchant enables it again."""

    endpoint_id: int
    url: str = ""
    failing_since: datetime | None = None
    last_error: str = ""  # the receiver's answer or the network error, not translated
