"""Shared fixtures: a real SQLite file per test, migrated with Alembic, and a clock the
test controls. Every test runs under the crash guard (tests/crash_guard.py), with none
of the shop's settings taken from the machine running it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.channels import Channel, channel_classes, roster
from bot.payments.settings import PaymentSettings
from bot.telegram.models import load_aiogram
from bot.tracking.settings import TrackingSettings
from core.domain.actors import Actor, customer, merchant
from core.domain.customers import Address
from core.domain.money import Money
from core.domain.orders import Order, PaymentMethod
from core.services import cart, checkout, customers
from core.services.catalog_io import ProductRow, upsert_rows
from core.services.context import Shop
from core.settings import Settings, load_settings
from core.store.database import Database
from core.store.migrate import upgrade
from tests import crash_guard, postgres, sqlite_template

# The suite's time against its budget; where the browser tests' screenshots are.
pytest_plugins = ["tests.suite_clock", "tests.browser.report"]


def _clear_shop_settings() -> None:
    """A developer's exported TELEGRAM_BOT_TOKEN, DATABASE_URL, STORE_NAME... or a .env in
    the folder the tests run from must not change what the tests see. Settings' field
    names are matched case-insensitively, as pydantic-settings reads them. The test
    infrastructure's own variables (PEDIDOS_TEST_POSTGRES_URL) are not settings. Done at
    import, so worker processes that import this module (tests/integration/*_worker.py)
    are covered too, and subprocesses inherit the cleaned environment."""
    classes = [
        Settings,
        PaymentSettings,
        TrackingSettings,
        *(channel.settings_class for channel in channel_classes()),
    ]
    fields = {name.lower() for settings in classes for name in settings.model_fields}
    for name in list(os.environ):
        if name.lower() in fields:
            del os.environ[name]
    for settings in classes:
        settings.model_config["env_file"] = None  # an explicit _env_file still reads one


_clear_shop_settings()
load_aiogram()  # as the Telegram channel loads it when it starts


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    crash_guard.start(item)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """After every fixture is torn down (so errors logged while stopping servers and
    workers count), the guard's verdict: a failure is reported as a teardown error."""
    try:
        result = yield
    finally:
        verdict = crash_guard.finish()
    if verdict:
        pytest.fail(verdict, pytrace=False)
    return result


START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Mexico City


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# Scripted conversations send many messages at machine speed: the incoming limit is
# out of their way (tests of the limit set their own).
UNLIMITED_INCOMING = {"incoming_burst": 1_000_000, "incoming_per_minute": 60_000}


def test_settings(database_url: str, **overrides: object) -> Settings:
    unknown = [name for name in overrides if name not in Settings.model_fields]
    assert not unknown, f"not a core setting (a channel's? see test_channels): {unknown}"
    return load_settings(
        _env_file=None, database_url=database_url, **{**UNLIMITED_INCOMING, **overrides}
    )


def test_channels(**overrides: object) -> list[Channel]:
    """Every registered channel, with these of their settings (telegram_bot_token=...)."""
    channels, used = [], set()
    for channel in channel_classes():
        own = {k: v for k, v in overrides.items() if k in channel.settings_class.model_fields}
        used |= own.keys()
        channels.append(channel.from_environment(_env_file=None, **own))
    assert used == overrides.keys(), f"no channel has {sorted(overrides.keys() - used)}"
    return channels


test_settings.__test__ = False  # helpers, not tests
test_channels.__test__ = False


# Integration and end-to-end tests run on SQLite and, when a PostgreSQL server is given
# (make test starts one), on PostgreSQL too.
BACKENDS = ["sqlite", *(["postgresql"] if postgres.server_url() else [])]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules marked sqlite_only test the conversation or a channel, not the store: their
    PostgreSQL runs would repeat the SQLite ones (the store's own tests run on both)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        (dropped if on_postgres and item.get_closest_marker("sqlite_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pedidos.db"


@pytest.fixture
async def database_url(backend: str, db_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{db_path}"
        crash_guard.watch(url)
        yield url
        return
    url = await postgres.create_database()
    crash_guard.watch(url)
    yield url
    await crash_guard.check_postgres(url)  # its incident rows, before it is gone
    await postgres.drop_database(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def shop(database_url: str, clock: Clock) -> AsyncIterator[Shop]:
    shop = await open_shop(database_url, clock)
    yield shop
    await shop.db.dispose()


async def open_shop(database_url: str, clock: Clock | None = None) -> Shop:
    """A migrated shop on that file, with the test merchant as its admin."""
    from core.services.admins import add_admin

    crash_guard.watch(database_url)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        await sqlite_template.copy_migrated(Path(url.database))
    shop = Shop(
        Database(database_url),
        test_settings(database_url),
        clock=clock or Clock(),
        channels=roster(test_channels()),
    )
    await upgrade(shop.db.engine)  # a no-op on a copy of the template (and on PostgreSQL's)
    await add_admin(shop, "terminal", "owner", "Owner")
    return shop


MERCHANT = merchant("terminal:owner")  # an admin in every test shop (see the shop fixture)


async def add_product(
    shop: Shop,
    sku: str,
    *,
    price: str = "100.00",
    stock: int = 10,
    name: str | None = None,
    category: str = "General",
    weight_g: int = 500,
) -> int:
    """Create (or reset) a product through the same path as the CSV import."""
    row = ProductRow(
        0,
        sku,
        name or f"Product {sku}",
        "",
        category,
        Money.from_major(price, shop.currency),
        stock,
        weight_g,
        "",
    )
    async with shop.uow() as uow:
        await upsert_rows(uow, [row], MERCHANT, shop.now(), threshold=2)
        await uow.commit(shop.now())
        product = await uow.catalog.get_by_sku(sku)
    assert product is not None
    return product.id


@dataclass
class Buyer:
    customer_id: int
    actor: Actor


async def new_buyer(shop: Shop, external_id: str = "1001", name: str = "Ana") -> Buyer:
    found = await customers.identify(shop, "terminal", external_id, name=name, locale="es")
    return Buyer(found.id, customer(found.id))


ADDRESS = Address(
    street="Calle Morelos 12",
    neighbourhood="Centro",
    city="Oaxaca",
    state="Oaxaca",
    postal_code="68000",
    country="MX",
    references="Portón verde",
)


def details(
    payment: PaymentMethod = PaymentMethod.CASH_ON_DELIVERY, shipping: str = "standard"
) -> checkout.CheckoutDetails:
    return checkout.CheckoutDetails("Ana López", "+52 951 123 4567", ADDRESS, shipping, payment)


async def buy(
    shop: Shop,
    buyer: Buyer,
    items: dict[int, int],
    payment: PaymentMethod = PaymentMethod.CASH_ON_DELIVERY,
) -> Order:
    for product_id, qty in items.items():
        await cart.add_to_cart(shop, buyer.customer_id, product_id, qty)
    return await checkout.place_order(shop, buyer.customer_id, details(payment))
