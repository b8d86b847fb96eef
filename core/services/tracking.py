"""Carrier checkpoints in: each one recorded once, added to its order's timeline, and
acted on by the rule in core/domain/tracking.py (docs/tracking.md).

The webhooks (bot/tracking/) turn what a tracking service sends into Checkpoints; this
module knows nothing of HTTP or of any service's format. A checkpoint delivered again
(at once or days later) finds its dedupe id taken and does nothing, except a Delivered
whose order is still shipped: the process may have died between recording it and
moving the order, and the service's redelivery then finishes the job.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class TrackingOutcome:
    """What the checkpoints of one tracking number did."""

    tracking_number: str
    order_code: str | None  # None: no order shipped with that number
    recorded: int = 0  # new checkpoints (each now on the timeline)
    duplicates: int = 0  # already recorded: nothing done
    delivered: bool = False  # this call marked the order delivered

    @property
    def matched(self) -> bool:
        return self.order_code is not None


async def record_checkpoints(
    shop: Shop, checkpoints: Sequence[Checkpoint]
) -> list[TrackingOutcome]:
    """Record the checkpoints (any tracking numbers, in any order), one transaction per
    tracking number."""
    by_number: dict[str, dict[str, Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_number.setdefault(checkpoint.tracking_number, {})[checkpoint.dedupe_id] = checkpoint
    return [
        await _record(shop, number, list(found.values())) for number, found in by_number.items()
    ]


async def _record(
    shop: Shop, tracking_number: str, checkpoints: list[Checkpoint]
) -> TrackingOutcome:
    now = shop.now()
    async with shop.uow() as uow:
        shipment = await uow.tracking.shipment(tracking_number)
        if shipment is None:
            return TrackingOutcome(tracking_number, None)
        order = await uow.orders.get(order_id=shipment.order_id)
        assert order is not None  # shipments.order_id is a foreign key
        fresh = [
            checkpoint
            for checkpoint in sorted(checkpoints, key=lambda c: c.occurred_at)
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
    delivery = next((c for c in checkpoints if c.tag is TrackingTag.DELIVERED), None)
    delivered = False
    if delivery is not None and order.status is OrderStatus.SHIPPED:
        delivered = await _deliver(shop, order.code, delivery)
    return TrackingOutcome(
        tracking_number,
        order.code,
        recorded=len(fresh),
        duplicates=len(checkpoints) - len(fresh),
        delivered=delivered,
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
        key = f"{code}:shipment_problem:{checkpoint.dedupe_id[:16]}"
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
