"""Checkout: the cart becomes an order with its stock reserved, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.domain.actors import Actor
from core.domain.actors import customer as customer_actor
from core.domain.cart import CartLine
from core.domain.customers import Address
from core.domain.delivery import promised_by
from core.domain.errors import (
    CartChanged,
    EmptyCart,
    MissingCheckoutDetails,
    OutOfStock,
    PriceChange,
    StockShortage,
    TooManyOpenOrders,
    UnknownPaymentMethod,
    UnknownShippingMethod,
)
from core.domain.events import NewOrder
from core.domain.money import Money
from core.domain.orders import (
    Order,
    OrderEvent,
    OrderLine,
    PaymentMethod,
    in_stock_lock_order,
    initial_status,
    new_order_code,
)
from core.domain.outbox import OutboxMessage
from core.domain.payments import Payment, PaymentStatus
from core.domain.pricing import Totals, compute_totals
from core.domain.shipping_zones import Destination
from core.domain.stockouts import StockoutSource
from core.services import log_context, stockouts
from core.services.context import Shop, retry_on_conflict
from core.store.uow import SqlUnitOfWork


@dataclass
class CheckoutDetails:
    name: str
    phone: str
    address: Address
    shipping_method: str
    payment_method: PaymentMethod | str
    save_address: bool = True


async def quote(
    shop: Shop, customer_id: int, shipping_method: str | None, address: dict | None = None
) -> Totals:
    """The cart's totals with that shipping method to that address (its shipping zone)."""
    if shipping_method is not None and shipping_method not in shop.policy.shipping:
        raise UnknownShippingMethod(method=shipping_method)
    async with shop.uow(write=False) as uow:
        lines = await uow.carts.lines(customer_id)
    return compute_totals(
        [line.total for line in lines], shop.policy, shipping_method, Destination.of(address)
    )


def _validate(shop: Shop, details: CheckoutDetails) -> PaymentMethod:
    method = chosen_methods(shop, details.shipping_method, details.payment_method)
    person = [name for name in ("name", "phone") if not getattr(details, name).strip()]
    missing = person + (details.address or Address("")).missing_for_label()
    if missing:
        raise MissingCheckoutDetails(missing=missing)
    return method


def chosen_methods(shop: Shop, shipping_method: str, payment_method: str) -> PaymentMethod:
    """The payment method, once the shipping method is one the shop offers and the
    payment method is one it knows (an order taken in a chat, by phone or by the API)."""
    if shipping_method not in shop.policy.shipping:
        raise UnknownShippingMethod(method=shipping_method)
    try:
        return PaymentMethod(payment_method)
    except ValueError:
        raise UnknownPaymentMethod(method=str(payment_method)) from None


async def ensure_can_order(shop: Shop, customer_id: int) -> None:
    """TooManyOpenOrders when the customer may not place another order now: asked when
    checkout starts, so nobody types an address only to be turned away at the end
    (place_order checks again, in its own transaction)."""
    async with shop.uow(write=False) as uow:
        await _check_open_unpaid(shop, uow, customer_id)


async def _check_open_unpaid(shop: Shop, uow: SqlUnitOfWork, customer_id: int) -> None:
    """Each unpaid order holds stock until it is paid, confirmed or expires: without a
    cap one customer could hold the whole shelf (MAX_OPEN_UNPAID_ORDERS).

    Exact also with several workers: a person's updates are handled one at a time (the
    person lock), and only the customer's own chat places their orders."""
    limit = shop.settings.max_open_unpaid_orders
    codes = await uow.orders.open_unpaid_codes(customer_id)
    if len(codes) >= limit:
        raise TooManyOpenOrders(limit=limit, codes=codes)


async def place_order(shop: Shop, customer_id: int, details: CheckoutDetails) -> Order:
    """Re-check every cart line, reserve the stock and record the order.

    Refused with TooManyOpenOrders while the customer has MAX_OPEN_UNPAID_ORDERS open
    orders no payment was received for. A line that ran out or changed price is fixed
    in the cart (committed) and reported with OutOfStock / CartChanged before any order
    exists.
    """
    method = _validate(shop, details)
    try:
        return await _place_order(shop, customer_id, details, method)
    except OutOfStock as refused:  # the customer is told: a stockout, written on its own
        await stockouts.record(shop, StockoutSource.CHECKOUT, refused.shortages)
        raise


@retry_on_conflict  # a clash of the random order code (OrderCodeTaken) draws a new one
async def _place_order(
    shop: Shop, customer_id: int, details: CheckoutDetails, method: PaymentMethod
) -> Order:
    now = shop.now()
    async with shop.uow() as uow:
        lines = await uow.carts.lines(customer_id)
        if not lines:
            raise EmptyCart()
        await _check_open_unpaid(shop, uow, customer_id)
        problem = await _fix_cart(uow, customer_id, lines, now)
        if problem is not None:
            await uow.commit(now)
            raise problem

        actor = customer_actor(customer_id)
        order = priced_order(
            shop,
            customer_id=customer_id,
            lines=[
                OrderLine(
                    line.product_id,
                    line.sku,
                    line.name,
                    line.current_price,
                    line.quantity,
                    line.weight_g,
                )
                for line in lines
            ],
            shipping_method=details.shipping_method,
            address=details.address,
            method=method,
            name=details.name,
            phone=details.phone,
            actor=actor,
            now=now,
        )
        await record_order(uow, order, actor, now)
        await uow.carts.clear(customer_id)
        if details.save_address:
            await _remember_address(uow, customer_id, details.address, now)
        await uow.commit(now)
    return order


