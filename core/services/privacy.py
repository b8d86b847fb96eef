"""Customers' data rights (Mexico's LFPDPPP ARCO rights, the EU's GDPR): a copy of
everything the shop keeps about a person, and forgetting them.

A customer may ask for their own data only; an admin (or the CLI) for anyone's.
Forgetting keeps what the books need (order codes, statuses, lines, totals, payments,
shipments, stock moves) and removes or empties everything that names the person, reaches
them, or quotes them. It is refused while an order or a return is still in progress:
the shop needs the name, phone and address to finish it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.actors import Actor, ActorKind
from core.domain.customers import Customer
from core.domain.errors import DomainError, NotAllowed
from core.domain.events import CustomerForgotten
from core.domain.money import Money
from core.domain.orders import OPEN_STATUSES, Order, normalize_order_code
from core.domain.outbox import OutboxMessage
from core.domain.returns import OPEN_RETURN_STATUSES
from core.domain.web_chat import CHANNEL as WEB_CHAT
from core.domain.web_chat import INCOMING
from core.services.context import Shop, require_admin
from core.store.uow import SqlUnitOfWork

log = logging.getLogger("pedidos.privacy")
auth_log = logging.getLogger("pedidos.auth")

FORMAT_VERSION = 1
WEB_TRANSCRIPT_EXPORT = 100_000  # a web chat's whole transcript, in practice


class CustomerNotFound(DomainError):
    code = "customer_not_found"


class CustomerHasOpenOrders(DomainError):
    """Orders (or returns) still in progress need the person's details: `codes`."""

    code = "customer_has_open_orders"


@dataclass(frozen=True)
class CustomerSummary:
    """Who a request is about, for the question "erase them?"."""

    id: int
    name: str
    phone: str
    orders: int
    forgotten: bool
    in_progress: list[str]  # codes of orders that block forgetting now


@dataclass(frozen=True)
class Forgotten:
    customer_id: int
    orders_kept: int
    already: bool = False  # they had been forgotten before: nothing changed


async def _authorise(uow: SqlUnitOfWork, actor: Actor, customer_id: int, action: str) -> None:
    """A customer only about themselves; anyone else must be an admin (or the system)."""
    if actor.kind is ActorKind.CUSTOMER:
        if actor.id == str(customer_id):
            return
        auth_log.warning("refused %s of customer %s to %s", action, customer_id, actor)
        raise NotAllowed(action=action, actor=str(actor))
    await require_admin(uow, actor, action)


async def _customer(uow: SqlUnitOfWork, customer_id: int) -> Customer:
    found = await uow.customers.get(customer_id)
    if found is None:
        raise CustomerNotFound(reference=str(customer_id))
    return found


async def find_customer(shop: Shop, actor: Actor, reference: str) -> int:
    """The customer an admin means: their number ("12", "#12") or one of their orders'
    codes ("PED-7K3FQ")."""
    text = reference.strip().lstrip("#")
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "find_customer")
        if text.isdecimal() and len(text) <= 9:
            if await uow.customers.get(int(text)) is not None:
                return int(text)
        elif (code := normalize_order_code(text)) is not None:
            order = await uow.orders.get(code=code)
            if order is not None:
                return order.customer_id
    raise CustomerNotFound(reference=reference.strip()[:40])


async def _in_progress(uow: SqlUnitOfWork, orders: list[Order]) -> list[str]:
    """Codes of the orders still open, or with a return still open."""
    codes = []
    for order in orders:
        if order.status in OPEN_STATUSES or any(
            r.status in OPEN_RETURN_STATUSES for r in await uow.returns.list(order_id=order.id)
        ):
            codes.append(order.code)
    return sorted(codes)


