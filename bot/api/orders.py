"""Orders: the list (filters, cursor pages), one order with its timeline, the admin
chat's moves on it (confirm, reject, prepare, pack, ship, deliver, cancel, mark paid,
refund) and its shipping label. Each move calls the service the admin chat calls, as
the key's merchant actor; the answer is the order after it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, AwareDatetime, Field

from bot.api.auth import Caller, scoped
from bot.api.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from bot.api.problems import Problem, translator
from bot.api.schemas import MoneyOut, Strict
from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.customers import Address
from core.domain.money import Money
from core.domain.orders import Order, OrderEvent, OrderStatus, PaymentMethod
from core.domain.payments import Payment, PaymentStatus
from core.domain.phone_orders import MAX_NOTE, OrderSource, PhoneOrderRequest
from core.domain.shipments import Shipment
from core.services import documents, orders, payments, phone_orders, shipping
from core.services.orders import OrderDetails, OrderQuery
from handlers.i18n import Translator, accepted_locale

router = APIRouter(prefix="/orders", tags=["orders"])

CODE = Path(
    min_length=1,
    max_length=20,
    pattern=r"^[A-Za-z0-9 -]+$",
    description="The order's code: PED-7K3FQ (7K3FQ and ped-7k3fq name it too).",
)
MAX_ID = 2**31 - 1  # the database's integer ids
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text can't hold a NUL character


def _utc(value: datetime) -> datetime:
    """Any offset, read as UTC; a moment outside the years 1-9999 is refused (422)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


Moment = Annotated[AwareDatetime, AfterValidator(_utc)]


# --- What is answered ---


class CustomerRef(Strict):
    id: int
    name: str = Field(description="The name the order was placed with.")
    phone: str


class LineOut(Strict):
    sku: str
    name: str
    quantity: int
    unit_price: MoneyOut
    total: MoneyOut
    weight_g: int


class TotalsOut(Strict):
    subtotal: MoneyOut
    tax: MoneyOut
    shipping_fee: MoneyOut
    total: MoneyOut


class AddressOut(Strict):
    street: str
    neighbourhood: str
    city: str
    state: str
    postal_code: str
    country: str
    references: str
    latitude: float | None = Field(description="A shared location's pin, if any.")
    longitude: float | None

    @classmethod
    def of(cls, address: dict[str, Any]) -> AddressOut:
        def text(key: str) -> str:
            return str(address.get(key) or "")

        def number(key: str) -> float | None:
            value = address.get(key)
            return float(value) if isinstance(value, int | float) else None

        return cls(
            street=text("street"),
            neighbourhood=text("neighbourhood"),
            city=text("city"),
            state=text("state"),
            postal_code=text("postal_code"),
            country=text("country"),
            references=text("references"),
            latitude=number("latitude"),
            longitude=number("longitude"),
        )


class PaymentOut(Strict):
    method: str
    status: PaymentStatus
    amount: MoneyOut
    refunded: MoneyOut
    provider: str = Field(description='"manual", "cash", a payment provider, or "".')

    @classmethod
    def of(cls, p: Payment) -> PaymentOut:
        return cls(
            method=p.method,
            status=p.status,
            amount=MoneyOut.of(p.amount),
            refunded=MoneyOut.of(p.refunded),
            provider=p.provider,
        )


class ShipmentOut(Strict):
    carrier_code: str
    carrier_name: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, s: Shipment) -> ShipmentOut:
        return cls(
            carrier_code=s.carrier_code,
            carrier_name=s.carrier_name,
            tracking_number=s.tracking_number,
            tracking_url=s.tracking_url,
            shipped_at=s.shipped_at,
            delivered_at=s.delivered_at,
        )


class EventOut(Strict):
    at: datetime
    actor: str = Field(description='Who: "customer:12", "merchant:telegram:42", "system"…')
    kind: str = Field(description="placed, confirmed, shipped, paid, refunded, cancelled…")
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, e: OrderEvent) -> EventOut:
        return cls(
            at=e.at,
            actor=e.actor,
            kind=e.kind,
            from_status=e.from_status,
            to_status=e.to_status,
            data=dict(e.data or {}),
        )


