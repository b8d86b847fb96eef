"""Orders the merchant takes for a customer outside the chat (by phone, at the counter,
or from another system through the REST API), reserved and recorded like a checkout.

    order = await place_order_for_customer(shop, actor, PhoneOrderRequest(
        phone="55 1234 5678", name="Ana López",
        lines=(("GORRA-AZ", 2), ("TAZA-01", 1)),
        shipping_method="standard", payment_method="cash_on_delivery",
        address=Address("Calle 5 #12", city="Monterrey", state="Nuevo León",
                        postal_code="64000"),
        source=OrderSource.PHONE,
    ))

The actor must be an admin (`require_admin`: NotAllowed otherwise, nothing changes).
The customer is the one the request names (`customer_id`), else the phone's
(`customer_for_phone`): a chat whose platform verified that number (WhatsApp) gets the
order in their chat (the confirmation through the outbox, "/rastrear" finds it); for any
other number an offline customer record is made (or reused), which becomes the person's
chat identity when they first write from WhatsApp with that number. A phone someone
typed at a chat checkout links nothing by itself (anyone can type anyone's number): it
is only offered to the merchant (`PhoneCustomer.gave_it`), who may name that customer.

A request with its own `code` is placed once: placing it again (the admin chat's Confirm
pressed again after a crash before its conversation was saved) returns the order
already placed with that code, with nothing reserved or sent a second time.

Stock is reserved in the same transaction with the guarded UPDATE checkout uses
(`checkout.record_order`): a line short of stock is refused with OutOfStock naming the
SKU and what is available, and nothing is reserved. Cash on delivery goes straight on
to confirmed (the merchant took it: the legal awaiting_confirmation -> confirmed move,
by the merchant); a transfer waits for its payment (`/pagado`) as a chat's does; a card
waits for the customer's payment link like a chat's card order.

Errors (all DomainError, nothing written): NotAllowed; InvalidPhone; EmptyCart (no
lines); InvalidQuantity (data: sku, quantity, maximum); ProductNotFound (data: sku, the
first unknown, and skus: all of them); ProductInactive (sku, name); OutOfStock
(shortages); UnknownShippingMethod; UnknownPaymentMethod; PaymentMethodUnavailable;
MissingCheckoutDetails (missing: "name", "street", "city", "postal_code");
CustomerNotFound (the customer_id names nobody, or a forgotten customer).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from core.domain.actors import Actor
from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.customers import Address, Customer
from core.domain.errors import (
    EmptyCart,
    InvalidQuantity,
    MissingCheckoutDetails,
    OutOfStock,
    ProductInactive,
    ProductNotFound,
    StockShortage,
)
from core.domain.events import OrderTaken
from core.domain.orders import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    normalize_order_code,
)
from core.domain.outbox import OutboxMessage
from core.domain.phone_orders import (
    MAX_NOTE,
    PHONE_CHANNEL,
    PICKUP,
    InvalidPhone,
    PaymentMethodUnavailable,
    PhoneOrderRequest,
    merged_lines,
    offline_key,
)
from core.domain.phones import clean_phone, international_ids
from core.domain.pricing import Totals, compute_totals
from core.domain.shipping_zones import Destination
from core.domain.stockouts import StockoutSource
from core.services import stockouts
from core.services.checkout import chosen_methods, priced_order, record_order
from core.services.context import Shop, require_admin, retry_on_conflict
from core.services.privacy import CustomerNotFound
from core.store.uow import SqlUnitOfWork

ACTION = "place_order_for_customer"


@dataclass(frozen=True)
class PhoneCustomer:
    """Who a phone number names: the cleaned number, the customer it finds (None: a new
    offline record will be made), and the name to use when none is given.

    gave_it: a chat customer who last ordered giving this number at a checkout (with
    that order's name in gave_it_name), when the number names no chat itself. A typed
    number proves nothing, so they are never linked by it: the merchant may choose to
    send the order to their chat (`PhoneOrderRequest.customer_id`)."""

    phone: str
    customer: Customer | None
    name: str
    gave_it: Customer | None = None
    gave_it_name: str = ""

    @property
    def in_chat(self) -> bool:
        """The customer has a chat: they are told and can track the order there."""
        return self.customer is not None and not self.customer.offline


@dataclass(frozen=True)
class OrderQuote:
    """What an order would be, priced now (nothing reserved): for the summary the
    merchant confirms."""

    who: PhoneCustomer
    lines: list[OrderLine]
    totals: Totals
    method: PaymentMethod


def clean_request_phone(shop: Shop, phone: str) -> str:
    """The number written one way; InvalidPhone when it is not one of the country's."""
    cleaned = clean_phone(" ".join(phone.split()), shop.settings.store_country)
    if cleaned is None:
        raise InvalidPhone(phone=phone[:40])
    return cleaned


async def customer_for_phone(shop: Shop, actor: Actor, phone: str) -> PhoneCustomer:
    """Who the number names (admins only): see PhoneCustomer."""
    cleaned = clean_request_phone(shop, phone)
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, ACTION)
        return await _find(shop, uow, cleaned, offer=True)


