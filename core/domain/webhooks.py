"""Outgoing webhooks: which events other systems can hear about, what each one says,
and the rules for sending them (Standard Webhooks, https://www.standardwebhooks.com/).

An event is written in the transaction of the change that causes it (an order's move,
a return's, a product's stock falling to its threshold): one `webhook_events` row per
event, whoever listens. A sender later fans each event out to the endpoints subscribed
to its type (one delivery per endpoint and event) and sends the deliveries, signed with
the endpoint's secret, retrying failures on RETRY_DELAYS. An endpoint that has failed
every attempt for DISABLE_AFTER is disabled and the admins are told.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import socket
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from core.domain.catalog import StockLow
from core.domain.errors import DomainError
from core.domain.orders import Order, OrderEvent, OrderStatus
from core.domain.returns import ReturnRequest

# Event types: what an endpoint subscribes to, the "type" of every message.
ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_CONFIRMED = "order.confirmed"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_CANCELLED = "order.cancelled"
ORDER_EXPIRED = "order.expired"  # its reservation ran out: stock released, like cancelled
ORDER_REFUNDED = "order.refunded"  # money given back (a cancellation, /reembolso, a late payment)
RETURN_REQUESTED = "return.requested"
RETURN_APPROVED = "return.approved"
RETURN_REJECTED = "return.rejected"
RETURN_RECEIVED = "return.received"
RETURN_REFUNDED = "return.refunded"
RETURN_EXCHANGED = "return.exchanged"  # an exchange's replacement shipped
STOCK_LOW = "stock.low"

EVENT_TYPES: tuple[str, ...] = (
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_CONFIRMED,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_CANCELLED,
    ORDER_EXPIRED,
    ORDER_REFUNDED,
    RETURN_REQUESTED,
    RETURN_APPROVED,
    RETURN_REJECTED,
    RETURN_RECEIVED,
    RETURN_REFUNDED,
    RETURN_EXCHANGED,
    STOCK_LOW,
)
# "*" is every type; "order.*", "return.*", "stock.*" every type of that group.
GROUPS = tuple(sorted({t.partition(".")[0] for t in EVENT_TYPES}))
WILDCARDS = ("*", *(f"{group}.*" for group in GROUPS))

# The order status a move ends in -> the event it is. Other moves (preparing, packed,
# a card order's pending_payment -> awaiting_confirmation) are no event: order.paid
# already says a payment arrived.
_ORDER_MOVES = {
    OrderStatus.CONFIRMED: ORDER_CONFIRMED,
    OrderStatus.SHIPPED: ORDER_SHIPPED,
    OrderStatus.DELIVERED: ORDER_DELIVERED,
    OrderStatus.CANCELLED: ORDER_CANCELLED,
    OrderStatus.EXPIRED: ORDER_EXPIRED,
}
PAID_KIND = "paid"  # the timeline event every path that records a payment writes
REFUNDED_KIND = "refunded"  # and every path that gives an order's money back

# After the first attempt fails, the next ones wait this long (Svix's schedule, the
# reference implementation's, with a minute instead of 5 s first): 8 attempts over
# about 28 hours, so a receiver down for a day still gets everything.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# An endpoint whose every attempt failed for this long is disabled (the admins are
# told). Time rather than a count: a count of failures grows with the shop's traffic,
# so a busy shop would lose an endpoint to a minute's outage.
DISABLE_AFTER = timedelta(hours=24)
# After a rotation, messages are signed with the old secret too for this long, so the
# receiver can switch to the new secret without losing messages.
ROTATION_GRACE = timedelta(hours=24)
TIMEOUT_SECONDS = 10.0
RESPONSE_EXCERPT = 300  # characters of a receiver's answer kept in the delivery log
MAX_URL_LENGTH = 2000


class InvalidWebhook(DomainError):
    """An endpoint that can't be registered: `problem` is "url" (not an absolute
    http(s) URL), "private_address" (`host` is this machine or a private network, and
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is off), "events" (none given) or "unknown_event"
    (`event` names it)."""

    code = "invalid_webhook"


class WebhookNotFound(DomainError):
    code = "webhook_not_found"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # a sender holds it until lease_until
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every attempt failed (MAX_ATTEMPTS), or its endpoint was removed


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL as given, if it is an absolute http or https URL with a host; unless
    allow_private, a host that is this machine or a private network (an IP literal that
    is not public, "localhost") is refused as problem "private_address". A name is
    checked again, resolved, by the sender at every attempt (`is_public_address`)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise InvalidWebhook(problem="url", url=url[:200]) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or len(url) > MAX_URL_LENGTH
        or any(ch.isspace() for ch in url)
    ):
        raise InvalidWebhook(problem="url", url=url[:200])
    if not allow_private and not host_may_be_public(parts.hostname):
        raise InvalidWebhook(problem="private_address", host=parts.hostname[:200])
    return url


# Names that are this machine whatever DNS says (RFC 6761 and common /etc/hosts lines).
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def host_may_be_public(host: str) -> bool:
    """False for a host that is surely not on the public internet: an IP literal that is
    not public (IPv4's old forms too: "127.1", "2130706433", "0x7f.0.0.1") or a name of
    this machine. A name may still resolve to a private address: the sender checks."""
    host = host.strip("[]").rstrip(".").lower()
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return False
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        try:  # what the resolver would read as an IPv4 address
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return True  # a name
    return is_public_address(address)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether messages may go to this address: a global unicast one. Refused: loopback,
    private (RFC 1918, fc00::/7), link-local (169.254/16 with the clouds' metadata
    service, fe80::/10), shared (100.64/10), unspecified, reserved, documentation,
    multicast and broadcast; an IPv6 address embedding an IPv4 one is judged by it."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not address.is_multicast


def clean_text(text: str) -> str:
    """Text fit for the delivery log and any database: control characters (NUL among
    them, which PostgreSQL refuses in text) and lone surrogates dropped, newline and tab
    kept."""
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def parse_events(names: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The event filter an endpoint keeps: known types and wildcards, deduplicated, in
    the order given. "order.created,order.shipped" or a list of names."""
    if isinstance(names, str):
        names = names.split(",")
    chosen: list[str] = []
    for name in (n.strip().lower() for n in names):
        if not name:
            continue
        if name not in EVENT_TYPES and name not in WILDCARDS:
            raise InvalidWebhook(problem="unknown_event", event=name[:60])
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise InvalidWebhook(problem="events")
    return tuple(chosen)


def subscribed(events: tuple[str, ...], event_type: str) -> bool:
    """Whether a filter takes this type ("*", the type's "group.*", or the type)."""
    group = event_type.partition(".")[0]
    return "*" in events or event_type in events or f"{group}.*" in events


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes them: "whsec_" and 32 random bytes
    in base64 (the spec asks for 24 to 64 bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    """The webhook-id of an event's messages: the same on every retry and to every
    endpoint, so a receiver can drop a repeat."""
    return "msg_" + secrets.token_hex(12)


def retry_delay(attempts_made: int) -> timedelta | None:
    """How long to wait after `attempts_made` failed attempts; None: no more tries."""
    if attempts_made < 1 or attempts_made > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts_made - 1]


# What each event says ("data" of the message). Money in minor units with its currency,
# as everywhere in the shop. No personal data of the customer and no text a person typed
# (a cancellation's or a return's reason, a merchant's note): the API gives those to the
# systems allowed to read them, and forgetting a customer (core/services/privacy.py)
# erases them, which it could not do in messages already sent or waiting here.


def _order_data(order: Order) -> dict:
    return {
        "code": order.code,
        "status": str(order.status),
        "payment_method": str(order.payment_method),
        "shipping_method": order.shipping_method,
        "paid": order.paid,
        "currency": order.currency,
        "subtotal": order.subtotal.amount,
        "tax": order.tax.amount,
        "shipping_fee": order.shipping_fee.amount,
        "total": order.total.amount,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price.amount,
            }
            for line in order.lines
        ],
        "created_at": order.created_at.isoformat(),
    }


