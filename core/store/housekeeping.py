"""Deleting old rows in batches: the oldest first, a bounded number per statement, so a
clean-up never holds a long lock (the inbox's, the retention of abandoned data)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection


async def delete_oldest(
    conn: AsyncConnection,
    table: Table,
    age: ColumnElement,
    limit: int,
    *conditions: ColumnElement[bool],
) -> int:
    """Delete up to `limit` rows matching the conditions, the oldest by `age` first; how
    many went. Rows are picked by primary key in a subquery: neither database takes a
    LIMIT on DELETE itself."""
    keys: Sequence[ColumnElement] = list(table.primary_key.columns)
    oldest = select(*keys).where(*conditions).order_by(age).limit(limit)
    result = await conn.execute(delete(table).where(tuple_(*keys).in_(oldest)))
    return result.rowcount
