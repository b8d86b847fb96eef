"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_for(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT on both databases."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(table)


_built: dict[tuple[str, str], Any] = {}


def prebuilt(conn: AsyncConnection, name: str, build: Callable[[AsyncConnection], Any]) -> Any:
    """A statement built once per dialect: executing it only binds parameters."""
    key = (conn.dialect.name, name)
    if key not in _built:
        _built[key] = build(conn)
    return _built[key]
