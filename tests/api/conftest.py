"""Fixtures for the REST API tests.

- `api_shop`: a migrated SQLite file shop with the demo catalog, its API rate limit out
  of the way (tests of the limit open their own shop with `open_api_shop(..., api_burst=2)`).
  For a module that must run on PostgreSQL too, override `api_database_url`:

      @pytest.fixture
      def api_database_url(database_url: str) -> str:
          return database_url  # SQLite, and PostgreSQL when the run has a server

- `api_key`: makes a key the way `pedidos apikey create` does:
  `key = await api_key("orders:read,orders:write")`, `await api_key()` (every scope),
  `await api_key({"stock:read"}, name="inventario")`.
- `api_client`: httpx.AsyncClient on the whole web app (create_app: /api mounted as in
  production), base_url http://test, no key; send one with `headers=bearer(key)`
  (tests/api/__init__.py).
- `api_as`: a client that sends a new key with these scopes on every request:
  `client = await api_as("products:read")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path

import httpx
import pytest

from bot.web import create_app
from core.domain.api_keys import parse_scopes
from core.services import api_keys
from core.services.context import Shop
from core.services.demo import seed_demo
from tests.api import bearer
from tests.conftest import MERCHANT, Clock, open_shop, test_settings

# Tests send requests at machine speed: the per-key limit is out of their way.
UNLIMITED_API = {"api_burst": 1_000_000, "api_requests_per_minute": 600_000}

ApiKeyMaker = Callable[..., Awaitable[str]]


async def open_api_shop(database_url: str, clock: Clock, **settings: object) -> Shop:
    """A migrated shop with the demo catalog; settings override the test defaults (the
    API limit unlimited unless given)."""
    shop = await open_shop(database_url, clock)
    shop.settings = test_settings(database_url, **{**UNLIMITED_API, **settings})
    await seed_demo(shop)
    return shop


@pytest.fixture
def api_database_url(db_path: Path) -> str:
    return f"sqlite+aiosqlite:///{db_path}"


@pytest.fixture
async def api_shop(api_database_url: str, clock: Clock) -> AsyncIterator[Shop]:
    shop = await open_api_shop(api_database_url, clock)
    yield shop
    await shop.db.dispose()


async def make_key(shop: Shop, scopes: Iterable[str] | str = "all", name: str = "tests") -> str:
    """A new API key's text; scopes as `pedidos apikey create --scopes` takes them
    ("orders:read,orders:write", "all") or as a set."""
    wanted = parse_scopes(scopes if isinstance(scopes, str) else ",".join(scopes))
    _, key = await api_keys.create_key(shop, MERCHANT, name, wanted)
    return key


@pytest.fixture
def api_key(api_shop: Shop) -> ApiKeyMaker:
    async def make(scopes: Iterable[str] | str = "all", name: str = "tests") -> str:
        return await make_key(api_shop, scopes, name)

    return make


def client_for(shop: Shop, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """A client on the whole web app of this shop (no server, no port)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(shop)),
        base_url="http://test",
        headers=headers,
    )


@pytest.fixture
async def api_client(api_shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(api_shop) as client:
        yield client


@pytest.fixture
async def api_as(
    api_shop: Shop, api_key: ApiKeyMaker
) -> AsyncIterator[Callable[..., Awaitable[httpx.AsyncClient]]]:
    made: list[httpx.AsyncClient] = []

    async def client_with(scopes: Iterable[str] | str = "all") -> httpx.AsyncClient:
        client = client_for(api_shop, bearer(await api_key(scopes)))
        made.append(client)
        return client

    yield client_with
    for client in made:
        await client.aclose()
