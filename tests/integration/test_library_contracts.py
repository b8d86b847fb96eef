"""What core/store/sqlite_driver.py relies on inside SQLAlchemy and aiosqlite, checked
one internal at a time, so that an upgrade that breaks the driver fails here with the
internal's name rather than somewhere in a checkout. And the exact pins in
pyproject.toml are what is installed (aiogram and pydantic are pinned for
bot/telegram/models.py, whose own checks are tests/unit/test_telegram_models.py).

Upgrading one of these libraries: change its pin, reinstall, run this file; each
failure says what changed and what of ours to adapt."""

from __future__ import annotations

import inspect
import sqlite3
import tomllib
from concurrent.futures import Executor
from importlib import metadata
from pathlib import Path

import aiosqlite
import pytest
from packaging.requirements import Requirement
from sqlalchemy.connectors import asyncio as sa_asyncio
from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.ext.asyncio import result as sa_async_result
from sqlalchemy.util.concurrency import greenlet_spawn

from core.store import sqlite_driver
from core.store.sqlite_driver import InlineConnection, InlineCursor, SqliteDriver

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
PINNED = ("sqlalchemy", "aiosqlite", "aiogram", "pydantic")

# The slots of SQLAlchemy's AsyncAdapt_dbapi_cursor, which InlineCursor.__init__ sets
# itself instead of calling the base __init__ (that one opens an aiosqlite cursor).
CURSOR_SLOTS = {"_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized"}
# The base cursor's members that use its aiosqlite cursor (self._cursor, None in ours)
# and that InlineCursor does not override: SQLAlchemy must never call them on ours.
UNUSED_CURSOR_MEMBERS = {
    "__init__",
    "_aenter_cursor",
    "_execute_async",
    "_executemany_async",
    "arraysize",
    "nextset",
    "setinputsizes",
}


def _requirements() -> dict[str, Requirement]:
    listed = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return {(r := Requirement(line)).name.lower(): r for line in listed}


@pytest.mark.parametrize("name", PINNED)
def test_the_library_is_pinned_exactly_to_the_installed_version(name):
    requirement = _requirements()[name]
    pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
    assert len(pins) == 1 and len(requirement.specifier) == 1, (
        f"pyproject.toml must pin {name} exactly (==), not {requirement.specifier}: "
        "core/store/sqlite_driver.py and bot/telegram/models.py rely on its internals"
    )
    installed = metadata.version(name)
    assert installed == pins[0], (
        f"{name} {installed} is installed but pyproject.toml pins {pins[0]}: "
        "reinstall (make install), or run this file against the new version before "
        "moving the pin"
    )


def _members_using(cls: type, attribute: str) -> set[str]:
    found = set()
    for name, member in vars(cls).items():
        function = member.fget if isinstance(member, property) else member
        if callable(function) or isinstance(member, property):
            try:
                source = inspect.getsource(function)
            except (OSError, TypeError):
                continue
            if f"self.{attribute}" in source:
                found.add(name)
    return found


def test_sqlalchemy_cursor_slots_are_the_ones_inline_cursor_sets():
    declared = set(sa_asyncio.AsyncAdapt_dbapi_cursor.__slots__)
    assert declared == CURSOR_SLOTS, (
        "sqlalchemy.connectors.asyncio.AsyncAdapt_dbapi_cursor.__slots__ changed "
        f"(added {sorted(declared - CURSOR_SLOTS)}, removed {sorted(CURSOR_SLOTS - declared)}): "
        "InlineCursor.__init__ sets these itself instead of calling the base __init__"
    )
    for cls in sa_aiosqlite.AsyncAdapt_aiosqlite_cursor.__mro__[:-1]:
        own = set(getattr(cls, "__slots__", ()))
        if cls is not sa_asyncio.AsyncAdapt_dbapi_cursor:
            assert not own, f"{cls.__qualname__} gained slots {sorted(own)}: InlineCursor sets none"


def test_sqlalchemy_cursor_members_using_the_aiosqlite_cursor_are_known():
    """Ours has no aiosqlite cursor: a base member that uses one and that we do not
    override must be one SQLAlchemy never calls for our statements."""
    using = _members_using(sa_asyncio.AsyncAdapt_dbapi_cursor, "_cursor")
    overridden = {name for name in using if name in vars(InlineCursor)}
    new = using - overridden - UNUSED_CURSOR_MEMBERS
    assert not new, (
        f"sqlalchemy.connectors.asyncio.AsyncAdapt_dbapi_cursor.{sorted(new)} now use(s) the "
        "aiosqlite cursor (self._cursor), which InlineCursor does not have: override it"
    )


def test_sqlalchemy_still_soft_closes_through_the_method_inline_cursor_overrides():
    source = inspect.getsource(sa_async_result)
    assert "._async_soft_close()" in source, (
        "sqlalchemy.ext.asyncio.result no longer calls cursor._async_soft_close(): "
        "InlineCursor overrides that name (the base one awaits the aiosqlite cursor)"
    )
    assert "_async_soft_close" in vars(sa_asyncio.AsyncAdapt_dbapi_cursor), (
        "AsyncAdapt_dbapi_cursor._async_soft_close is gone: see what replaced it"
    )


