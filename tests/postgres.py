"""Fresh PostgreSQL databases for tests, when PEDIDOS_TEST_POSTGRES_URL names a server
(`make test` starts a throwaway cluster and sets it; see scripts/with_postgres.py).
With PEDIDOS_REQUIRE_POSTGRES=1 (set by scripts/with_postgres.py) a missing server is an
error, not a reason to run on SQLite alone: `make test` fails rather than skipping the
claims only PostgreSQL can prove.

A migrated template database is made once per test run; each test gets its own copy
(CREATE DATABASE … TEMPLATE), which takes milliseconds, and it is dropped after."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
from sqlalchemy.engine import make_url

from core.store.database import Database
from core.store.migrate import upgrade

ENV = "PEDIDOS_TEST_POSTGRES_URL"
REQUIRED = "PEDIDOS_REQUIRE_POSTGRES"
# One template per pytest-xdist worker: each drops and rebuilds its own at start.
TEMPLATE = f"pedidos_test_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
_template_ready: asyncio.Lock | None = None
_made = False


class PostgresRequired(RuntimeError):
    """The run was told PostgreSQL is required, and no server was given."""


def server_url() -> str | None:
    url = os.environ.get(ENV) or None
    if url is None and os.environ.get(REQUIRED, "") not in ("", "0"):
        raise PostgresRequired(
            f"{REQUIRED} is set but {ENV} is not: the PostgreSQL tests would be skipped. "
            "Run the tests through scripts/with_postgres.py (make test)."
        )
    return url


def _dsn(database: str) -> str:
    url = make_url(server_url()).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def _async_url(database: str) -> str:
    url = make_url(server_url()).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_dsn("postgres"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _ensure_template() -> None:
    global _template_ready, _made
    if _template_ready is None:
        _template_ready = asyncio.Lock()
    async with _template_ready:
        if _made:
            return
        await _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        await _admin(f'CREATE DATABASE "{TEMPLATE}"')
        database = Database(_async_url(TEMPLATE))
        try:
            await upgrade(database.engine)
        finally:
            await database.dispose()
        _made = True


async def create_database() -> str:
    """A new migrated database; returns its SQLAlchemy URL."""
    await _ensure_template()
    name = f"pedidos_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return _async_url(name)


async def drop_database(url: str) -> None:
    name = make_url(url).database
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