def order_event(order: Order, event: OrderEvent) -> tuple[str, dict] | None:
    """The webhook event an order's timeline event is (type, data), or None."""
    if event.from_status is None and event.to_status is not None:
        event_type = ORDER_CREATED  # checkout, or an order taken by phone
    elif event.kind == PAID_KIND:
        event_type = ORDER_PAID
    elif event.kind == REFUNDED_KIND:
        event_type = ORDER_REFUNDED
    elif event.to_status is not None and event.to_status != event.from_status:
        found = _ORDER_MOVES.get(OrderStatus(event.to_status))
        if found is None:
            return None
        event_type = found
    else:
        return None
    data = _order_data(order)
    data["status"] = event.to_status or str(order.status)
    if event.from_status is not None:
        data["previous_status"] = event.from_status
    if event_type == ORDER_PAID:
        data["paid"] = True
        data["amount"] = event.data.get("amount", order.total.amount)
        data["provider"] = event.data.get("provider", "")
    elif event_type == ORDER_REFUNDED:
        data["amount"] = event.data.get("amount", 0)
    elif event_type == ORDER_SHIPPED:
        data["carrier"] = event.data.get("carrier", "")
        data["tracking_number"] = event.data.get("tracking", "")
    elif event_type == ORDER_CANCELLED:
        data["cancelled_by"] = event.actor.partition(":")[0]  # customer, merchant, system
    elif event_type == ORDER_EXPIRED:
        # Why the timer ran out: "unconfirmed" (nobody confirmed it), else unpaid.
        data["reason"] = str(event.data.get("reason", "unpaid"))
    return event_type, data