async def _find(
    shop: Shop,
    uow: SqlUnitOfWork,
    phone: str,
    customer_id: int | None = None,
    *,
    offer: bool = False,
) -> PhoneCustomer:
    """The customer the merchant named; else the person's chat where the platform
    verified the number (WhatsApp), then the offline record made for it before. Only
    those: a chat customer who typed the number at a checkout is offered (gave_it),
    never chosen, or whoever types a victim's number would get the victim's orders
    (looked up only with offer, for the merchant's summary)."""
    if customer_id is not None:
        chosen = await uow.customers.get(customer_id)
        if chosen is None or chosen.forgotten:
            raise CustomerNotFound(reference=str(customer_id))
        return PhoneCustomer(phone, chosen, chosen.name)
    found = await uow.customers.known_as_phone(shop.channels.phone_ids, international_ids(phone))
    if found is not None:
        return PhoneCustomer(phone, found, found.name)
    offline = await uow.customers.find(PHONE_CHANNEL, offline_key(phone))
    ordered = await uow.customers.latest_ordering_with_phone(phone) if offer else None
    gave_it, gave_it_name = ordered if ordered is not None else (None, "")
    return PhoneCustomer(
        phone, offline, offline.name if offline else "", gave_it, gave_it_name or ""
    )


async def quote_order_for_customer(
    shop: Shop, actor: Actor, request: PhoneOrderRequest
) -> OrderQuote:
    """The order as it would be placed now, with every check placing makes (the same
    errors), and nothing written."""
    try:
        async with shop.uow(write=False) as uow:
            await require_admin(uow, actor, ACTION)
            phone, method, address = _checked(shop, request)
            who = await _find(shop, uow, phone, request.customer_id)
            _check_card(shop, method, who)
            name = _name(request, who)
            lines = await _lines(uow, request)
    except OutOfStock as refused:  # the merchant tells the customer: a stockout
        await stockouts.record(shop, StockoutSource.PHONE_ORDER, refused.shortages)
        raise
    totals = compute_totals(
        [line.total for line in lines],
        shop.policy,
        request.shipping_method,
        Destination.of(address.as_dict()),
    )
    return OrderQuote(PhoneCustomer(phone, who.customer, name), lines, totals, method)


async def place_order_for_customer(shop: Shop, actor: Actor, request: PhoneOrderRequest) -> Order:
    """Place the order for the customer the phone names, its stock reserved (see the
    module's docstring for the rules and the errors). Returns the order as recorded.
    A line short of stock is a stockout (core/services/stockouts.py)."""
    try:
        try:
            return await _place(shop, actor, request)
        except NewCustomerRace:
            # Two orders for a new number at once: the other made its offline record
            # first. Placing again finds it (this transaction rolled back: nothing kept).
            return await _place(shop, actor, request)
    except OutOfStock as refused:  # rolled back: the stockout is written on its own
        await stockouts.record(shop, StockoutSource.PHONE_ORDER, refused.shortages)
        raise


class NewCustomerRace(Exception):
    """Another transaction made the offline customer for this number first."""


