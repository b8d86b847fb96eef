"""Payment links and the refunds sent through payment providers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.money import Money
from core.domain.payment_links import (
    LinkStatus,
    PaymentLink,
    ProviderRefund,
    RefundStatus,
)
from core.store.tables import orders, payment_links, provider_refunds


def _link(row) -> PaymentLink:
    return PaymentLink(
        id=row.id,
        order_id=row.order_id,
        provider=row.provider,
        provider_ref=row.provider_ref,
        url=row.url,
        idempotency_key=row.idempotency_key,
        status=LinkStatus(row.status),
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _refund(row) -> ProviderRefund:
    return ProviderRefund(
        id=row.id,
        payment_id=row.payment_id,
        order_id=row.order_id,
        provider=row.provider,
        provider_payment_id=row.provider_payment_id,
        amount=Money(row.amount, row.currency),
        idempotency_key=row.idempotency_key,
        status=RefundStatus(row.status),
        provider_refund_id=row.provider_refund_id,
        attempts=row.attempts,
        last_error=row.last_error,
    )


class SqlPaymentLinkRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def for_order(self, order_id: int) -> list[PaymentLink]:
        rows = await self.conn.execute(
            select(payment_links)
            .where(payment_links.c.order_id == order_id)
            .order_by(payment_links.c.id)
        )
        return [_link(r) for r in rows]

    async def by_ref(self, provider: str, provider_ref: str) -> PaymentLink | None:
        row = (
            await self.conn.execute(
                select(payment_links).where(
                    payment_links.c.provider == provider,
                    payment_links.c.provider_ref == provider_ref,
                )
            )
        ).first()
        return _link(row) if row else None

    async def add(self, link: PaymentLink) -> PaymentLink:
        result = await self.conn.execute(
            payment_links.insert(),
            {
                "order_id": link.order_id,
                "provider": link.provider,
                "provider_ref": link.provider_ref,
                "url": link.url,
                "idempotency_key": link.idempotency_key,
                "status": str(link.status),
                "expires_at": link.expires_at,
                "created_at": link.created_at,
                "updated_at": link.updated_at,
            },
        )
        link.id = result.inserted_primary_key[0]
        return link

    async def by_key(self, idempotency_key: str) -> PaymentLink | None:
        row = (
            await self.conn.execute(
                select(payment_links).where(payment_links.c.idempotency_key == idempotency_key)
            )
        ).first()
        return _link(row) if row else None

    async def close(self, link_id: int, at: datetime) -> None:
        await self.conn.execute(
            update(payment_links)
            .where(payment_links.c.id == link_id, payment_links.c.status == str(LinkStatus.OPEN))
            .values(status=str(LinkStatus.CLOSED), updated_at=at)
        )

    async def to_reconcile(
        self,
        providers: list[str],
        created_before: datetime,
        created_after: datetime,
        limit: int = 200,
    ) -> list[tuple[str, PaymentLink]]:
        """(order code, link) of the configured providers' open links old enough for
        their webhook to have come, young enough to matter: the oldest first."""
        rows = await self.conn.execute(
            select(orders.c.code, payment_links)
            .join(orders, orders.c.id == payment_links.c.order_id)
            .where(
                payment_links.c.provider.in_(providers),
                payment_links.c.status == str(LinkStatus.OPEN),
                payment_links.c.created_at <= created_before,
                payment_links.c.created_at >= created_after,
            )
            .order_by(payment_links.c.created_at)
            .limit(limit)
        )
        return [(r.code, _link(r)) for r in rows]


class SqlProviderRefundRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, refund: ProviderRefund, at: datetime) -> ProviderRefund:
        result = await self.conn.execute(
            provider_refunds.insert(),
            {
                "payment_id": refund.payment_id,
                "order_id": refund.order_id,
                "provider": refund.provider,
                "provider_payment_id": refund.provider_payment_id,
                "amount": refund.amount.amount,
                "currency": refund.amount.currency,
                "idempotency_key": refund.idempotency_key,
                "status": str(refund.status),
                "provider_refund_id": refund.provider_refund_id,
                "attempts": 0,
                "next_attempt_at": at,
                "last_error": "",
                "created_at": at,
                "updated_at": at,
            },
        )
        refund.id = result.inserted_primary_key[0]
        return refund

    async def due(
        self, now: datetime, *, order_id: int | None = None, limit: int = 50
    ) -> list[ProviderRefund]:
        query = select(provider_refunds).where(
            provider_refunds.c.status == str(RefundStatus.PENDING),
            provider_refunds.c.next_attempt_at <= now,
        )
        if order_id is not None:
            query = query.where(provider_refunds.c.order_id == order_id)
        rows = await self.conn.execute(query.order_by(provider_refunds.c.id).limit(limit))
        return [_refund(r) for r in rows]

    async def claim(self, refund_id: int, now: datetime, until: datetime) -> bool:
        """Hold a due refund until `until` for the one sender that got it."""
        result = await self.conn.execute(
            update(provider_refunds)
            .where(
                provider_refunds.c.id == refund_id,
                provider_refunds.c.status == str(RefundStatus.PENDING),
                provider_refunds.c.next_attempt_at <= now,
            )
            .values(next_attempt_at=until, updated_at=now)
        )
        return result.rowcount == 1

    async def get(self, refund_id: int) -> ProviderRefund | None:
        row = (
            await self.conn.execute(
                select(provider_refunds).where(provider_refunds.c.id == refund_id)
            )
        ).first()
        return _refund(row) if row else None

    async def for_order(self, order_id: int) -> list[ProviderRefund]:
        rows = await self.conn.execute(
            select(provider_refunds)
            .where(provider_refunds.c.order_id == order_id)
            .order_by(provider_refunds.c.id)
        )
        return [_refund(r) for r in rows]

    async def finish(
        self, refund_id: int, status: RefundStatus, at: datetime, *, refund_id_at_provider: str
    ) -> bool:
        """Done (with the provider's id) or failed; False when it was no longer pending
        (another worker finished it first)."""
        result = await self.conn.execute(
            update(provider_refunds)
            .where(
                provider_refunds.c.id == refund_id,
                provider_refunds.c.status == str(RefundStatus.PENDING),
            )
            .values(
                status=str(status),
                provider_refund_id=refund_id_at_provider or None,
                updated_at=at,
            )
        )
        return result.rowcount == 1

    async def retry_later(self, refund_id: int, at: datetime, error: str) -> None:
        await self.conn.execute(
            update(provider_refunds)
            .where(provider_refunds.c.id == refund_id)
            .values(
                attempts=provider_refunds.c.attempts + 1,
                next_attempt_at=at,
                last_error=error[:500],
                updated_at=at,
            )
        )