def priced_order(
    shop: Shop,
    *,
    customer_id: int,
    lines: list[OrderLine],
    shipping_method: str,
    address: Address,
    method: PaymentMethod,
    name: str,
    phone: str,
    actor: Actor,
    now: datetime,
    **placed: object,
) -> Order:
    """A new order of these lines at their prices, with the shop's totals for that
    shipping method to that address (its zone), in the status its payment method
    starts in, its "placed" event (by actor, with `placed` as the event's data), and
    the delivery date its shipping option's days promise (core/domain/delivery.py).
    Shared by the chat's checkout and the orders the merchant takes
    (core/services/phone_orders.py)."""
    where = Destination.of(address.as_dict())
    totals = compute_totals([line.total for line in lines], shop.policy, shipping_method, where)
    option = shop.policy.shipping_to(where)[shipping_method]  # offered: checked before
    status = initial_status(method)
    order = Order(
        id=None,
        code=new_order_code(),  # unique index: see OrderCodeTaken
        customer_id=customer_id,
        status=status,
        currency=shop.currency,
        lines=lines,
        subtotal=totals.subtotal,
        tax=totals.tax,
        shipping_fee=totals.shipping_fee,
        total=totals.total,
        shipping_method=shipping_method,
        payment_method=method,
        customer_name=name.strip()[:200],
        phone=phone.strip()[:40],
        address=address.as_dict(),
        created_at=now,
        updated_at=now,
        expires_at=(
            now + timedelta(minutes=shop.settings.reservation_expiry_minutes)
            if method.is_prepaid
            else None
        ),
        # The days the customer chose it with, from today: what they were promised.
        delivery_promised_by=promised_by(now, option, ZoneInfo(shop.settings.store_timezone)),
    )
    order.record(OrderEvent(now, str(actor), "placed", None, str(status), dict(placed)))
    return order


async def record_order(uow: SqlUnitOfWork, order: Order, actor: Actor, now: datetime) -> None:
    """Write a new order with its stock reserved, its pending payment and the admins'
    news, in the caller's transaction (which commits it).

    Each line is reserved with the guarded UPDATE (never more than on hand minus
    reserved), in product order (no deadlock between two orders). A line that can't be
    reserved (another order took the units since they were read) raises OutOfStock
    naming every such line with what is available now; the caller's transaction then
    rolls back, so nothing is kept."""
    await uow.orders.add(order)
    log_context.note_order(order.code)  # the update's log lines name it from here on
    shortages = []
    for line in in_stock_lock_order(order.lines):
        if not await uow.stock.reserve(
            line.product_id, line.quantity, order_id=order.id, actor=actor, at=now
        ):
            product = await uow.catalog.get(line.product_id)
            available = max(product.available, 0) if product and product.active else 0
            shortages.append(StockShortage(line.sku, line.name, line.quantity, available))
    if shortages:
        raise OutOfStock(shortages)
    await uow.payments.add(
        Payment(
            None,
            order.id,
            str(order.payment_method),
            PaymentStatus.PENDING,
            order.total,
            Money.zero(order.currency),
            created_at=now,
            updated_at=now,
        )
    )
    uow.notify(OutboxMessage.to_admins(NewOrder(order.code), f"{order.code}:new_order"))


async def _fix_cart(
    uow: SqlUnitOfWork, customer_id: int, lines: list[CartLine], now: datetime
) -> OutOfStock | CartChanged | None:
    """Bring the cart in line with today's stock and prices; say what changed."""
    shortages: list[StockShortage] = []
    price_changes: list[PriceChange] = []
    for line in lines:
        available = max(line.available, 0) if line.active else 0
        changed = False
        if available < line.quantity:
            shortages.append(StockShortage(line.sku, line.name, line.quantity, available))
            if available == 0:
                await uow.carts.remove(customer_id, line.product_id)
                continue
            line.quantity = available
            changed = True
        if line.seen_price != line.current_price:
            price_changes.append(
                PriceChange(line.sku, line.name, line.seen_price.amount, line.current_price.amount)
            )
            changed = True
        if changed:
            await uow.carts.put(
                customer_id, line.product_id, line.quantity, line.current_price.amount, now
            )
    if shortages:
        return OutOfStock(shortages)
    if price_changes:
        return CartChanged([], price_changes, [])
    return None


async def _remember_address(
    uow: SqlUnitOfWork, customer_id: int, address: Address, at: datetime
) -> None:
    known = await uow.customers.addresses(customer_id)
    if all(_written(a) != _written(address) for a in known):
        await uow.customers.add_address(customer_id, address, at)


def _written(address: Address) -> tuple[str, ...]:
    """An address as the label shows it: the same place typed again (or with a shared
    location this time) is not saved twice."""
    parts = (address.street, address.neighbourhood, address.city, address.state)
    parts += (address.postal_code, address.references)
    return tuple(" ".join((p or "").casefold().split()) for p in parts)