# A clash of the random order code (OrderCodeTaken) draws a new one; with the request's
# own code, the run again finds the order placed with it (the same request placed twice
# at once) or, when another order has it, draws a new one.
@retry_on_conflict
async def _place(shop: Shop, actor: Actor, request: PhoneOrderRequest) -> Order:
    now = shop.now()
    async with shop.uow() as uow:
        await require_admin(uow, actor, ACTION)
        phone, method, address = _checked(shop, request)
        if request.code:
            # First, before the stock (this very order may have taken the last units):
            # placed already with this code, it is the answer; nothing is done again.
            placed = await uow.orders.get(code=request.code)
            if placed is not None and _same_order(placed, phone, request):
                return placed
            if placed is not None:  # another order drew this code by chance
                request = replace(request, code="")
        who = await _find(shop, uow, phone, request.customer_id)
        _check_card(shop, method, who)
        name = _name(request, who)
        lines = await _lines(uow, request)
        customer = who.customer or await _new_offline(uow, phone, name, now)
        order = priced_order(
            shop,
            customer_id=customer.id,
            lines=lines,
            shipping_method=request.shipping_method,
            address=address,
            method=method,
            name=name,
            phone=phone,
            actor=actor,
            now=now,
            source=str(request.source),
            note=" ".join(request.note.split())[:MAX_NOTE],
        )
        if request.code:
            order.code = request.code  # unique: a second placement meets the first
        if method is PaymentMethod.CASH_ON_DELIVERY:
            # The merchant took it: confirmed as they would confirm a chat's order
            # (awaiting_confirmation -> confirmed, a merchant's move). A transfer
            # or a card waits for its money, as a chat's does (NEEDS_PAYMENT).
            order.move_to(OrderStatus.CONFIRMED, actor, now, str(OrderStatus.CONFIRMED))
        await record_order(uow, order, actor, now)
        uow.notify(
            OutboxMessage.to_customer(
                customer.id,
                OrderTaken(
                    order.code,
                    order.total.amount,
                    order.currency,
                    method,
                    order.status,
                    pickup=request.shipping_method == PICKUP,
                ),
                f"{order.code}:order_taken",
            )
        )
        await uow.commit(now)
    return order


def _same_order(placed: Order, phone: str, request: PhoneOrderRequest) -> bool:
    """The order placed with the request's code is this request's: the same number and
    the same lines (its code was drawn for this request, so only a chance clash with
    another order differs)."""
    wanted = sorted((sku.casefold(), qty) for sku, qty in merged_lines(request.lines))
    lines = sorted((line.sku.casefold(), line.quantity) for line in placed.lines)
    return placed.phone == phone and lines == wanted


async def _new_offline(uow: SqlUnitOfWork, phone: str, name: str, now: datetime) -> Customer:
    try:
        customer = Customer(0, PHONE_CHANNEL, offline_key(phone), name=name, phone=phone)
        return await uow.customers.add(customer, now)
    except IntegrityError as error:  # uq_customers_identity
        raise NewCustomerRace() from error


def _checked(shop: Shop, request: PhoneOrderRequest) -> tuple[str, PaymentMethod, Address]:
    """The request's phone, payment method and address as the order keeps them."""
    phone = clean_request_phone(shop, request.phone)
    if request.code and normalize_order_code(request.code) != request.code:
        raise ValueError(f"not an order code: {request.code!r}")  # drawn by the caller
    method = chosen_methods(shop, request.shipping_method, request.payment_method)
    address = request.address or Address("")
    if request.shipping_method == PICKUP:
        return phone, method, address
    if missing := address.missing_for_label():  # the label needs them, as at checkout
        raise MissingCheckoutDetails(missing=missing)
    return phone, method, address


def _check_card(shop: Shop, method: PaymentMethod, who: PhoneCustomer) -> None:
    """A card is paid through a payment link from the customer's chat."""
    if method is not PaymentMethod.CARD:
        return
    if shop.link_provider is None:
        raise PaymentMethodUnavailable(method=str(method), reason="no_provider")
    if not who.in_chat:
        raise PaymentMethodUnavailable(method=str(method), reason="no_chat")


def _name(request: PhoneOrderRequest, who: PhoneCustomer) -> str:
    name = " ".join(request.name.split()) or who.name
    if not name:
        raise MissingCheckoutDetails(missing=["name"])
    return name[:200]


async def _lines(uow: SqlUnitOfWork, request: PhoneOrderRequest) -> list[OrderLine]:
    """The order's lines at today's prices; refused when a SKU is unknown or inactive, a
    quantity is out of range, or a line is short of stock (every short line named)."""
    wanted = merged_lines(request.lines)
    if not wanted:
        raise EmptyCart()
    products = []
    unknown = []
    for sku, quantity in wanted:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise InvalidQuantity(sku=sku, quantity=str(quantity), maximum=MAX_LINE_QUANTITY)
        if not 1 <= quantity <= MAX_LINE_QUANTITY:
            raise InvalidQuantity(sku=sku, quantity=quantity, maximum=MAX_LINE_QUANTITY)
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            unknown.append(sku)
        products.append((product, quantity))
    if unknown:
        raise ProductNotFound(sku=unknown[0], skus=unknown)
    shortages = []
    lines = []
    for product, quantity in products:
        if not product.active:
            raise ProductInactive(sku=product.sku, name=product.name)
        if product.available < quantity:
            shortages.append(
                StockShortage(product.sku, product.name, quantity, max(product.available, 0))
            )
        lines.append(
            OrderLine(
                product.id, product.sku, product.name, product.price, quantity, product.weight_g
            )
        )
    if shortages:
        raise OutOfStock(shortages)
    return lines
