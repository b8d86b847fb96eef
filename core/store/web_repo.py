"""The web's rows: the shop's own secrets, the web chat's transcript and its files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.web_chat import WebFile, WebMessage
from core.store.dialect import insert_for
from core.store.tables import app_secrets, tracking_links, web_files, web_messages


class SqlWebRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def secret(self, name: str, candidate: str, at: datetime) -> str:
        """The secret kept under name; candidate becomes it when there is none yet (the
        first worker to ask wins, the others read what it wrote)."""
        insert = insert_for(self.conn, app_secrets).on_conflict_do_nothing(index_elements=["name"])
        await self.conn.execute(insert.values(name=name, value=candidate, created_at=at))
        found = await self.conn.scalar(
            select(app_secrets.c.value).where(app_secrets.c.name == name)
        )
        return str(found)

    async def tracking_key(self, order_id: int) -> str | None:
        return await self.conn.scalar(
            select(tracking_links.c.key).where(tracking_links.c.order_id == order_id)
        )

    async def add_tracking_key(self, order_id: int, candidate: str, at: datetime) -> str:
        """The order's key; candidate becomes it when it has none (two workers making
        the first link at once agree on the first one written)."""
        insert = insert_for(self.conn, tracking_links).on_conflict_do_nothing(
            index_elements=["order_id"]
        )
        await self.conn.execute(insert.values(order_id=order_id, key=candidate, created_at=at))
        return str(await self.tracking_key(order_id))

    async def order_id_for_key(self, key: str) -> int | None:
        return await self.conn.scalar(
            select(tracking_links.c.order_id).where(tracking_links.c.key == key)
        )

    async def add_message(self, user_id: str, direction: str, body: dict, at: datetime) -> int:
        inserted = await self.conn.execute(
            web_messages.insert()
            .values(user_id=user_id, direction=direction, body=body, created_at=at)
            .returning(web_messages.c.id)
        )
        return int(inserted.scalar_one())

    async def messages(self, user_id: str, *, after: int = 0, limit: int = 100) -> list[WebMessage]:
        """After a message id, the oldest first; with after=0, the latest `limit`."""
        m = web_messages.c
        query = select(m.id, m.direction, m.body, m.created_at).where(m.user_id == user_id)
        if after:
            query = query.where(m.id > after).order_by(m.id).limit(limit)
        else:
            query = query.order_by(m.id.desc()).limit(limit)
        rows = (await self.conn.execute(query)).all()
        found = [WebMessage(r.id, r.direction, r.body, r.created_at) for r in rows]
        return found if after else found[::-1]

    async def last_message_id(self, user_id: str) -> int:
        m = web_messages.c
        query = select(m.id).where(m.user_id == user_id).order_by(m.id.desc()).limit(1)
        return int(await self.conn.scalar(query) or 0)

    async def add_file(self, file: WebFile, user_id: str, at: datetime) -> None:
        await self.conn.execute(
            web_files.insert().values(
                id=file.id,
                user_id=user_id,
                filename=file.filename,
                mime_type=file.mime_type,
                content=file.content,
                created_at=at,
            )
        )

    async def file(self, user_id: str, file_id: str) -> WebFile | None:
        f = web_files.c
        row = (
            await self.conn.execute(
                select(f.id, f.filename, f.mime_type, f.content).where(
                    f.id == file_id, f.user_id == user_id
                )
            )
        ).first()
        return WebFile(row.id, row.filename, row.mime_type, bytes(row.content)) if row else None