def return_event(
    request: ReturnRequest, order_code: str, frm: str | None, to: str
) -> tuple[str, dict]:
    """The webhook event of a return reaching status `to` (type, data)."""
    data: dict = {
        "id": request.id,
        "order_code": order_code,
        "status": to,
        "resolution": str(request.resolution),
        "refund_amount": request.refund_amount,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                **({"sellable": line.sellable} if line.sellable is not None else {}),
                **({"replacement": line.replacement_name} if line.replacement_id else {}),
            }
            for line in request.lines
        ],
    }
    if frm is not None:
        data["previous_status"] = frm
    return f"return.{to}", data


def stock_low_event(low: StockLow) -> tuple[str, dict]:
    return STOCK_LOW, {
        "sku": low.sku,
        "name": low.name,
        "available": low.available,
        "threshold": low.threshold,
    }


def message_body(event_type: str, occurred_at: datetime, data: dict) -> str:
    """The JSON body every endpoint gets, as the spec shapes it: type, timestamp, data."""
    return json.dumps(
        {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where events go: a URL, the types it takes, the secret its messages are signed
    with (and, for ROTATION_GRACE after a rotation, the previous one too)."""

    id: int
    url: str
    events: tuple[str, ...]
    secret: str
    enabled: bool
    created_at: datetime
    description: str = ""
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    failure_streak: int = 0  # attempts failed in a row (a success resets it)
    failing_since: datetime | None = None  # the first of those failures
    disabled_at: datetime | None = None
    disabled_reason: str = ""

    def wants(self, event_type: str) -> bool:
        return subscribed(self.events, event_type)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a message is signed with now: the current one, and the previous
        one while its grace period lasts."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def failing_too_long(self, now: datetime) -> bool:
        return self.failing_since is not None and now - self.failing_since >= DISABLE_AFTER


@dataclass(frozen=True)
class WebhookDelivery:
    """One event for one endpoint, and how sending it went so far."""

    id: int
    endpoint_id: int
    event_id: int
    event_type: str
    msg_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str = ""


@dataclass(frozen=True)
class DeliveryAttempt:
    """One try at sending a delivery: the delivery log's line."""

    id: int
    delivery_id: int
    endpoint_id: int
    event_type: str
    msg_id: str
    attempt: int  # 1 for the first try
    at: datetime
    ok: bool
    status_code: int | None  # None: no answer (network error, timeout)
    response: str  # the start of the receiver's answer, or the error
    duration_ms: int


@dataclass(frozen=True)
class DueDelivery:
    """A delivery a sender claimed: everything needed to send it once."""

    id: int
    endpoint_id: int
    url: str
    secrets: tuple[str, ...]
    msg_id: str
    event_type: str
    occurred_at: datetime
    data: dict
    attempts: int  # made before this one
    lease_until: datetime

    @property
    def body(self) -> str:
        return message_body(self.event_type, self.occurred_at, self.data)


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP attempt gave: ok is a 2xx answer."""

    ok: bool
    status_code: int | None
    response: str
    duration_ms: int
