"""Carrier checkpoints in: each one recorded once, added to its order's timeline, and
acted on by the rule in core/domain/tracking.py (docs/tracking.md).

The webhooks (bot/tracking/) turn what a tracking service sends into Checkpoints; this
module knows nothing of HTTP or of any service's format. A tracking number is not
proof enough that a checkpoint is this parcel's (carriers reuse numbers, merchants
mistype them): one naming another of the shop's carriers, or one that happened before
the shipment was shipped, is another parcel's and is left out. A checkpoint delivered
again (at once or days later) finds its dedupe id taken and does nothing, except a Delivered
whose order is still shipped: the process may have died between recording it and
moving the order, and the service's redelivery then finishes the job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.actors import Actor, ActorKind
from core.domain.errors import InvalidTransition
from core.domain.events import (
    OrderOutForDelivery,
    OrderReadyForPickup,
    ShipmentProblem,
    ShipmentProblemToAdmins,
)
from core.domain.orders import Order, OrderEvent, OrderStatus
from core.domain.outbox import OutboxMessage
from core.domain.tracking import (
    CHECKPOINT_EVENT,
    CUSTOMER_PROBLEM_TAGS,
    Checkpoint,
    Effect,
    TrackingTag,
    effect,
)
from core.services import orders
from core.services.context import Shop
from core.services.orders import status_message
from core.store.tracking_repo import TrackedShipment
from core.store.uow import SqlUnitOfWork

log = logging.getLogger("pedidos.tracking")


@dataclass(frozen=True)
class TrackingOutcome:
    """What the checkpoints of one tracking number did."""

    tracking_number: str
    order_code: str | None  # the order whose shipment the number names; None: none
    recorded: int = 0  # new checkpoints (each now on the timeline)
    duplicates: int = 0  # already recorded: nothing done
    delivered: bool = False  # this call marked the order delivered
    earlier: int = 0  # happened before the shipment was shipped: another parcel's, left out
    ignored_because: str = ""  # when no checkpoint was the order's: why

    @property
    def matched(self) -> bool:
        """Some checkpoint was this order's (new or a repeat)."""
        return self.order_code is not None and self.recorded + self.duplicates > 0


async def record_checkpoints(
    shop: Shop, checkpoints: Sequence[Checkpoint]
) -> list[TrackingOutcome]:
    """Record the checkpoints (any tracking numbers, in any order), one transaction per
    tracking number (and carrier the sender names)."""
    by_parcel: dict[tuple[str, str], dict[str, Checkpoint]] = {}
    for checkpoint in checkpoints:
        parcel = (checkpoint.tracking_number, checkpoint.carrier)
        by_parcel.setdefault(parcel, {})[checkpoint.identity] = checkpoint
    return [
        await _record(shop, number, carrier, list(found.values()))
        for (number, carrier), found in by_parcel.items()
    ]


async def _shipment(
    uow: SqlUnitOfWork, tracking_number: str, carrier: str
) -> tuple[TrackedShipment | None, str]:
    """The shipment the checkpoints are for, or None and why not. A carrier the sender
    names counts only when it is one of the shop's carrier codes (AfterShip's slugs
    are not the shop's codes, and a merchant's own carrier may be called anything):
    then the parcel must have shipped with it."""
    known = await uow.tracking.carrier_code(carrier) if carrier else None
    shipment = await uow.tracking.shipment(tracking_number, known)
    if shipment is not None:
        return shipment, ""
    other = await uow.tracking.shipment(tracking_number) if known else None
    if other is None:
        return None, "no order shipped with it"
    return None, (
        f"the sender says carrier {known}, the order shipped with that number went by "
        f"{other.carrier_code}"
    )


