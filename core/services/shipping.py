"""Carriers and shipping an order."""

from __future__ import annotations

import re
from datetime import datetime

from core.domain.actors import Actor
from core.domain.errors import CarrierNotFound, DomainError
from core.domain.events import OrderShipped
from core.domain.orders import Order, OrderStatus, in_stock_lock_order
from core.domain.shipments import Carrier, Shipment, clean_tracking_number
from core.services.context import Shop, require_admin, retry_on_conflict
from core.services.orders import load_order, status_message
from core.store.uow import SqlUnitOfWork


async def list_carriers(shop: Shop) -> list[Carrier]:
    async with shop.uow(write=False) as uow:
        return await uow.carriers.list()


class InvalidCarrier(DomainError, ValueError):
    """A carrier's code is 2-32 of a-z, 0-9 and _; its name 1-80 characters; its
    tracking link an http(s) URL of at most 500 with "{tracking}" in it. (A ValueError
    too: the CLI's carrier add catches that.)"""

    code = "invalid_carrier"


async def save_carrier(shop: Shop, actor: Actor, carrier: Carrier) -> None:
    """Add a carrier or change its name / tracking link ("{tracking}" marks the number)."""
    template = carrier.tracking_url_template
    if (
        not re.fullmatch(r"[a-z0-9_]{2,32}", carrier.code)
        or not 0 < len(carrier.name.strip()) <= 80
        or len(template) > 500
        or "{tracking}" not in template
        or not re.match(r"https?://[^/\s]", template, re.IGNORECASE)
    ):
        raise InvalidCarrier(code=carrier.code[:40])
    async with shop.uow() as uow:
        await require_admin(uow, actor, "save_carrier")
        await uow.carriers.upsert(carrier)
        await uow.commit(shop.now())


async def parcel(
    uow: SqlUnitOfWork,
    carrier_code: str,
    order_id: int,
    tracking: str,
    at: datetime,
    return_id: int | None = None,
) -> Shipment:
    """The shipment of an order (or of a return's replacement) handed to a known carrier."""
    carrier = await uow.carriers.get(carrier_code)
    if carrier is None:
        raise CarrierNotFound(code=carrier_code)
    return Shipment(
        None,
        order_id,
        carrier.code,
        carrier.name,
        tracking,
        carrier.tracking_url(tracking),
        at,
        return_id=return_id,
    )


@retry_on_conflict
async def ship_order(
    shop: Shop, actor: Actor, code: str, carrier_code: str, tracking_number: str
) -> tuple[Order, Shipment]:
    """Hand the parcel to a carrier: stock leaves the shelf, the customer gets the link."""
    tracking = clean_tracking_number(tracking_number)
    now = shop.now()
    async with shop.uow() as uow:
        order = await load_order(uow, code, actor, admin_action="ship_order")
        shipment = await parcel(uow, carrier_code, order.id, tracking, now)
        order.move_to(
            OrderStatus.SHIPPED, actor, now, "shipped", carrier=carrier_code, tracking=tracking
        )
        for line in in_stock_lock_order(order.lines):
            await uow.stock.consume(
                line.product_id, line.quantity, order_id=order.id, actor=actor, at=now
            )
        await uow.shipments.add(shipment)
        await uow.orders.save(order)
        uow.notify(
            status_message(
                order,
                OrderShipped(order.code, shipment.carrier_name, tracking, shipment.tracking_url),
            )
        )
        await uow.commit(now)
        return order, shipment