async def summarise(shop: Shop, actor: Actor, customer_id: int) -> CustomerSummary:
    async with shop.uow(write=False) as uow:
        await _authorise(uow, actor, customer_id, "customer_summary")
        customer = await _customer(uow, customer_id)
        orders = await uow.orders.list(customer_id=customer_id)
        return CustomerSummary(  # as their latest order has them, else as the channel does
            id=customer.id,
            name=next((o.customer_name for o in orders if o.customer_name), customer.name),
            phone=next((o.phone for o in orders if o.phone), customer.phone),
            orders=len(orders),
            forgotten=customer.forgotten,
            in_progress=await _in_progress(uow, orders),
        )


# The copy


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _amount(minor: int, currency: str) -> str:
    return Money(minor, currency).format_plain()


async def export_customer_data(shop: Shop, actor: Actor, customer_id: int) -> dict[str, Any]:
    """Everything kept about the customer, as plain JSON-ready data: profile, saved
    addresses, cart, orders (lines, totals, timeline, payments, shipment, returns),
    support messages, ratings and where their conversation is."""
    async with shop.uow(write=False) as uow:
        await _authorise(uow, actor, customer_id, "export_customer_data")
        customer = await _customer(uow, customer_id)
        profile = await uow.privacy.profile(customer_id)
        addresses = await uow.customers.addresses(customer_id)
        cart = await uow.carts.lines(customer_id)
        orders = await uow.orders.list(customer_id=customer_id, newest_first=False)
        exported_orders = [await _order(uow, order) for order in orders]
        cases = await uow.privacy.support_cases(customer_id)
        conversation = (
            None
            if customer.forgotten
            else await uow.conversations.load(customer.channel, customer.external_id)
        )
        # A web chat visitor's transcript: what they typed (names, phones, addresses)
        # and what the shop answered. Other channels' messages live on the platform.
        transcript = (
            await uow.web.messages(customer.external_id, limit=WEB_TRANSCRIPT_EXPORT)
            if customer.channel == WEB_CHAT and not customer.forgotten
            else []
        )
    log.info("customer %s's data exported for %s", customer_id, actor)
    return {
        "format": f"pedidos-customer-data/{FORMAT_VERSION}",
        "shop": shop.settings.store_name,
        "privacy_notice": shop.settings.privacy_notice_url,
        "exported_at": _when(shop.now()),
        "customer": {
            "id": customer.id,
            "channel": customer.channel,
            "user_id": customer.external_id,
            "name": customer.name,
            "phone": customer.phone,
            "language": customer.locale,
            "first_contact": _when(profile.created_at) if profile is not None else None,
            "forgotten": customer.forgotten,
        },
        "addresses": [address.as_dict() for address in addresses],
        "cart": [
            {
                "sku": line.sku,
                "product": line.name,
                "quantity": line.quantity,
                "unit_price": line.seen_price.format_plain(),
                "currency": line.seen_price.currency,
            }
            for line in cart
        ],
        "orders": exported_orders,
        "support_messages": [
            {
                "case": case.id,
                "order": case.order_code,
                "message": case.message,
                "status": case.status,
                "sent_at": _when(case.created_at),
                "closed_at": _when(case.closed_at),
            }
            for case in cases
        ],
        "ratings": [
            {"order": o.code, "stars": o.rating, "comment": o.rating_comment}
            for o in orders
            if o.rating is not None
        ],
        "conversation": (
            {"step": conversation.state, "answers": conversation.data}
            if conversation is not None
            else None
        ),
        "web_chat": [
            {
                "from": "customer" if message.direction == INCOMING else "shop",
                "text": str(message.body.get("text") or ""),
                "at": _when(message.at),
            }
            for message in transcript
        ],
    }


