"""Engine factory and the per-process write gate.

SQLite allows one writer at a time. Writers begin with BEGIN IMMEDIATE (so two
transactions never deadlock upgrading a read lock) and, inside one process, queue on an
asyncio lock instead of spinning in SQLite's busy handler; other processes on the same
file wait through busy_timeout. PostgreSQL needs neither: row locks and conditional
updates do the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

from sqlalchemy import event, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from core.domain.errors import StoreUnavailable
from core.store.sqlite_driver import SqliteDriver

BUSY_TIMEOUT_MS = 10_000
# PostgreSQL connections per worker, kept open (opening one forks a server process, too
# slow to do per burst) and a few more at a peak: for transactions, and in autocommit for
# readers, one-statement writers and the person locks. 40 at most.
POOL_SIZE, POOL_OVERFLOW = 10, 5
AUTOCOMMIT_POOL_SIZE, AUTOCOMMIT_POOL_OVERFLOW = 20, 5
LOCK_SLOTS = 10  # people handled at once per worker (each lock holds one connection)
# The database can't be reached (down, restarting, the network): a coded error the
# conversation answers with "try again in a moment".
_UNREACHABLE = (OSError, DBAPIError, PoolTimeout)
# Per-person locks on SQLite: process-wide, so every engine on the same file shares them
# (several processes on one SQLite file are not a supported way to scale: PostgreSQL is).
# Weak values: a person's lock lives while someone holds or waits for it, no longer.
_SQLITE_PERSON_LOCKS: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)
_ADVISORY_LOCK = "SELECT pg_advisory_lock($1)"
_ADVISORY_UNLOCK = "SELECT pg_advisory_unlock($1)"


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # The SQLite driver's checkpoint counters and worker thread: this Database's own.
        self.sqlite_driver = SqliteDriver() if self.is_sqlite else None
        self.engine: AsyncEngine = _create_engine(url, echo=echo, driver=self.sqlite_driver)
        # For units that send no BEGIN (see transaction()): on SQLite the same pool, on
        # PostgreSQL a pool of its own in autocommit, so that no connection has its
        # isolation level switched on the way out of the pool and back.
        self._bare_engine = (
            self.engine
            if self.is_sqlite
            else _create_postgres_engine(url, echo=echo, autocommit=True)
        )
        # SQLite statements run on the loop's thread (core/store/sqlite_driver.py); the
        # units of a report or an export run theirs in a worker thread instead, on an
        # engine of their own. PostgreSQL's statements never hold the loop's thread.
        self._off_loop_engine = (
            _create_engine(url, echo=echo, driver=self.sqlite_driver, off_loop=True)
            if self.sqlite_driver is not None and not _in_memory(url)
            else None
        )
        # Whether the current task is inside off_loop(); per Database, per task.
        self._in_off_loop: ContextVar[bool] = ContextVar(f"off_loop_{id(self)}", default=False)
        self._write_gate = asyncio.Lock() if self.is_sqlite else None
        self._lock_slots = asyncio.Semaphore(LOCK_SLOTS)

    @contextmanager
    def off_loop(self) -> Iterator[None]:
        """Units of work opened inside (by this task) run their statements off the event
        loop's thread: for reports, exports and imports, whose long statements would
        otherwise stop every other customer on SQLite. Other units stay inline (fast)."""
        token = self._in_off_loop.set(True)
        try:
            yield
        finally:
            self._in_off_loop.reset(token)

    @asynccontextmanager
    async def transaction(
        self, *, write: bool = True, one_statement: bool = False
    ) -> AsyncIterator[AsyncConnection]:
        """One transaction on one connection; rolled back unless the caller commits.

        Readers, and writers of a single statement (one_statement), send no BEGIN and
        COMMIT: a statement is atomic on its own, and a reader's statements each see the
        latest commit, as PostgreSQL's READ COMMITTED gives them anyway. That is two
        round trips fewer each, and most of a chat update's transactions are these."""
        bare = not write or one_statement
        if self._write_gate is not None and write:
            async with self._write_gate, self._connect(bare) as conn:
                yield conn
        else:
            async with self._connect(bare) as conn:
                yield conn

    @asynccontextmanager
    async def _connect(self, bare: bool) -> AsyncIterator[AsyncConnection]:
        try:
            # Not `async with engine.connect()`: its exit closes the connection in a task
            # of its own (safe from cancellation midway), a good part of an empty unit's
            # cost (docs/benchmarks.md). Closing here never waits for anything: a
            # transaction still open was rolled back just before, so it cannot be cut
            # short either.
            conn = await self._engine_for(bare).connect()
            try:
                if self.is_sqlite and not bare:
                    await begin_sqlite_write(conn)
                yield conn  # on PostgreSQL the transaction begins with the first statement
            finally:
                try:
                    if conn.in_transaction() and not conn.invalidated:
                        await conn.rollback()
                finally:
                    await conn.close()
        except _UNREACHABLE as error:
            if isinstance(error, DBAPIError) and not _is_outage(error):
                raise
            raise StoreUnavailable(reason=type(error).__name__) from error

    def _engine_for(self, bare: bool) -> AsyncEngine:
        if self._off_loop_engine is not None and self._in_off_loop.get():
            return self._off_loop_engine
        return self._bare_engine if bare else self.engine

    @asynccontextmanager
    async def person_lock(self, key: str) -> AsyncIterator[None]:
        """One person's updates are handled one at a time, in every worker: a PostgreSQL
        advisory lock (held on its own connection), or a lock of this process on SQLite
        (one process writes a SQLite file at a time anyway)."""
        if self.is_sqlite:
            lock = _SQLITE_PERSON_LOCKS.get((self.url, key))
            if lock is None:
                lock = _SQLITE_PERSON_LOCKS[(self.url, key)] = asyncio.Lock()
            async with lock:
                yield
            return
        number = int.from_bytes(
            hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True
        )
        import asyncpg  # here: a SQLite shop never loads it

        # Unreachable, as asyncpg says it for statements sent to it directly.
        driver_unreachable = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError)
        try:
            # A lock holds a connection while the person's update is handled, and that
            # handling needs connections of its own: at most LOCK_SLOTS people at a time,
            # so the pool always keeps some for the work (the others queue here).
            async with self._lock_slots, self._bare_engine.connect() as conn:
                # A session-level lock on an autocommit connection: one round trip to
                # take it, one to release it, sent straight to the driver (they run for
                # every update; SQLAlchemy's statement machinery would cost more than the
                # round trips).
                driver = (await conn.get_raw_connection()).driver_connection
                await driver.execute(_ADVISORY_LOCK, number)
                try:
                    yield
                finally:
                    if not driver.is_closed():
                        await driver.execute(_ADVISORY_UNLOCK, number)
        except (*_UNREACHABLE, *driver_unreachable) as error:
            raise StoreUnavailable(reason=type(error).__name__) from error

    async def open_connections(self) -> None:
        """Open the PostgreSQL pools' connections now, at start: opening one costs the
        server a process and the worker tens of milliseconds, which the first customers
        after a start or a deploy would otherwise wait for, all at once. A database that
        is away now is no reason not to start: the pools then fill as they are used."""
        if self.is_sqlite:
            return
        with contextlib.suppress(*_UNREACHABLE):
            await self._open_pools()

    async def _open_pools(self) -> None:
        async with contextlib.AsyncExitStack() as held:
            opening = [
                held.enter_async_context(engine.connect())
                for engine, size in (
                    (self.engine, POOL_SIZE),
                    (self._bare_engine, AUTOCOMMIT_POOL_SIZE),
                )
                for _ in range(size)
            ]
            await asyncio.gather(*opening)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if not self.is_sqlite:
            await self._bare_engine.dispose()
        if self._off_loop_engine is not None:
            await self._off_loop_engine.dispose()
        if self.sqlite_driver is not None:
            self.sqlite_driver.close()