class OrderSummary(Strict):
    code: str
    status: OrderStatus
    awaiting_payment: bool = Field(
        description="A transfer or card order the shop waits to be paid for: it can't be "
        "confirmed, prepared, packed or shipped until paid (or confirmed without payment)."
    )
    paid: bool
    customer: CustomerRef
    total: MoneyOut
    items: int = Field(description="Units in all.")
    payment_method: PaymentMethod
    shipping_method: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def fields_of(o: Order) -> dict[str, Any]:
        return {
            "code": o.code,
            "status": o.status,
            "awaiting_payment": o.awaits_payment,
            "paid": o.paid,
            "customer": CustomerRef(id=o.customer_id, name=o.customer_name, phone=o.phone),
            "total": MoneyOut.of(o.total),
            "items": sum(line.quantity for line in o.lines),
            "payment_method": o.payment_method,
            "shipping_method": o.shipping_method,
            "created_at": o.created_at,
            "updated_at": o.updated_at,
        }

    @classmethod
    def of(cls, o: Order) -> OrderSummary:
        return cls(**cls.fields_of(o))


class OrderOut(OrderSummary):
    lines: list[LineOut]
    totals: TotalsOut
    address: AddressOut
    payments: list[PaymentOut]
    shipment: ShipmentOut | None
    expires_at: datetime | None = Field(
        description="When its reservation is released if not paid or confirmed by then."
    )
    cancel_reason: str
    rating: int | None
    rating_comment: str
    return_ids: list[int] = Field(description="Its returns: GET /v1/returns/{id}.")
    timeline: list[EventOut] = Field(description="Everything that happened to it, oldest first.")

    @classmethod
    def of_details(cls, d: OrderDetails) -> OrderOut:
        o = d.order
        return cls(
            **{**cls.fields_of(o), "paid": d.paid},
            lines=[
                LineOut(
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=MoneyOut.of(line.unit_price),
                    total=MoneyOut.of(line.total),
                    weight_g=line.weight_g,
                )
                for line in o.lines
            ],
            totals=TotalsOut(
                subtotal=MoneyOut.of(o.subtotal),
                tax=MoneyOut.of(o.tax),
                shipping_fee=MoneyOut.of(o.shipping_fee),
                total=MoneyOut.of(o.total),
            ),
            address=AddressOut.of(o.address or {}),
            payments=[PaymentOut.of(p) for p in d.payments],
            shipment=ShipmentOut.of(d.shipment) if d.shipment else None,
            expires_at=o.expires_at,
            cancel_reason=o.cancel_reason,
            rating=o.rating,
            rating_comment=o.rating_comment,
            return_ids=[r.id for r in d.returns if r.id is not None],
            timeline=[EventOut.of(e) for e in d.timeline],
        )


# --- What is asked ---


class Reason(Strict):
    reason: str = Field(
        min_length=1, max_length=500, pattern=NO_NUL, description="The customer reads it."
    )


class ShipBody(Strict):
    carrier: str = Field(
        min_length=2,
        max_length=32,
        pattern=r"^[A-Za-z0-9_]+$",
        description="A carrier's code: GET /v1/carriers (dhl, estafeta…).",
    )
    tracking_number: str = Field(
        min_length=1, max_length=60, pattern=NO_NUL, description="6-40 letters, digits or -."
    )


class RefundBody(Strict):
    amount: int | None = Field(
        None,
        ge=1,
        le=10**12,
        description="Integer minor units; left out: all that the payment can still give back.",
    )