@pytest.fixture
def adapted():
    driver = SqliteDriver()
    dbapi = driver.dbapi()
    connection = dbapi.connect(":memory:")
    yield dbapi, connection
    connection.close()
    driver.close()


async def test_sqlalchemy_cursor_fetches_read_the_rows_inline_cursor_fills(adapted):
    _, connection = adapted

    def fetch() -> None:  # as SQLAlchemy calls a cursor: in a greenlet, for await_
        cursor = connection.cursor()
        cursor.execute("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3")
        base = "sqlalchemy.connectors.asyncio.AsyncAdapt_dbapi_cursor"
        assert cursor.fetchone() == (1,), f"{base}.fetchone no longer reads _rows"
        assert cursor.fetchmany(1) == [(2,)], f"{base}.fetchmany no longer reads _rows"
        assert list(cursor) == [(3,)], f"{base}.__iter__ no longer reads _rows"
        cursor.execute("SELECT 4")
        assert cursor.fetchall() == [(4,)], f"{base}.fetchall no longer reads _rows"

    await greenlet_spawn(fetch)


def test_sqlalchemy_connection_adapter_takes_the_driver_connection_as_is(adapted):
    dbapi, connection = adapted
    signature = list(inspect.signature(sa_aiosqlite.AsyncAdapt_aiosqlite_connection).parameters)
    assert signature == ["dbapi", "connection"], (
        f"AsyncAdapt_aiosqlite_connection({', '.join(signature)}): InlineConnection passes "
        "(dbapi, sqlite3 connection) to it"
    )
    assert connection._connection is connection.raw, (
        "AsyncAdapt_dbapi_connection no longer keeps its driver connection in _connection"
    )
    assert isinstance(connection.cursor(), InlineCursor), (
        "AsyncAdapt_dbapi_connection.cursor() no longer builds _cursor_cls"
    )
    dialect = sa_aiosqlite.SQLiteDialect_aiosqlite(dbapi=dbapi)
    assert dialect.get_driver_connection(connection) is connection.raw, (
        "SQLiteDialect_aiosqlite.get_driver_connection no longer returns _connection"
    )


def test_sqlalchemy_aiosqlite_dbapi_is_built_from_the_two_modules(adapted):
    dbapi, _ = adapted
    signature = list(inspect.signature(sa_aiosqlite.AsyncAdapt_aiosqlite_dbapi).parameters)
    assert signature == ["aiosqlite", "sqlite"], (
        f"AsyncAdapt_aiosqlite_dbapi({', '.join(signature)}): InlineDBAPI passes "
        "(aiosqlite, sqlite3)"
    )
    dialect = sa_aiosqlite.SQLiteDialect_aiosqlite(dbapi=dbapi)
    assert dialect.has_terminate is False, (
        "SQLiteDialect_aiosqlite no longer reads dbapi.has_stop: InlineDBAPI sets it False "
        "so that terminate() is InlineConnection's own close"
    )
    assert dbapi.paramstyle == "qmark", "AsyncAdapt_aiosqlite_dbapi.paramstyle changed"


def test_aiosqlite_errors_are_sqlite3s():
    """The driver raises sqlite3's errors; SQLAlchemy wraps them by aiosqlite's classes
    (a busy database must stay an OperationalError, which Database calls an outage)."""
    for name in ("Error", "OperationalError", "IntegrityError", "DatabaseError"):
        assert getattr(aiosqlite, name) is getattr(sqlite3, name), (
            f"aiosqlite.{name} is no longer sqlite3.{name}: SQLAlchemy would not wrap the "
            "driver's errors as DBAPI errors"
        )


def test_sqlalchemy_concurrency_helpers_are_there():
    from sqlalchemy import util
    from sqlalchemy.util import concurrency

    for name in ("await_", "in_greenlet"):
        assert callable(getattr(concurrency, name, None)), (
            f"sqlalchemy.util.concurrency.{name} is gone: core/store/sqlite_driver.py uses it"
        )
    assert getattr(util, "EMPTY_DICT", None) == {}, "sqlalchemy.util.EMPTY_DICT is gone"


def test_the_driver_keeps_no_state_at_module_level():
    """Counters, caches and threads belong to a SqliteDriver (one per Database)."""
    mutable = {
        name: type(value).__name__
        for name, value in vars(sqlite_driver).items()
        if not name.startswith("__")
        and (type(value) in (dict, list, set) or isinstance(value, Executor))
    }
    assert not mutable, f"module-level state in core/store/sqlite_driver.py: {mutable}"


def test_inline_connection_has_no_aiosqlite_connection_slot_left_unset(adapted):
    _, connection = adapted
    for cls in InlineConnection.__mro__:
        for slot in getattr(cls, "__slots__", ()):
            assert hasattr(connection, slot), (
                f"{cls.__qualname__}.__slots__ has {slot}, which InlineConnection leaves unset"
            )
