"""The browser tests' world: the demo shop's web app served for real, on 127.0.0.1, and
Chromium driven by Playwright (the Debian package: scripts/ensure_chromium.py).

One server per pytest process (so one per xdist worker), started the first time a
browser test there needs it: a thread with its own event loop runs `runner.serve`, the
same code `pedidos serve` runs, on a SQLite file migrated and seeded with the demo shop.
One Chromium per process too, on the browser tests' own event loop (loop_scope
"session"); each test opens its own browser contexts, so every test is a new visitor
with a new web chat session.

The admin acts as a shop's own software does: the REST API, with a key of every scope.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from pytest_asyncio import is_async_test

from bot import gc_tuning, runner
from bot.app import build_shop
from bot.web_pages import tracking
from core.domain.actors import SYSTEM
from core.domain.api_keys import SCOPES
from core.services import api_keys, cart, checkout, customers, demo
from core.services.catalog import get_product
from core.services.context import Shop
from core.services.web import tracking_url
from core.store.migrate import upgrade
from tests import crash_guard, sqlite_template
from tests.browser.checks import WIDTHS
from tests.conftest import details, test_channels, test_settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PHONE, DESKTOP = WIDTHS["phone"], WIDTHS["desktop"]
START_SECONDS = 60  # the server answering /healthz, on a busy 2-core machine

T = TypeVar("T")


def _ensure_chromium() -> Any:
    """scripts/ensure_chromium.py, the one place that knows where Chromium is."""
    spec = importlib.util.spec_from_file_location(
        "ensure_chromium", ROOT / "scripts" / "ensure_chromium.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; without it every browser test is skipped, saying why."""
    chromium = _ensure_chromium()
    found = chromium.find_chromium()
    if found is None:
        pytest.skip(f"browser tests: {chromium.missing_reason()}")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveShop:
    """The demo shop's web app, served by a thread with its own event loop."""

    def __init__(self, folder: Path) -> None:
        self.database_url = f"sqlite+aiosqlite:///{folder / 'shop.db'}"
        self.port = _free_port()  # the tracking links must name the real port: not 0
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api_key = ""
        self.shop: Shop | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failed: BaseException | None = None
        self._prepared = threading.Event()
        self._thread = threading.Thread(target=self._main, name="browser-tests-shop", daemon=True)

    # -- the server's thread ----------------------------------------------------------

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # told to the tests' thread, which waits for it
            self._failed = error
            self._prepared.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await sqlite_template.copy_migrated(Path(self.database_url.split("///", 1)[1]))
        # A person's pace is far below the web chat's limit; a test's is not.
        channels = test_channels(web_chat_burst=10_000, web_chat_per_minute=6000)
        settings = test_settings(self.database_url, host="127.0.0.1", port=self.port)
        shop = self.shop = build_shop(settings, channels)
        try:
            await upgrade(shop.db.engine)  # as `pedidos db upgrade` (a no-op on the copy)
            await demo.seed_demo(shop)  # as `pedidos demo`
            _, self.api_key = await api_keys.create_key(
                shop, SYSTEM, "browser tests", frozenset(SCOPES)
            )
            self._prepared.set()
            await runner.serve(shop, channels, poll=False, stop=self._stop)
        finally:
            await shop.db.dispose()

    # -- the tests' side --------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_SECONDS
        self._prepared.wait(START_SECONDS)
        with httpx.Client(timeout=2) as client:
            while self._failed is None and time.monotonic() < deadline:
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.base_url}/healthz").status_code == 200:
                        return
                time.sleep(0.05)  # waiting for the server to listen; nothing is timed
        if self._failed is not None:
            raise RuntimeError("the browser tests' shop did not start") from self._failed
        raise RuntimeError(f"the browser tests' shop did not answer in {START_SECONDS} s")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    async def call(self, work: Callable[[Shop], Awaitable[T]]) -> T:
        """Run work(shop) on the server's event loop (the shop's engine lives there)."""
        assert self._loop is not None and self.shop is not None
        shop = self.shop
        future = asyncio.run_coroutine_threadsafe(_awaited(work, shop), self._loop)
        return await asyncio.wrap_future(future)

    async def place_order(self, sku: str, quantity: int = 1, locale: str = "es") -> Placed:
        """An order of a new customer, placed through the shop's services as the chat
        places it (cash on delivery, to Oaxaca), and its tracking page's address."""

        async def place(shop: Shop) -> Placed:
            buyer = await customers.identify(
                shop, "terminal", secrets.token_hex(6), name="Ana", locale=locale
            )
            product = await get_product(shop, sku=sku)
            await cart.add_to_cart(shop, buyer.id, product.id, quantity)
            order = await checkout.place_order(shop, buyer.id, details())
            url = await tracking_url(shop, order.code)
            assert url is not None
            return Placed(order.code, url)

        return await self.call(place)

    async def admin(self, code: str, action: str, **body: object) -> dict:
        """The shop's software moving an order: POST /api/v1/orders/{code}/{action}."""
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            answer = await client.post(
                f"/api/v1/orders/{code}/{action}",
                json=body or None,
                headers={"Authorization": f"Bearer {self.api_key}"},
            )
        assert answer.status_code == 200, f"{action} {code}: {answer.status_code} {answer.text}"
        return answer.json()


