"""Payments, carriers and shipments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.money import Money
from core.domain.payments import Payment, PaymentStatus
from core.domain.shipments import Carrier, Shipment
from core.store.tables import carriers, payments, shipments

_INSERT_PAYMENT = payments.insert()


def _payment(row) -> Payment:
    return Payment(
        id=row.id,
        order_id=row.order_id,
        method=row.method,
        status=PaymentStatus(row.status),
        amount=Money(row.amount, row.currency),
        refunded=Money(row.refunded, row.currency),
        provider=row.provider,
        provider_charge_id=row.provider_charge_id,
        channel_charge_id=row.channel_charge_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def for_order(self, order_id: int) -> list[Payment]:
        rows = await self.conn.execute(
            select(payments).where(payments.c.order_id == order_id).order_by(payments.c.id)
        )
        return [_payment(r) for r in rows]

    async def by_charge_id(self, provider_charge_id: str) -> Payment | None:
        row = (
            await self.conn.execute(
                select(payments).where(payments.c.provider_charge_id == provider_charge_id)
            )
        ).first()
        return _payment(row) if row else None

    async def add(self, payment: Payment) -> Payment:
        result = await self.conn.execute(
            _INSERT_PAYMENT,
            {
                "order_id": payment.order_id,
                "method": payment.method,
                "status": str(payment.status),
                "amount": payment.amount.amount,
                "refunded": payment.refunded.amount,
                "currency": payment.amount.currency,
                "provider": payment.provider,
                "provider_charge_id": payment.provider_charge_id,
                "channel_charge_id": payment.channel_charge_id,
                "created_at": payment.created_at,
                "updated_at": payment.updated_at,
            },
        )
        payment.id = result.inserted_primary_key[0]
        return payment

    async def save(self, payment: Payment) -> None:
        await self.conn.execute(
            update(payments)
            .where(payments.c.id == payment.id)
            .values(
                status=str(payment.status),
                refunded=payment.refunded.amount,
                updated_at=payment.updated_at,
            )
        )

    async def mark_paid(
        self,
        payment_id: int,
        provider: str,
        provider_charge_id: str,
        channel_charge_id: str | None,
        at: datetime,
    ) -> bool:
        """Mark a pending payment paid; False when it is no longer pending (another
        transaction marked it meanwhile: the caller reads again)."""
        result = await self.conn.execute(
            update(payments)
            .where(payments.c.id == payment_id, payments.c.status == str(PaymentStatus.PENDING))
            .values(
                status=str(PaymentStatus.PAID),
                provider=provider,
                provider_charge_id=provider_charge_id,
                channel_charge_id=channel_charge_id,
                updated_at=at,
            )
        )
        return result.rowcount == 1


class SqlCarrierRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def list(self) -> list[Carrier]:
        rows = await self.conn.execute(select(carriers).order_by(carriers.c.name))
        return [Carrier(r.code, r.name, r.tracking_url_template) for r in rows]

    async def get(self, code: str) -> Carrier | None:
        row = (await self.conn.execute(select(carriers).where(carriers.c.code == code))).first()
        return Carrier(row.code, row.name, row.tracking_url_template) if row else None

    async def upsert(self, carrier: Carrier) -> None:
        result = await self.conn.execute(
            update(carriers)
            .where(carriers.c.code == carrier.code)
            .values(name=carrier.name, tracking_url_template=carrier.tracking_url_template)
        )
        if result.rowcount == 0:
            await self.conn.execute(
                carriers.insert().values(
                    code=carrier.code,
                    name=carrier.name,
                    tracking_url_template=carrier.tracking_url_template,
                )
            )


class SqlShipmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def for_order(self, order_id: int) -> Shipment | None:
        row = (
            await self.conn.execute(
                select(shipments, carriers.c.name.label("carrier_name"))
                .join(carriers, carriers.c.code == shipments.c.carrier_code)
                .where(shipments.c.order_id == order_id)
            )
        ).first()
        if row is None:
            return None
        return Shipment(
            id=row.id,
            order_id=row.order_id,
            carrier_code=row.carrier_code,
            carrier_name=row.carrier_name,
            tracking_number=row.tracking_number,
            tracking_url=row.tracking_url,
            shipped_at=row.shipped_at,
            delivered_at=row.delivered_at,
        )

    async def add(self, shipment: Shipment) -> None:
        await self.conn.execute(
            shipments.insert().values(
                order_id=shipment.order_id,
                carrier_code=shipment.carrier_code,
                tracking_number=shipment.tracking_number,
                tracking_url=shipment.tracking_url,
                shipped_at=shipment.shipped_at,
            )
        )

    async def mark_delivered(self, order_id: int, at: datetime) -> None:
        await self.conn.execute(
            update(shipments).where(shipments.c.order_id == order_id).values(delivered_at=at)
        )
