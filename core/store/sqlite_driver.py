"""SQLite statements run on the event loop's own thread.

SQLAlchemy's aiosqlite adapter sends every statement, BEGIN and COMMIT to aiosqlite's
worker thread: a queue, a thread wake-up, a callback back into the loop, and the GIL
handed back and forth, several times what the statement itself costs here. Our
statements are indexed look-ups and small writes on a local file in WAL mode
(synchronous=NORMAL: a commit writes the WAL and does not wait for the disk), so they
take microseconds, and a thread round trip per statement set the ceiling on updates per
second (bench/mixed.py; the figures are in docs/benchmarks.md). This adapter runs each
one inline, fetching its rows at once.

Checkpoints (copying the WAL back into the database file, with an fsync) are moved off
that thread too: SQLite would run one inside whichever commit crosses its threshold,
stopping the whole bot meanwhile (they showed in bench/mixed.py --rate's p99). Here
every CHECKPOINT_EVERY_COMMITS commits start a PASSIVE checkpoint, which never blocks
readers or writers, on a connection of its own in a worker thread.

A statement never waits inside SQLite: the connection's busy timeout is 0, and when
another process holds the write lock (the CLI while the bot runs), the statement gets
SQLITE_BUSY at once and is tried again after an asyncio sleep, so the loop keeps
serving while it waits, for up to busy_timeout seconds in all. Inside one process,
writers already queue on Database's write gate and never meet each other here.

The exception is a long statement: a report's or an export's (or an import's writes)
would stop every other customer while it runs. Units opened inside Database.off_loop()
use an engine whose connections run their statements, commit and rollback in a worker
thread (sqlite3 lets go of the GIL inside SQLite), so the loop keeps answering.

It is passed to SQLAlchemy through create_async_engine(module=...), the documented way
to supply a DBAPI; the dialect is still SQLAlchemy's aiosqlite one (URL
sqlite+aiosqlite://), which reads aiosqlite's exception classes and version. The
adapter classes it subclasses are SQLAlchemy's, not a public API: pyproject.toml pins
SQLAlchemy and aiosqlite exactly, and tests/integration/test_library_contracts.py
names the internal that changed when an upgrade breaks what this module relies on.
Its state (checkpoint counters, worker threads) belongs to one SqliteDriver per
Database, closed with it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_, in_greenlet

FIRST_RETRY_SECONDS = 0.001
LONGEST_RETRY_SECONDS = 0.05
CHECKPOINT_EVERY_COMMITS = 500  # a few MB of WAL for our small transactions

log = logging.getLogger(__name__)


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool):
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters if parameters is not None else ())
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


async def _in_worker(worker: Executor, conn: sqlite3.Connection, call: Callable[[], Any]) -> Any:
    """call() in the worker thread while the loop serves others. Cancelled meanwhile, the
    statement is interrupted and waited for, so that the connection's rollback and return
    to the pool never run beside it."""
    future = asyncio.get_running_loop().run_in_executor(worker, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        conn.interrupt()
        with contextlib.suppress(BaseException):
            await future
        raise


async def _run_when_not_busy(
    conn: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    busy_timeout: float,
    worker: Executor | None,
):
    """The statement, at once (inline, or in the worker thread when given); if another
    process holds the lock, again after a growing pause, until busy_timeout has passed.
    A statement that got SQLITE_BUSY did nothing, so trying it again is safe. A coroutine
    although an inline first try never yields: the async engine insists that every
    statement awaits something."""
    deadline = time.monotonic() + busy_timeout
    pause = FIRST_RETRY_SECONDS
    while True:
        try:
            if worker is None:
                return _run(conn, operation, parameters, many)
            return await _in_worker(
                worker, conn, functools.partial(_run, conn, operation, parameters, many)
            )
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_RETRY_SECONDS)


def _one_thread(name: str) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)


class WalCheckpoints:
    """Counts one database file's commits (of all its Database's connections) and
    checkpoints its WAL in a thread of its own, one checkpoint at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commits = 0
        self.running: Future | None = None
        self._thread: ThreadPoolExecutor | None = None  # started with the first checkpoint

    def committed(self) -> None:
        self.commits += 1
        busy = self.running is not None and not self.running.done()
        if self.commits < CHECKPOINT_EVERY_COMMITS or busy:
            return
        self.commits = 0
        self.start()

    def start(self) -> Future:
        """A checkpoint now, in the checkpoint thread; self.running until it ends."""
        if self._thread is None:
            self._thread = _one_thread("wal-checkpoint")
        self.running = self._thread.submit(self._checkpoint)
        return self.running

    def _checkpoint(self) -> None:
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:  # the next one will do it
            log.warning("WAL checkpoint of %s failed: %s", self.path, error)

    def close(self) -> None:
        """The checkpoint under way finishes; no other starts."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None


class SqliteDriver:
    """The driver's state for one Database, owned by it and closed by Database.dispose:
    each file's commits counted toward its next checkpoint, and the thread that runs the
    statements of units opened off the loop (Database.off_loop: reports, exports,
    imports). Nothing is shared between Databases, so nothing lives at module level."""

    def __init__(self) -> None:
        self.checkpoints: dict[str, WalCheckpoints] = {}
        self._statements: ThreadPoolExecutor | None = None

    def dbapi(self, *, off_loop: bool = False) -> InlineDBAPI:
        """The DBAPI for one engine: statements inline, or off_loop in this driver's
        worker thread (one: off-loop units are rare and long, and queue behind each
        other rather than take the cores from the loop)."""
        return InlineDBAPI(self, off_loop=off_loop)

    def checkpoints_of(self, path: str) -> WalCheckpoints:
        found = self.checkpoints.get(path)
        if found is None:
            found = self.checkpoints[path] = WalCheckpoints(path)
        return found

    def statement_thread(self) -> ThreadPoolExecutor:
        if self._statements is None:
            self._statements = _one_thread("sqlite-off-loop")
        return self._statements

    def close(self) -> None:
        for checkpoints in self.checkpoints.values():
            checkpoints.close()
        if self._statements is not None:
            self._statements.shutdown(wait=True)
            self._statements = None


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    # Sets the slots of SQLAlchemy's AsyncAdapt_dbapi_cursor itself instead of calling
    # its __init__ (which opens an aiosqlite cursor): tests/integration/
    # test_library_contracts.py fails by name when those slots or methods change.
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: InlineConnection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._soft_closed_memoized = EMPTY_DICT
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = self._adapt_connection
        running = _run_when_not_busy(
            connection.raw, operation, parameters, many, connection.busy_timeout, connection.worker
        )
        description, rows, self._rowcount, self._lastrowid = await_(running)
        self._description = description
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._trip(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._trip(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter over a plain sqlite3 connection. Its
    statements, commit and rollback run inline, or in the worker thread when given."""

    __slots__ = ("busy_timeout", "changes", "checkpoints", "raw", "worker")
    _cursor_cls = InlineCursor

    def __init__(
        self,
        dbapi: InlineDBAPI,
        raw: sqlite3.Connection,
        busy_timeout: float,
        checkpoints: WalCheckpoints | None,
        worker: Executor | None,
    ):
        super().__init__(dbapi, raw)  # type: ignore[arg-type]
        self.raw = raw
        self.busy_timeout = busy_timeout
        self.checkpoints = checkpoints
        self.worker = worker
        self.changes = raw.total_changes

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self.raw.isolation_level = value

    def create_function(self, *args: Any, **kw: Any) -> None:
        self.raw.create_function(*args, **kw)

    def _call(self, call: Callable[[], Any]) -> None:
        if self.worker is None or not in_greenlet():  # e.g. the pool, outside any unit
            call()
        else:  # a big import's commit writes its pages to the WAL: not on the loop's thread
            await_(_in_worker(self.worker, self.raw, call))

    def commit(self) -> None:
        self._call(self.raw.commit)
        # A one-statement write committed on its own: it counts when it changed rows.
        if self.checkpoints is not None and self.raw.total_changes != self.changes:
            self.changes = self.raw.total_changes
            self.checkpoints.committed()

    def rollback(self) -> None:
        self._call(self.raw.rollback)

    def close(self) -> None:
        self.raw.close()

    def terminate(self) -> None:
        self.raw.close()


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, driver: SqliteDriver, *, off_loop: bool = False) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.has_stop = False  # terminate() is our own close()
        self.driver = driver
        self.off_loop = off_loop

    def connect(self, database: str, *, busy_timeout: float = 10.0, **kw: Any):
        # The pool may close a connection from the garbage collector's thread, and an
        # off-loop connection runs its statements in the driver's worker thread.
        kw["check_same_thread"] = False
        raw = sqlite3.connect(database, **kw)
        raw.execute("PRAGMA busy_timeout=0")  # waiting is _run_when_not_busy's, not SQLite's
        checkpoints = None
        if database != ":memory:":
            raw.execute("PRAGMA wal_autocheckpoint=0")  # WalCheckpoints does them
            checkpoints = self.driver.checkpoints_of(database)
        worker = self.driver.statement_thread() if self.off_loop else None
        return InlineConnection(self, raw, busy_timeout, checkpoints, worker)