@dataclass(frozen=True)
class Placed:
    code: str
    tracking_url: str


async def _awaited(work: Callable[[Shop], Awaitable[T]], shop: Shop) -> T:
    return await work(shop)


@pytest.fixture(scope="session")
def live_shop(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveShop]:
    """The demo shop's web app, for this pytest process's browser tests."""
    served = LiveShop(tmp_path_factory.mktemp("browser-shop"))
    with pytest.MonkeyPatch.context() as patch:
        # A server process freezes its heap for the collector once loaded; here the
        # process is pytest's, which goes on running other tests: left as it is.
        patch.setattr(gc_tuning, "tune_for_serving", lambda: None)
        # An open tracking page's stream reads its order this often (2 s when serving):
        # the tests wait for each change as long as a person would not notice.
        patch.setattr(tracking, "TRACKING_POLL_SECONDS", 0.2)
        served.start()
        try:
            yield served
        finally:
            served.stop()


@pytest.fixture(autouse=True)
def _crash_guard_watches_the_shop(request: pytest.FixtureRequest) -> None:
    """The shop's incident rows fail the test that made them (tests/crash_guard.py)."""
    if "live_shop" in request.fixturenames:
        crash_guard.watch(request.getfixturevalue("live_shop").database_url)


class PageProblems:
    """What a visitor would see break: an uncaught script error, or something the
    Content Security Policy refused (a page needing an inline script or style)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def follow(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: script error {error}"))
        page.on(
            "console",
            lambda message: (
                self.seen.append(f"{page.url}: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run on one event loop per process, the browser's: starting
    Playwright and Chromium for each test cost more than most tests."""
    on_the_browsers_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in item.path.parents and is_async_test(item):
            item.add_marker(on_the_browsers_loop, append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    """A headless Chromium for this process's browser tests; each test opens its own
    contexts (a new visitor each). Playwright passes --no-sandbox itself (chromiumSandbox
    is off by default): Chromium's sandbox refuses to run as root."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


NewContext = Callable[..., Awaitable[BrowserContext]]


@pytest_asyncio.fixture(loop_scope="session")
async def new_context(browser: Browser, live_shop: LiveShop) -> AsyncIterator[NewContext]:
    """new_context(locale="es-MX", viewport=PHONE): a visitor's browser, with its own
    cookies. Only the shop is reachable (the demo's product photos are on another host:
    refused at once rather than waited for); scripts erring or refused by the CSP fail
    the test."""
    problems = PageProblems()
    made: list[BrowserContext] = []

    async def make(locale: str = "es-MX", viewport: dict[str, int] = PHONE) -> BrowserContext:
        context = await browser.new_context(
            base_url=live_shop.base_url, locale=locale, viewport=viewport
        )
        await context.route(lambda url: not url.startswith(live_shop.base_url), _refuse)
        context.on("page", problems.follow)
        made.append(context)
        return context

    yield make
    for context in made:
        await context.close()
    assert not problems.seen, "the pages broke:\n" + "\n".join(problems.seen)


async def _refuse(route: Any) -> None:
    await route.abort("blockedbyclient")