class LineIn(Strict):
    sku: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class AddressIn(Strict):
    street: str = Field(min_length=1, max_length=200, pattern=NO_NUL, description="And number.")
    neighbourhood: str = Field("", max_length=200, pattern=NO_NUL)
    city: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    state: str = Field("", max_length=100, pattern=NO_NUL)
    postal_code: str = Field(min_length=1, max_length=20, pattern=NO_NUL)
    references: str = Field("", max_length=500, pattern=NO_NUL, description="For the courier.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)

    def address(self) -> Address:
        return Address(**self.model_dump())


class OrderIn(Strict):
    phone: str = Field(
        min_length=1,
        max_length=40,
        pattern=NO_NUL,
        description="The customer's number, any common way of writing it. A customer "
        "who chats with the shop from it on WhatsApp (a number the platform verified) gets "
        "the confirmation there and can track it; anyone else gets a customer record with "
        "no chat, unless customer_id names them.",
    )
    customer_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The customer the order is for, when you know who it is (a chat "
        "customer: the confirmation goes to their chat). A phone typed at a chat checkout "
        "is never taken as proof of who someone is: name them here. 404 "
        "`customer_not_found` when there is no such customer.",
    )
    name: str = Field(
        "",
        max_length=200,
        pattern=NO_NUL,
        description="Who receives it; may be left out when the phone names a known customer.",
    )
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    shipping_method: str = Field(
        min_length=1,
        max_length=20,
        pattern=NO_NUL,
        description="One of the shop's shipping methods (SHIPPING_METHODS), pickup included "
        "when it offers it.",
    )
    payment_method: PaymentMethod
    address: AddressIn | None = Field(None, description="Required unless picked up.")
    note: str = Field("", max_length=MAX_NOTE, pattern=NO_NUL, description="On its timeline.")


# --- Routes ---


@router.get(
    "",
    response_model=Page[OrderSummary],
    summary="List orders, newest first",
    description="Filters combine (all must hold). Pages follow `next_cursor`; an order "
    "placed meanwhile never makes a later page repeat or skip one.",
)
async def list_orders(
    caller: Caller = Depends(scoped("orders:read")),
    status: list[OrderStatus] | None = Query(None, description="Any of these statuses."),
    awaiting_payment: bool = Query(False, description="Only those the shop waits to be paid."),
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
    created_from: Moment | None = Query(None, description="Placed at or after (RFC 3339)."),
    created_to: Moment | None = Query(None, description="Placed before (RFC 3339)."),
    q: str | None = Query(
        None,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9 +().-]+$",
        description="An order code, or the phone number the order was placed with.",
    ),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[OrderSummary]:
    if created_from and created_to and created_from > created_to:
        raise Problem("invalid_request", detail="created_from is after created_to")
    query = OrderQuery(
        statuses=frozenset(status) if status else None,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        text=q or "",
        awaiting_payment=awaiting_payment,
    )
    found = await orders.orders_page(
        caller.shop, caller.actor, query, limit=limit + 1, before=_position(cursor)
    )
    page = found[:limit]
    last = page[-1] if page else None
    more = len(found) > limit and last is not None
    return Page[OrderSummary](
        items=[OrderSummary.of(o) for o in page],
        next_cursor=encode_cursor({"at": last.created_at.isoformat(), "id": last.id})
        if more and last
        else None,
    )


@router.post(
    "",
    response_model=OrderOut,
    status_code=201,
    summary="Place an order taken elsewhere (by phone, at the counter, another system)",
)
async def place_order(body: OrderIn, caller: Caller = Depends(scoped("orders:write"))) -> OrderOut:
    """The stock is reserved as at any checkout (409 `out_of_stock` names each short
    line, and nothing is reserved). Cash on delivery is confirmed at once; a bank
    transfer waits for its payment (mark-paid); a card only for a customer who chats
    with the shop (they pay its link there)."""
    request = PhoneOrderRequest(
        phone=body.phone,
        name=body.name,
        lines=tuple((line.sku, line.quantity) for line in body.lines),
        shipping_method=body.shipping_method,
        payment_method=body.payment_method,
        address=body.address.address() if body.address else None,
        source=OrderSource.API,
        note=body.note,
        customer_id=body.customer_id,
    )
    order = await phone_orders.place_order_for_customer(caller.shop, caller.actor, request)
    return await _answer(caller, order.code)


def _position(cursor: str | None) -> tuple[datetime, int] | None:
    """The (created_at, id) after which the page starts; a cursor we did not make: 422."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        at = datetime.fromisoformat(position["at"])
        order_id = position["id"]
        if at.tzinfo is None or not isinstance(order_id, int) or not 0 < order_id <= MAX_ID:
            raise ValueError
        return at.astimezone(UTC), order_id
    except (KeyError, TypeError, ValueError, OverflowError):
        raise Problem("invalid_request", detail="cursor") from None


async def _answer(caller: Caller, code: str) -> OrderOut:
    return OrderOut.of_details(await orders.order_details(caller.shop, code, caller.actor))


@router.get("/{code}", response_model=OrderOut, summary="One order, with its timeline")
async def get_order(code: str = CODE, caller: Caller = Depends(scoped("orders:read"))) -> OrderOut:
    return await _answer(caller, code)


@router.get(
    "/{code}/label.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A 4x6 in PDF."}},
    summary="The order's shipping label (PDF)",
)
async def label(
    request: Request, code: str = CODE, caller: Caller = Depends(scoped("orders:read"))
) -> Response:
    details = await orders.order_details(caller.shop, code, caller.actor)
    # reportlab loads with the first label, as in the admin chat.
    from handlers.admin.label import shipping_label

    pdf = shipping_label(caller.shop, translator(request), details, caller.shop.now())
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'},
    )


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get(
    "/{code}/packing-slip.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A PDF."}},
    summary="The order's packing slip (PDF)",
)
async def packing_slip(
    request: Request, code: str = CODE, caller: Caller = Depends(scoped("orders:read"))
) -> Response:
    """SKUs, names and quantities with a checkbox each, the shipping method and the
    phone order's note; the customer by first name and city only (docs/documents.md)."""
    details = await documents.packing_slip(caller.shop, caller.actor, code)
    from handlers.documents.packing_slip import packing_slip as draw  # reportlab: on use

    pdf = draw(caller.shop, translator(request), details)
    return _pdf(pdf.content, pdf.filename)


@router.get(
    "/{code}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A PDF."}},
    summary="The customer's receipt (PDF)",
)
async def receipt(
    request: Request, code: str = CODE, caller: Caller = Depends(scoped("orders:read"))
) -> Response:
    """In the language Accept-Language asks for, else the customer's. An order that
    expired, or was cancelled before anything was paid, has none: 409
    `no_receipt`."""
    source = await documents.receipt(caller.shop, caller.actor, code)
    from handlers.documents.receipt import receipt as draw

    settings = caller.shop.settings
    language = (
        accepted_locale(request.headers.get("accept-language", ""))
        or source.locale
        or settings.default_locale
    )
    pdf = draw(caller.shop, Translator(language, settings.store_country), source.details)
    return _pdf(pdf.content, pdf.filename)


