"""The inbox of channel updates and the references of sent messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.store.dialect import insert_for, prebuilt
from core.store.housekeeping import delete_oldest
from core.store.tables import channel_menus, inbox, message_refs

# Every chat update runs these three: built once, executing them only binds parameters.
_i = inbox.c
_MARK_HANDLED = (
    update(inbox)
    .where(_i.channel == bindparam("b_channel"), _i.update_key == bindparam("b_key"))
    .values(handled_at=bindparam("b_at"))
)
_UNHANDLED_FOR = (
    select(_i.update_key, _i.payload)
    .where(
        _i.channel == bindparam("channel"),
        _i.user_id == bindparam("user_id"),
        _i.handled_at.is_(None),
    )
    # Arrival order; updates received in the same instant go by their key as a number
    # (Telegram's update ids are its own order, and "1000" sorts before "999" as text).
    .order_by(_i.received_at, func.length(_i.update_key), _i.update_key)
)


def _build_add(conn: AsyncConnection):
    return insert_for(conn, inbox).on_conflict_do_nothing(index_elements=["channel", "update_key"])


class SqlInboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(
        self, channel: str, update_key: str, user_id: str, payload: dict, at: datetime
    ) -> bool:
        """Store the update; False when this update was already received."""
        result = await self.conn.execute(
            prebuilt(self.conn, "inbox_add", _build_add),
            {
                "channel": channel,
                "update_key": update_key,
                "user_id": user_id,
                "payload": payload,
                "received_at": at,
            },
        )
        return result.rowcount == 1

    async def mark_handled(self, channel: str, update_key: str, at: datetime) -> None:
        marked = {"b_channel": channel, "b_key": update_key, "b_at": at}
        await self.conn.execute(_MARK_HANDLED, marked)

    async def unhandled_for(self, channel: str, user_id: str) -> list[tuple[str, dict]]:
        """One person's updates not handled yet, in the order they arrived."""
        waiting = {"channel": channel, "user_id": user_id}
        rows = await self.conn.execute(_UNHANDLED_FOR, waiting)
        return [(key, payload) for key, payload in rows]

    async def forget_handled(self, handled_before: datetime, limit: int) -> int:
        """Delete up to limit updates handled before that moment; how many went."""
        return await delete_oldest(
            self.conn, inbox, _i.handled_at, limit, _i.handled_at < handled_before
        )

    async def waiting_people(
        self, channel: str, limit: int, received_before: datetime | None = None
    ) -> list[str]:
        """The people with unhandled updates, the longest waiting first."""
        oldest = func.min(inbox.c.received_at)
        query = (
            select(inbox.c.user_id)
            .where(inbox.c.channel == channel, inbox.c.handled_at.is_(None))
            .group_by(inbox.c.user_id)
            .order_by(oldest, inbox.c.user_id)
            .limit(limit)
        )
        if received_before is not None:
            query = query.where(inbox.c.received_at < received_before)
        return list((await self.conn.execute(query)).scalars())

    async def last_message_at(self, channel: str, user_id: str) -> datetime | None:
        """When this person last wrote to us on that channel (None: never)."""
        row = await self.conn.execute(
            select(func.max(inbox.c.received_at)).where(
                inbox.c.channel == channel, inbox.c.user_id == user_id
            )
        )
        return row.scalar_one_or_none()

    async def remember(
        self, channel: str, chat_id: str, message_id: str, ref: str, at: datetime
    ) -> None:
        await self.conn.execute(
            insert_for(self.conn, message_refs)
            .values(channel=channel, chat_id=chat_id, message_id=message_id, ref=ref, created_at=at)
            .on_conflict_do_nothing(index_elements=["channel", "chat_id", "message_id"])
        )

    async def ref_of(self, channel: str, chat_id: str, message_id: str) -> str | None:
        row = await self.conn.execute(
            select(message_refs.c.ref).where(
                message_refs.c.channel == channel,
                message_refs.c.chat_id == chat_id,
                message_refs.c.message_id == message_id,
            )
        )
        return row.scalar_one_or_none()


class SqlChannelMenuRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def save(
        self, channel: str, user_id: str, kind: str, options: list, at: datetime
    ) -> None:
        stmt = insert_for(self.conn, channel_menus).values(
            channel=channel, user_id=user_id, kind=kind, options=options, updated_at=at
        )
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["channel", "user_id"],
                set_={
                    "kind": stmt.excluded.kind,
                    "options": stmt.excluded.options,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )

    async def forget(self, channel: str, user_id: str) -> None:
        await self.conn.execute(
            delete(channel_menus).where(
                channel_menus.c.channel == channel, channel_menus.c.user_id == user_id
            )
        )

    async def load(self, channel: str, user_id: str) -> tuple[str, list] | None:
        row = (
            await self.conn.execute(
                select(channel_menus.c.kind, channel_menus.c.options).where(
                    channel_menus.c.channel == channel, channel_menus.c.user_id == user_id
                )
            )
        ).first()
        return (row.kind, row.options) if row else None