async def _order(uow: SqlUnitOfWork, order: Order) -> dict[str, Any]:
    cur = order.currency
    payments = await uow.payments.for_order(order.id or 0)
    shipment = await uow.shipments.for_order(order.id or 0)
    returns = await uow.returns.list(order_id=order.id)
    timeline = await uow.orders.timeline(order.id or 0)
    return {
        "code": order.code,
        "status": str(order.status),
        "placed_at": _when(order.created_at),
        "updated_at": _when(order.updated_at),
        "name": order.customer_name,
        "phone": order.phone,
        "address": order.address,
        "shipping_method": order.shipping_method,
        "payment_method": str(order.payment_method),
        "currency": cur,
        "lines": [
            {
                "sku": line.sku,
                "product": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price.format_plain(),
                "total": line.total.format_plain(),
            }
            for line in order.lines
        ],
        "subtotal": order.subtotal.format_plain(),
        "tax": order.tax.format_plain(),
        "shipping_fee": order.shipping_fee.format_plain(),
        "total": order.total.format_plain(),
        "rating": order.rating,
        "rating_comment": order.rating_comment,
        "cancel_reason": order.cancel_reason,
        "timeline": [
            {
                "at": _when(event.at),
                "by": event.actor.partition(":")[0],  # the kind of actor, not staff ids
                "event": event.kind,
                "from": event.from_status,
                "to": event.to_status,
                "details": event.data,
            }
            for event in timeline
        ],
        "payments": [
            {
                "method": p.method,
                "status": str(p.status),
                "amount": p.amount.format_plain(),
                "refunded": p.refunded.format_plain(),
                "provider": p.provider,
                "provider_reference": p.provider_charge_id,
                "at": _when(p.created_at),
            }
            for p in payments
        ],
        "shipment": (
            {
                "carrier": shipment.carrier_name,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "shipped_at": _when(shipment.shipped_at),
                "delivered_at": _when(shipment.delivered_at),
            }
            if shipment is not None
            else None
        ),
        "returns": [
            {
                "id": r.id,
                "status": str(r.status),
                "reason": r.reason,
                "resolution": str(r.resolution),
                "shop_note": r.decision_note,
                "refund": _amount(r.refund_amount, cur),
                "requested_at": _when(r.created_at),
                "lines": [
                    {"sku": line.sku, "product": line.name, "quantity": line.quantity}
                    for line in r.lines
                ],
            }
            for r in returns
        ],
    }


def export_json(data: dict[str, Any]) -> bytes:
    """The copy as a document: UTF-8 JSON, indented so a person can read it too."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# Forgetting


async def forget_customer(shop: Shop, actor: Actor, customer_id: int) -> Forgotten:
    """Erase the customer's personal data in one unit of work (see the module's
    docstring and docs/privacy.md for what goes and what stays). The admins are told,
    so the shop has a record that the request was carried out."""
    now = shop.now()
    async with shop.uow() as uow:
        await _authorise(uow, actor, customer_id, "forget_customer")
        customer = await _customer(uow, customer_id)
        orders = await uow.orders.list(customer_id=customer_id)
        if customer.forgotten:
            return Forgotten(customer_id, len(orders), already=True)
        in_progress = await _in_progress(uow, orders)
        if in_progress:
            raise CustomerHasOpenOrders(codes=in_progress)
        codes = [order.code for order in orders]
        order_ids = [order.id for order in orders if order.id is not None]
        privacy = uow.privacy
        in_their_chat = actor.kind is ActorKind.CUSTOMER  # their update is being handled
        await privacy.forget_identity(
            customer.channel, customer.external_id, None if in_their_chat else now
        )
        await privacy.forget_messages(
            customer_id, codes, f"{customer.channel}:{customer.external_id}"
        )
        await privacy.delete_addresses_and_cart(customer_id)
        await privacy.anonymise_orders(order_ids)
        await privacy.scrub_order_events(order_ids)
        await privacy.anonymise_returns(order_ids)
        await privacy.anonymise_support_cases(customer_id, now)
        await privacy.anonymise_customer(customer_id)
        uow.notify(
            OutboxMessage.to_admins(
                CustomerForgotten(customer_id, len(orders), actor.kind),
                f"customer:{customer_id}:forgotten",
            )
        )
        await uow.commit(now)
    log.info("customer %s forgotten at the request of %s", customer_id, actor)
    return Forgotten(customer_id, len(orders))
