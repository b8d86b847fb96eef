"""What the benchmarks share: a fresh database (a SQLite file in a temporary folder, or a
new database on a PostgreSQL server, dropped afterwards), migrated with the project's
own Alembic migrations; the demo catalog; resident memory; percentiles. The project is
imported only where it is used, so a process that needs none of it stays lean."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from core.services.context import Shop


POSTGRES_ENV = "PEDIDOS_TEST_POSTGRES_URL"  # what scripts/with_postgres.py sets


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="sqlite: a new file in a temporary folder; postgres: a new database on the "
        "server of --postgres-url, dropped afterwards (default: sqlite)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_ENV),
        help=f"a PostgreSQL server, e.g. postgresql+asyncpg://pedidos@127.0.0.1:55432/postgres "
        f"(default: ${POSTGRES_ENV})",
    )
    parser.add_argument(
        "--postgres-from-env",
        action="store_true",
        help=f"--database postgres on the server ${POSTGRES_ENV} names "
        "(as scripts/with_postgres.py sets it)",
    )


def database_choice(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """'sqlite' or 'postgres' (then args.postgres_url is set), or exit with the reason."""
    if args.postgres_from_env:
        args.postgres_url = os.environ.get(POSTGRES_ENV)
        if not args.postgres_url:
            parser.error(f"--postgres-from-env: ${POSTGRES_ENV} is not set")
        args.database = "postgres"
    if args.database == "postgres" and not args.postgres_url:
        parser.error(f"--database postgres needs --postgres-url or ${POSTGRES_ENV}")
    return args.database


@asynccontextmanager
async def fresh_database(kind: str, postgres_url: str | None = None) -> AsyncIterator[str]:
    """A new, empty database; yields its SQLAlchemy URL and removes it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pedidos-bench-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    from sqlalchemy.engine import make_url

    assert postgres_url
    server = make_url(postgres_url)
    admin = server.set(drivername="postgresql", database=server.database or "postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    name = f"pedidos_bench_{uuid.uuid4().hex[:12]}"
    await _admin(admin_dsn, f'CREATE DATABASE "{name}"')
    try:
        url = server.set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        await _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(dsn: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def open_shop(url: str, **settings: object) -> Shop:
    from core.services.context import Shop
    from core.settings import load_settings
    from core.store.database import Database

    return Shop(Database(url), load_settings(_env_file=None, database_url=url, **settings))


async def migrate(shop: Shop) -> None:
    from core.store.migrate import upgrade

    await upgrade(shop.db.engine)


async def seed_demo_with_stock(shop: Shop, stock: int) -> None:
    """The demo shop (12 products, 3 categories), every product with `stock` units, set
    through the catalog import's path (the stock ledger)."""
    from core.domain.actors import SYSTEM
    from core.services.catalog_io import parse_catalog_csv, upsert_rows
    from core.services.demo import DEMO_CATALOG, seed_demo

    await seed_demo(shop)
    rows = [replace(row, stock=stock) for row in parse_catalog_csv(DEMO_CATALOG, shop.currency)]
    async with shop.uow() as uow:
        await upsert_rows(uow, rows, SYSTEM, shop.now(), threshold=0)
        await uow.commit(shop.now())


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size (VmRSS) in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/<pid>/status")


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when it is empty)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, int(len(sorted_values) * fraction + 0.5) - 1))
    return sorted_values[rank]


def code_version() -> str:
    """The commit the project is at, and whether files outside bench/ differ from it."""
    import subprocess

    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [
        line
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith("bench/")
    ]
    return f"git {commit}" + (f" + {len(changed)} changed files" if changed else "")
