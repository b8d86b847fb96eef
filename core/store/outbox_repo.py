"""The outbox: messages to people, sent later by the dispatcher."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.outbox import OutboxMessage, OutboxStatus, PendingMessage
from core.store.dialect import insert_for, prebuilt
from core.store.tables import outbox


class SqlOutboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_many(self, messages: list[OutboxMessage], at: datetime) -> None:
        """Insert; a message whose dedupe key already exists is silently skipped."""
        if not messages:
            return
        stmt = prebuilt(
            self.conn,
            "outbox_insert",
            lambda conn: insert_for(conn, outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            ),
        )
        await self.conn.execute(
            stmt,
            [
                {
                    "recipient": m.recipient,
                    "customer_id": m.customer_id,
                    "kind": m.kind,
                    "payload": m.payload,
                    "dedupe_key": m.dedupe_key,
                    "status": str(OutboxStatus.PENDING),
                    "attempts": 0,
                    "next_attempt_at": at,
                    "created_at": at,
                    "last_error": "",
                }
                for m in messages
            ],
        )

    async def list(
        self, *, customer_id: int | None = None, recipient: str | None = None
    ) -> list[OutboxMessage]:
        query = select(outbox).order_by(outbox.c.id)
        if customer_id is not None:
            query = query.where(outbox.c.customer_id == customer_id)
        if recipient is not None:
            query = query.where(outbox.c.recipient == recipient)
        rows = await self.conn.execute(query)
        return [
            OutboxMessage(r.kind, r.dedupe_key, r.payload, r.customer_id, r.recipient) for r in rows
        ]

    async def pending(self, *, customer_id: int | None = None) -> list[PendingMessage]:
        query = (
            select(outbox).where(outbox.c.status == str(OutboxStatus.PENDING)).order_by(outbox.c.id)
        )
        if customer_id is not None:
            query = query.where(outbox.c.customer_id == customer_id)
        rows = await self.conn.execute(query)
        return [
            PendingMessage(r.id, r.kind, r.payload, r.customer_id, r.recipient, r.attempts)
            for r in rows
        ]

    async def mark_sent(self, message_ids: list[int], at: datetime) -> None:
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(message_ids), outbox.c.status == str(OutboxStatus.PENDING))
            .values(status=str(OutboxStatus.SENT), sent_at=at)
        )