WRITE = Depends(scoped("orders:write"))


@router.post("/{code}/confirm", response_model=OrderOut, summary="Confirm the order")
async def confirm(code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """A transfer or card order is confirmed only once paid: 409 `payment_required`."""
    order = await orders.confirm_order(caller.shop, caller.actor, code)
    return await _answer(caller, order.code)


@router.post(
    "/{code}/confirm-without-payment",
    response_model=OrderOut,
    summary="Go on without the payment",
)
async def confirm_without_payment(code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """Confirm a transfer or card order before its payment arrived (or let one past
    confirmation go on without it); the timeline records it."""
    order = await orders.confirm_without_payment(caller.shop, caller.actor, code)
    return await _answer(caller, order.code)


@router.post("/{code}/reject", response_model=OrderOut, summary="Reject the order")
async def reject(body: Reason, code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """Only awaiting confirmation; the stock is released and the customer told why."""
    order = await orders.reject_order(caller.shop, caller.actor, code, body.reason)
    return await _answer(caller, order.code)


@router.post("/{code}/prepare", response_model=OrderOut, summary="Start preparing it")
async def prepare(code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    order = await orders.start_preparing(caller.shop, caller.actor, code)
    return await _answer(caller, order.code)


@router.post("/{code}/pack", response_model=OrderOut, summary="Mark it packed")
async def pack(code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """Its label: GET /v1/orders/{code}/label.pdf."""
    order = await orders.mark_packed(caller.shop, caller.actor, code)
    return await _answer(caller, order.code)


@router.post("/{code}/ship", response_model=OrderOut, summary="Hand it to a carrier")
async def ship(body: ShipBody, code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """The stock leaves the shelf and the customer gets the tracking link."""
    order, _ = await shipping.ship_order(
        caller.shop, caller.actor, code, body.carrier.lower(), body.tracking_number
    )
    return await _answer(caller, order.code)


@router.post("/{code}/deliver", response_model=OrderOut, summary="Mark it delivered")
async def deliver(code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """Cash on delivery is recorded as paid; the customer is asked to rate it."""
    order = await orders.mark_delivered(caller.shop, caller.actor, code)
    return await _answer(caller, order.code)


@router.post("/{code}/cancel", response_model=OrderOut, summary="Cancel the order")
async def cancel(body: Reason, code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """Before it ships: the stock is released, and what was paid is refunded."""
    order = await orders.cancel_order(caller.shop, caller.actor, code, body.reason)
    return await _answer(caller, order.code)


@router.post("/{code}/mark-paid", response_model=OrderOut, summary="Record its payment")
async def mark_paid(code: str = CODE, caller: Caller = WRITE) -> OrderOut:
    """The cash or the bank transfer arrived (the admin chat's /pagado). An order
    already paid records nothing."""
    outcome = await payments.record_manual_payment(caller.shop, caller.actor, code)
    return await _answer(caller, outcome.order.code)


@router.post("/{code}/refund", response_model=OrderOut, summary="Refund (part of) it")
async def refund(
    body: RefundBody | None = None, code: str = CODE, caller: Caller = WRITE
) -> OrderOut:
    """Recorded against its payment and told to the customer; money a payment link took
    goes back through its provider. An unpaid order: 403 `not_allowed`; more than is
    left: 409 `refund_too_large`."""
    amount = body.amount if body else None
    money = (
        Money(amount, caller.shop.currency)
        if amount is not None
        else await orders.refundable(caller.shop, caller.actor, code)
    )
    await payments.refund_order(caller.shop, caller.actor, code, money)
    return await _answer(caller, code)
