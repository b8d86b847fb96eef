"""Admins added from the CLI (the settings name others)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.store.tables import admins

_EXISTS = select(admins.c.user_id).where(
    admins.c.channel == bindparam("channel"), admins.c.user_id == bindparam("user_id")
)


@dataclass(frozen=True)
class AdminRecord:
    channel: str
    user_id: str
    name: str = ""
    locale: str = ""


class SqlAdminRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def all(self) -> list[AdminRecord]:
        rows = await self.conn.execute(select(admins).order_by(admins.c.channel, admins.c.user_id))
        return [AdminRecord(r.channel, r.user_id, r.name, r.locale) for r in rows]

    async def exists(self, channel: str, user_id: str) -> bool:
        found = await self.conn.execute(_EXISTS, {"channel": channel, "user_id": user_id})
        return found.first() is not None

    async def add(self, record: AdminRecord, at: datetime) -> bool:
        if await self.exists(record.channel, record.user_id):
            return False
        await self.conn.execute(
            admins.insert().values(
                channel=record.channel,
                user_id=record.user_id,
                name=record.name,
                locale=record.locale,
                added_at=at,
            )
        )
        return True

    async def remove(self, channel: str, user_id: str) -> bool:
        result = await self.conn.execute(
            delete(admins).where(admins.c.channel == channel, admins.c.user_id == user_id)
        )
        return result.rowcount > 0