async def _record(
    shop: Shop, tracking_number: str, carrier: str, checkpoints: list[Checkpoint]
) -> TrackingOutcome:
    now = shop.now()
    async with shop.uow() as uow:
        shipment, why = await _shipment(uow, tracking_number, carrier)
        if shipment is None:
            return TrackingOutcome(tracking_number, None, ignored_because=why)
        order = await uow.orders.get(order_id=shipment.order_id)
        assert order is not None  # shipments.order_id is a foreign key
        # Scans from before this parcel shipped are another's (the number's previous
        # parcel, whose whole journey AfterShip repeats): not on this order's timeline,
        # and never acted on.
        ours = [c for c in checkpoints if not c.predates(shipment.shipped_at)]
        earlier = len(checkpoints) - len(ours)
        if earlier:
            log.info(
                "tracking %s (order %s): %d checkpoint(s) from before it shipped left out",
                tracking_number,
                order.code,
                earlier,
            )
        if not ours:
            return TrackingOutcome(
                tracking_number,
                order.code,
                earlier=earlier,
                ignored_because=f"every checkpoint happened before order {order.code} shipped",
            )
        fresh = [
            checkpoint
            for checkpoint in sorted(ours, key=lambda c: c.occurred_at)
            if await uow.tracking.add(checkpoint, shipment, now)
        ]
        # Decided after all of them are in, so a batch that brings a whole journey at
        # once (missed webhooks) tells only what its newest checkpoint says.
        newest = await uow.tracking.newest_at(shipment.shipment_id) if fresh else None
        for checkpoint in fresh:
            await uow.orders.add_event(
                order.id,
                OrderEvent(
                    checkpoint.occurred_at,
                    str(Actor(ActorKind.SYSTEM, str(checkpoint.source))),
                    CHECKPOINT_EVENT,
                    data=checkpoint.timeline_data(),
                ),
            )
            is_newest = newest is None or checkpoint.occurred_at >= newest
            _tell(uow, order, shipment, checkpoint, effect(checkpoint.tag, order.status, is_newest))
        await uow.commit(now)
    delivery = next((c for c in ours if c.tag is TrackingTag.DELIVERED), None)
    delivered = False
    if delivery is not None and order.status is OrderStatus.SHIPPED:
        delivered = await _deliver(shop, order.code, delivery)
    return TrackingOutcome(
        tracking_number,
        order.code,
        recorded=len(fresh),
        duplicates=len(ours) - len(fresh),
        delivered=delivered,
        earlier=earlier,
    )


async def _deliver(shop: Shop, code: str, delivery: Checkpoint) -> bool:
    """The order's one path to delivered (the rating asked, cash on delivery recorded as
    collected by the carrier), as the system; False when someone got there first."""
    try:
        await orders.mark_delivered(shop, Actor(ActorKind.SYSTEM, str(delivery.source)), code)
    except InvalidTransition:  # the customer, the merchant or a concurrent delivery did
        return False
    return True


def _tell(
    uow: SqlUnitOfWork,
    order: Order,
    shipment: TrackedShipment,
    checkpoint: Checkpoint,
    what: Effect,
) -> None:
    code, carrier = order.code, shipment.carrier_name
    if what is Effect.OUT_FOR_DELIVERY:  # once per order: status_message's key
        uow.notify(status_message(order, OrderOutForDelivery(code, carrier)))
    elif what is Effect.READY_FOR_PICKUP:
        uow.notify(status_message(order, OrderReadyForPickup(code, carrier, checkpoint.location)))
    elif what is Effect.PROBLEM:
        key = f"{code}:shipment_problem:{checkpoint.dedupe_id(shipment.shipment_id)[:16]}"
        uow.notify(
            OutboxMessage.to_admins(
                ShipmentProblemToAdmins(
                    code,
                    checkpoint.tag,
                    carrier,
                    shipment.tracking_number,
                    checkpoint.message,
                    checkpoint.location,
                ),
                key + ":admins",
            )
        )
        if checkpoint.tag in CUSTOMER_PROBLEM_TAGS:
            uow.notify(
                OutboxMessage.to_customer(
                    order.customer_id,
                    ShipmentProblem(
                        code, checkpoint.tag, carrier, checkpoint.message, shipment.tracking_url
                    ),
                    key,
                )
            )
