"""Conversation state per (channel, user) and support cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.conversations import ConversationRecord
from core.store.dialect import insert_for, prebuilt
from core.store.tables import conversations, customers, orders, support_cases

_c = conversations.c
_LOAD = select(conversations).where(
    _c.channel == bindparam("channel"),
    _c.user_id == bindparam("user_id"),
)


def _build_save(conn: AsyncConnection):
    stmt = insert_for(conn, conversations)
    return stmt.on_conflict_do_update(
        index_elements=["channel", "user_id"],
        set_={
            "state": stmt.excluded.state,
            "data": stmt.excluded.data,
            "updated_at": stmt.excluded.updated_at,
        },
    )


class SqlConversationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def load(self, channel: str, user_id: str) -> ConversationRecord | None:
        row = (await self.conn.execute(_LOAD, {"channel": channel, "user_id": user_id})).first()
        if row is None:
            return None
        return ConversationRecord(row.channel, row.user_id, row.state, row.data)

    async def save(self, record: ConversationRecord, at: datetime) -> None:
        await self.conn.execute(
            prebuilt(self.conn, "conversation_save", _build_save),
            {
                "channel": record.channel,
                "user_id": record.user_id,
                "state": record.state,
                "data": record.data,
                "updated_at": at,
            },
        )


class SqlSupportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def open(
        self, customer_id: int, message: str, order_code: str | None, at: datetime
    ) -> int:
        result = await self.conn.execute(
            support_cases.insert().values(
                customer_id=customer_id,
                order_code=order_code,
                message=message,
                status="open",
                created_at=at,
            )
        )
        return result.inserted_primary_key[0]

    async def open_case_of(self, customer_id: int):
        """The customer's open case (at most one: a unique index), or None."""
        return (
            await self.conn.execute(
                select(support_cases).where(
                    support_cases.c.customer_id == customer_id, support_cases.c.status == "open"
                )
            )
        ).first()

    async def add_message(self, case_id: int, message: str) -> int | None:
        """Add the customer's message to their open case; its number among the added
        ones, or None when the case is no longer open."""
        result = await self.conn.execute(
            update(support_cases)
            .where(support_cases.c.id == case_id, support_cases.c.status == "open")
            .values(
                message=support_cases.c.message + "\n\n" + message,
                follow_ups=support_cases.c.follow_ups + 1,
                unanswered=support_cases.c.unanswered + 1,
            )
            .returning(support_cases.c.follow_ups)
        )
        return result.scalar_one_or_none()

    async def mark_answered(self, case_id: int) -> None:
        """The shop replied: the customer may add messages again."""
        await self.conn.execute(
            update(support_cases).where(support_cases.c.id == case_id).values(unanswered=0)
        )

    async def close(self, case_id: int, at: datetime) -> bool:
        result = await self.conn.execute(
            update(support_cases)
            .where(support_cases.c.id == case_id, support_cases.c.status == "open")
            .values(status="closed", closed_at=at)
        )
        return result.rowcount == 1

    async def get(self, case_id: int):
        return (
            await self.conn.execute(select(support_cases).where(support_cases.c.id == case_id))
        ).first()

    async def list_open(self, limit: int):
        """Open cases, oldest first, with the customer's name and phone and the ones
        their case's order was placed with (a channel may give neither)."""
        return (
            await self.conn.execute(
                select(
                    support_cases,
                    customers.c.name.label("customer_name"),
                    customers.c.phone,
                    orders.c.customer_name.label("order_name"),
                    orders.c.phone.label("order_phone"),
                )
                .join(customers, customers.c.id == support_cases.c.customer_id)
                .outerjoin(orders, orders.c.code == support_cases.c.order_code)
                .where(support_cases.c.status == "open")
                .order_by(support_cases.c.created_at, support_cases.c.id)
                .limit(limit)
            )
        ).all()
