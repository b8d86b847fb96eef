"""Run Alembic migrations from code (`pedidos db upgrade`), wherever the package lives."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from core.store.database import begin_sqlite_write

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind engine to revision, in this event loop."""

    def _upgrade(connection) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            await begin_sqlite_write(connection)
        await connection.run_sync(_upgrade)
        await connection.commit()


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions a database fully upgraded is at (read from the migration files
    once per process: they do not change while it runs)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())
