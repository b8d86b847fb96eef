"""Alembic migrations on a fresh SQLite file: the schema they build is the one the code
expects, the carriers are seeded, and upgrading, downgrading and upgrading again work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from core.store.database import Database
from core.store.migrate import alembic_config, upgrade
from core.store.tables import carriers, metadata

SEEDED_CARRIERS = {
    "DHL",
    "FedEx",
    "UPS",
    "USPS",
    "Estafeta",
    "Correos",
    "SEUR",
    "Paquetexpress",
    "Servientrega",
}


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


async def schema_differences(db: Database) -> list:
    def compare(connection) -> list:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as conn:
        return await conn.run_sync(compare)


async def carrier_names(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(select(carriers.c.name))).scalars())


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def alembic(db: Database, database_url: str, action: str, revision: str) -> None:
    def run(connection) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_upgrading_a_fresh_file_builds_exactly_the_schema_the_code_expects(database):
    await upgrade(database.engine)
    assert await schema_differences(database) == []
    assert set(metadata.tables) <= await table_names(database)


async def test_the_carriers_a_merchant_needs_are_there_from_the_start(database):
    await upgrade(database.engine)
    names = await carrier_names(database)
    assert sorted(names) == sorted(SEEDED_CARRIERS)
    assert len(names) == len(SEEDED_CARRIERS)


async def test_upgrading_twice_changes_nothing(database):
    await upgrade(database.engine)
    await upgrade(database.engine)
    assert await schema_differences(database) == []
    assert len(await carrier_names(database)) == len(SEEDED_CARRIERS)
    async with database.engine.connect() as conn:
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert len(versions) == 1


async def test_downgrading_to_base_and_upgrading_again_rebuilds_the_schema(database, database_url):
    await upgrade(database.engine)
    await alembic(database, database_url, "downgrade", "base")
    assert await table_names(database) <= {"alembic_version"}

    await upgrade(database.engine)
    assert await schema_differences(database) == []
    assert sorted(await carrier_names(database)) == sorted(SEEDED_CARRIERS)
