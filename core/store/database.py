"""Engine factory and the per-process write gate.

SQLite allows one writer at a time. Writers begin with BEGIN IMMEDIATE (so two
transactions never deadlock upgrading a read lock) and, inside one process, queue on an
asyncio lock instead of spinning in SQLite's busy handler; other processes on the same
file wait through busy_timeout. PostgreSQL needs neither: row locks and conditional
updates do the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from core.store.sqlite_driver import one_trip_dbapi

BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "pedidos_begin"


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine: AsyncEngine = _create_engine(url, echo=echo)
        self._write_gate = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """One transaction on one connection; rolled back unless the caller commits."""
        if self._write_gate is not None and write:
            async with self._write_gate, self._connect(write) as conn:
                yield conn
        else:
            async with self._connect(write) as conn:
                yield conn

    @asynccontextmanager
    async def _connect(self, write: bool) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE" if write else ""})
            await conn.begin()
            try:
                yield conn
            finally:
                if conn.in_transaction():
                    await conn.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, *, echo: bool) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10)
    # Every transaction is ended explicitly (Database._connect), so the pool's extra
    # rollback on return would only cost another round trip to the driver thread.
    engine = create_async_engine(
        url,
        echo=echo,
        module=one_trip_dbapi(),
        pool_size=8,
        max_overflow=8,
        pool_reset_on_return=None,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine
