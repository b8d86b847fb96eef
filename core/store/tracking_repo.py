"""Carrier checkpoints: each one recorded once, and the shipment a tracking number names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.tracking import Checkpoint
from core.store.dialect import insert_for, prebuilt
from core.store.tables import carriers, shipments, tracking_checkpoints


@dataclass(frozen=True)
class TrackedShipment:
    """The order's shipment a tracking number names."""

    shipment_id: int
    order_id: int
    carrier_code: str
    carrier_name: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime


def _insert(conn: AsyncConnection):
    return insert_for(conn, tracking_checkpoints).on_conflict_do_nothing(
        index_elements=["dedupe_id"]
    )


class SqlTrackingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def shipment(
        self, tracking_number: str, carrier_code: str | None = None
    ) -> TrackedShipment | None:
        """The latest order shipment with this number (carriers reuse numbers after a
        while; the newest parcel is the one being tracked), with that carrier when one
        is given."""
        s = shipments.c
        query = (
            select(
                s.id,
                s.order_id,
                s.carrier_code,
                s.tracking_number,
                s.tracking_url,
                s.shipped_at,
                carriers.c.name,
            )
            .join(carriers, carriers.c.code == s.carrier_code)
            .where(s.tracking_number == tracking_number)
            .order_by(s.shipped_at.desc(), s.id.desc())
            .limit(1)
        )
        if carrier_code is not None:
            query = query.where(s.carrier_code == carrier_code)
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return TrackedShipment(
            row.id,
            row.order_id,
            row.carrier_code,
            row.name,
            row.tracking_number,
            row.tracking_url,
            row.shipped_at,
        )

    async def carrier_code(self, key: str) -> str | None:
        """The shop's carrier whose code is this (a sender's carrier, as carrier_key
        writes it); None when the shop has no such carrier."""
        return (
            await self.conn.execute(select(carriers.c.code).where(carriers.c.code == key))
        ).scalar()

    async def add(
        self, checkpoint: Checkpoint, shipment: TrackedShipment, received_at: datetime
    ) -> bool:
        """Record it; False when it was already recorded (also by a concurrent
        transaction, which this one waits for on PostgreSQL)."""
        result = await self.conn.execute(
            prebuilt(self.conn, "tracking_checkpoint_insert", _insert),
            {
                "dedupe_id": checkpoint.dedupe_id(shipment.shipment_id),
                "shipment_id": shipment.shipment_id,
                "order_id": shipment.order_id,
                "tag": str(checkpoint.tag),
                "occurred_at": checkpoint.occurred_at,
                "source": str(checkpoint.source),
                "received_at": received_at,
            },
        )
        return result.rowcount == 1

    async def newest_at(self, shipment_id: int) -> datetime | None:
        """When the latest checkpoint known for the shipment happened."""
        c = tracking_checkpoints.c
        return (
            await self.conn.execute(
                select(c.occurred_at)
                .where(c.shipment_id == shipment_id)
                .order_by(c.occurred_at.desc())
                .limit(1)
            )
        ).scalar()