def _in_memory(url: str) -> bool:
    """A second engine on an in-memory URL would open another, empty database."""
    return make_url(url).database in (None, "", ":memory:")


def _is_outage(error: DBAPIError) -> bool:
    """The database is away or overloaded, as opposed to refusing this statement."""
    if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        return True
    state = str(getattr(error.orig, "sqlstate", "") or getattr(error.orig, "pgcode", "") or "")
    # 08: connection exception; 53: insufficient resources (too many clients);
    # 57P: the server is shutting down or starting up.
    return state.startswith(("08", "53", "57P"))


def _create_engine(
    url: str, *, echo: bool, driver: SqliteDriver | None, off_loop: bool = False
) -> AsyncEngine:
    if driver is None:
        return _create_postgres_engine(url, echo=echo)
    # Every transaction is ended explicitly (Database._connect), so the pool's extra
    # rollback on return would only cost another statement. Off-loop units are few (an
    # admin's report or export): a small pool.
    engine = create_async_engine(
        url,
        echo=echo,
        module=driver.dbapi(off_loop=off_loop),
        connect_args={"busy_timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=2 if off_loop else 8,
        max_overflow=8,
        pool_reset_on_return=None,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


async def begin_sqlite_write(conn: AsyncConnection) -> None:
    """BEGIN IMMEDIATE: the driver leaves transaction control to us (_on_connect). Sent
    where a write transaction starts, not from SQLAlchemy's "begin" event: any engine
    event has SQLAlchemy dispatch four events around every statement."""
    await conn.exec_driver_sql("BEGIN IMMEDIATE")


def _create_postgres_engine(url: str, *, echo: bool, autocommit: bool = False) -> AsyncEngine:
    if autocommit:  # nothing to roll back on the way back into the pool
        sizes = {
            "pool_size": AUTOCOMMIT_POOL_SIZE,
            "max_overflow": AUTOCOMMIT_POOL_OVERFLOW,
            "isolation_level": "AUTOCOMMIT",
            "pool_reset_on_return": None,
        }
    else:
        sizes = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    engine = create_async_engine(url, echo=echo, pool_timeout=10, **sizes)

    @event.listens_for(engine.sync_engine, "checkout")
    def _replace_closed(dbapi_connection, _record, _proxy) -> None:
        # A connection the server closed (a restart) is replaced, not used. Asking the
        # driver costs nothing; SQLAlchemy's pool_pre_ping would cost three round trips
        # per checkout, a dozen per update. A connection that died silently (a network
        # cut) fails its first statement instead: that one answer is "try again in a
        # moment", and SQLAlchemy then replaces every pooled connection.
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")

    return engine
