"""Admins added from the CLI (the settings name others)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.store.dialect import insert_for
from core.store.tables import admins

_EXISTS = select(admins.c.user_id).where(
    admins.c.channel == bindparam("channel"), admins.c.user_id == bindparam("user_id")
)


@dataclass(frozen=True)
class AdminRecord:
    channel: str
    user_id: str
    name: str = ""


class SqlAdminRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def all(self) -> list[AdminRecord]:
        rows = await self.conn.execute(select(admins).order_by(admins.c.channel, admins.c.user_id))
        return [AdminRecord(r.channel, r.user_id, r.name) for r in rows]

    async def exists(self, channel: str, user_id: str) -> bool:
        found = await self.conn.execute(_EXISTS, {"channel": channel, "user_id": user_id})
        return found.first() is not None

    async def add(self, record: AdminRecord, at: datetime) -> bool:
        """False when that person already is an admin (also when another process added
        them a moment ago: one statement, no check-then-insert race)."""
        stmt = insert_for(self.conn, admins).values(
            channel=record.channel, user_id=record.user_id, name=record.name, added_at=at
        )
        result = await self.conn.execute(stmt.on_conflict_do_nothing())
        return result.rowcount == 1

    async def remove(self, channel: str, user_id: str) -> bool:
        result = await self.conn.execute(
            delete(admins).where(admins.c.channel == channel, admins.c.user_id == user_id)
        )
        return result.rowcount > 0
