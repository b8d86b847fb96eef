"""Schemathesis against the whole OpenAPI document (/api/openapi.json): every operation,
with an API key holding every scope, on a shop with the demo catalog and a few real
orders. Each generated request must get no 5xx, a status code the document lists, the
content type it lists, and a body matching its schema.

One pytest item per operation (so xdist spreads them); each starts from a fresh copy of
one seeded database file, and Hypothesis is derandomized: a run is repeatable. Path
parameters are often swapped for the seeded shop's real SKUs, order codes, customer
ids..., so operations on things that exist are exercised, not only their 404s.

The app runs on an event loop of this test's own (the shop's database connections
belong to one loop), reached through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.transport import Response
from sqlalchemy import select

from bot.api import create_api
from bot.web import create_app
from core.domain.orders import PaymentMethod
from core.services import orders, webhooks
from core.services.context import Shop
from core.store import tables
from core.store.database import Database
from tests.api import bearer
from tests.api.conftest import make_key, open_api_shop
from tests.conftest import MERCHANT, Clock, buy, new_buyer, test_settings

pytestmark = pytest.mark.slow  # seconds per operation, dozens of operations

BASE_URL = "http://test/api"
EXAMPLES_PER_OPERATION = 20


def _document() -> dict[str, Any]:
    """The OpenAPI document the app serves (no database is opened to make it)."""
    url = "sqlite+aiosqlite:///unused.db"  # the engine connects only when used
    return create_api(Shop(Database(url), test_settings(url))).openapi()


schema = schemathesis.openapi.from_dict(_document())
schema.config.update(base_url=BASE_URL)


@dataclass
class RealValues:
    """What exists in the seeded shop, by the resource a path names."""

    by_resource: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def for_parameter(self, path: str, name: str) -> list[Any]:
        parts = [p for p in path.split("/") if p and not p.startswith("{")]
        resource = parts[1] if len(parts) > 1 and parts[0] == "v1" else ""
        found = self.by_resource.get(resource, {})
        return found.get(name) or found.get("*") or []


@dataclass
class Seeded:
    path: Path
    values: RealValues


async def _seed(path: Path) -> RealValues:
    """The demo catalog, a few orders in different states, through the services."""
    shop = await open_api_shop(f"sqlite+aiosqlite:///{path}", Clock())
    try:
        hook = await webhooks.register(shop, MERCHANT, "https://erp.example.com/hook", "*")
        products = await _column(shop, tables.products.c.id)
        waiting = await buy(shop, await new_buyer(shop, "2001", "Ana"), {products[0]: 1})
        confirmed = await buy(shop, await new_buyer(shop, "2002", "Beto"), {products[1]: 2})
        await orders.confirm_order(shop, MERCHANT, confirmed.code)
        preparing = await buy(shop, await new_buyer(shop, "2003", "Carla"), {products[2]: 1})
        await orders.confirm_order(shop, MERCHANT, preparing.code)
        await orders.start_preparing(shop, MERCHANT, preparing.code)
        transfer = await buy(
            shop,
            await new_buyer(shop, "2004", "Dani"),
            {products[3]: 1},
            PaymentMethod.BANK_TRANSFER,
        )
        codes = [waiting.code, confirmed.code, preparing.code, transfer.code]
        skus = await _column(shop, tables.products.c.sku)
        customers = await _column(shop, tables.customers.c.id)
        carriers = await _column(shop, tables.carriers.c.code)
        returns = await _column(shop, tables.return_requests.c.id)
    finally:
        await shop.db.dispose()  # the last connection closing empties the WAL into the file
    return RealValues(
        {
            "products": {"sku": skus},
            "stock": {"sku": skus},
            "orders": {"*": codes},
            "returns": {"*": returns, "code": codes},
            "customers": {"*": customers},
            "carriers": {"*": carriers},
            "webhooks": {"endpoint_id": [hook.endpoint.id]},
        }
    )


async def _column(shop: Shop, column: Any) -> list[Any]:
    async with shop.uow(write=False) as uow:
        return list((await uow.conn.execute(select(column).order_by(column))).scalars())


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("fuzz") / "seeded.db"
    values = asyncio.run(_seed(path))
    return Seeded(path, values)


@schema.hook("flatmap_path_parameters")
def _real_things(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy:
    """Half the time, each path parameter names something that exists."""
    real = _SEEDED_VALUES.get("values")
    if real is None or context.operation is None or not path_parameters:
        return st.just(path_parameters)
    choices: dict[str, st.SearchStrategy] = {}
    for name, generated in path_parameters.items():
        known = real.for_parameter(context.operation.path, name)
        choices[name] = (
            st.one_of(st.just(generated), st.sampled_from([str(v) for v in known]))
            if known
            else st.just(generated)
        )
    return st.fixed_dictionaries(choices)


# Filled by the fuzz fixture before Hypothesis draws (hooks are module-level functions).
_SEEDED_VALUES: dict[str, RealValues] = {}


@dataclass
class Target:
    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    headers: dict[str, str]

    def send(self, case: schemathesis.Case, kwargs: dict[str, Any]) -> httpx.Response:
        headers = {**kwargs.get("headers", {}), **self.headers}
        if kwargs.get("cookies"):
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
        request = {
            "method": kwargs["method"],
            "url": kwargs["url"],
            "headers": headers,
            "params": kwargs.get("params"),
        }
        if "json" in kwargs:
            request["json"] = kwargs["json"]
        elif isinstance(kwargs.get("data"), bytes | str):
            request["content"] = kwargs["data"]
        elif kwargs.get("data") is not None:
            request["data"] = kwargs["data"]
        try:
            return self.loop.run_until_complete(self.client.request(**request))
        except Exception as error:  # the app crashed: a 500, and which request made it
            raise AssertionError(f"the app raised on: {case.as_curl_command()}") from error


@pytest.fixture
def target(seeded: Seeded, tmp_path: Path) -> Iterator[Target]:
    """A fresh copy of the seeded shop, and a client holding a key with every scope."""
    path = tmp_path / "fuzz.db"
    shutil.copyfile(seeded.path, path)
    _SEEDED_VALUES["values"] = seeded.values
    loop = asyncio.new_event_loop()
    shop = loop.run_until_complete(open_api_shop(f"sqlite+aiosqlite:///{path}", Clock()))
    key = loop.run_until_complete(make_key(shop, "all", "schemathesis"))
    transport = httpx.ASGITransport(app=create_app(shop))
    client = httpx.AsyncClient(transport=transport, base_url="http://test")
    try:
        yield Target(loop, client, bearer(key))
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(shop.db.dispose())
        loop.close()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, target: Target) -> None:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    response = target.send(case, kwargs)
    case.validate_response(Response.from_any(response), checks=CHECKS)
