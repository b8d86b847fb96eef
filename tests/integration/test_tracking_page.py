"""The order tracking page /t/<token> through the real web app: what it shows (and the
personal data it keeps out), its language, its headers, a plain 404 for any token that
is not a live link, and the Server-Sent Events stream that brings a status change to an
open page (a real uvicorn on a free port, read as a browser's EventSource reads it)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import ClassVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from itsdangerous import URLSafeSerializer

from bot.web import create_app
from bot.web_pages import tracking
from bot.web_pages.tracking import chat_links, tracking_page_router
from core.domain.actors import customer as customer_actor
from core.domain.orders import OrderStatus
from core.domain.tracking import Checkpoint, CheckpointSource, TrackingTag
from core.domain.tracking_links import key_of, new_tracking_key, tracking_token
from core.services import customers, orders, shipping, web
from core.services import tracking as tracking_service
from core.services.context import Shop
from handlers.i18n import Translator
from handlers.render import delivery_estimate, status_name
from tests.conftest import MERCHANT, Buyer, add_product, buy, new_buyer, test_channels

NUMBER = "JD014600003"
STORE_PHONE = "+52 55 1234 5678"
STORE_ADDRESS = "Av. Reforma 222, Juárez, 06600 Ciudad de México"


# -- reading the page ---------------------------------------------------------------------


class Page(HTMLParser):
    """The page's text by element id, its links, and its <html lang>."""

    VOID: ClassVar[set[str]] = {"br", "img", "input", "link", "meta", "hr", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.lang = ""
        self.links: list[dict[str, str]] = []
        self.ids: dict[str, list[str]] = {}
        self.attributes: dict[str, dict[str, str]] = {}
        self.steps: list[tuple[str, ...]] = []  # (name, state[, "here"]) of each step
        self._step: tuple[str, ...] | None = None
        self._open: list[str | None] = []  # the id of each open element (None: no id)
        self.feed(html)
        self.text = {key: " ".join(" ".join(parts).split()) for key, parts in self.ids.items()}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = found.get("lang", "")
        if tag == "a":
            self.links.append(found)
        classes = found.get("class", "").split()
        if tag == "li" and "step" in classes:
            state = next(c.removeprefix("step-") for c in classes if c.startswith("step-"))
            self._step = (state, "here") if found.get("aria-current") == "step" else (state,)
        if tag in self.VOID:
            return
        self._open.append(found.get("id"))
        if found.get("id"):
            self.ids.setdefault(found["id"], [])
            self.attributes[found["id"]] = found

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._step is not None and data.strip():  # the step's name comes first
            self.steps.append((data.strip(), *self._step))
            self._step = None
        for element in {i for i in self._open if i}:
            self.ids[element].append(data)

    def all_text(self) -> str:
        return " ".join(" ".join(self.ids.get("main", [])).split())


def page_of(response: httpx.Response) -> Page:
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


# -- the shop -----------------------------------------------------------------------------


@pytest.fixture
def contact(shop: Shop) -> Shop:
    shop.settings = shop.settings.model_copy(
        update={"store_phone": STORE_PHONE, "store_address": STORE_ADDRESS}
    )
    return shop


@contextlib.asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        yield client


async def token_of(shop: Shop, code: str) -> str:
    url = await web.tracking_url(shop, code)
    assert url is not None
    return url.rsplit("/", 1)[1]


async def placed(shop: Shop, buyer: Buyer | None = None, sku: str = "VELA-1") -> str:
    product = await add_product(shop, sku, price="250.00", name="Vela de lavanda", stock=9)
    order = await buy(shop, buyer or await new_buyer(shop), {product: 2})
    return order.code


async def shipped(shop: Shop, code: str, confirmed: bool = False) -> None:
    if not confirmed:
        await orders.confirm_order(shop, MERCHANT, code)
    for step in (orders.start_preparing, orders.mark_packed):
        await step(shop, MERCHANT, code)
    await shipping.ship_order(shop, MERCHANT, code, "dhl", NUMBER)


# -- what the page shows ------------------------------------------------------------------


async def test_the_page_shows_the_order_as_the_chat_tells_it_and_no_personal_data(contact):
    shop = contact
    code = await placed(shop)
    await shipped(shop, code)
    details = await orders.order_details(shop, code, MERCHANT)
    es = Translator("es", shop.settings.store_country)
    async with client_for(create_app(shop)) as client:
        response = await client.get(f"/t/{await token_of(shop, code)}")
    assert response.status_code == 200
    page = page_of(response)
    assert page.lang == "es"  # the customer's language (new_buyer: es)
    assert page.text["status"] == status_name(es, OrderStatus.SHIPPED)
    assert page.attributes["status"]["role"] == "status"
    text = page.all_text()
    assert code in text and shop.settings.store_name in response.text
    # The items, with quantities and prices in the shop's money.
    assert "Vela de lavanda" in page.text["items"]
    assert es.money(25000, "MXN") in page.text["items"]  # one of them
    assert es.money(50000, "MXN") in page.text["items"]  # the line: two of them
    assert es.money(details.order.total.amount, "MXN") in text
    # The estimate, the carrier, its number and its site (no referrer, no opener).
    estimate = delivery_estimate(
        es, details.order, details.shipment, shop.policy, shop.settings.store_timezone
    )
    assert estimate and estimate in text
    assert "DHL" in text and NUMBER in text
    carrier = next(link for link in page.links if "dhl.com" in link.get("href", ""))
    assert NUMBER in carrier["href"]
    assert set(carrier["rel"].split()) == {"noopener", "noreferrer"}
    # The timeline in the shop's time zone: placed at 15:00 UTC, 09:00 in Mexico City.
    assert "09:00" in page.text["timeline"] and "15:00" not in page.text["timeline"]
    assert "Enviado" in page.text["timeline"]  # "Shipped", as the chat says it
    # The steps: five done or under way, the order at "Shipped", "Delivered" to come.
    assert page.steps == [
        ("Pedido recibido", "done"),
        ("Confirmado por la tienda", "done"),
        ("En preparación", "done"),
        ("Empacado", "done"),
        ("Enviado", "current", "here"),
        ("Entregado", "todo"),
    ]
    # The shop's contact: its address, its phone as a link to call.
    assert STORE_ADDRESS in text
    assert {"href": "tel:+525512345678"}.items() <= next(
        link for link in page.links if link.get("href", "").startswith("tel:")
    ).items()
    # The first name and the city; nothing else of the customer's.
    assert "Ana" in text and "Oaxaca" in text
    for private in ("López", "951", "123 4567", "Morelos", "68000", "Portón", "Centro"):
        assert private not in response.text, private


async def test_an_order_placed_and_cancelled_reads_as_such(shop):
    code = await placed(shop)
    token = await token_of(shop, code)
    async with client_for(create_app(shop)) as client:
        waiting = page_of(await client.get(f"/t/{token}?lang=en"))
        await orders.cancel_order(shop, MERCHANT, code, "out of stock")
        cancelled = page_of(await client.get(f"/t/{token}?lang=en"))
    en = Translator("en")
    assert waiting.text["status"] == status_name(en, OrderStatus.AWAITING_CONFIRMATION)
    assert "Order received" in waiting.text["timeline"]
    assert cancelled.text["status"] == status_name(en, OrderStatus.CANCELLED)
    assert "Reason: out of stock" in cancelled.all_text()
    assert "Cancelled" in cancelled.text["timeline"]
    assert waiting.steps[0] == ("Order received", "current", "here")
    assert cancelled.steps == []  # off the way: no steps, the status and the reason


async def test_a_delivered_order_has_gone_every_step(shop):
    code = await placed(shop)
    await shipped(shop, code)
    await orders.mark_delivered(shop, MERCHANT, code)
    async with client_for(create_app(shop)) as client:
        page = page_of(await client.get(f"/t/{await token_of(shop, code)}?lang=en"))
    assert [step[1] for step in page.steps] == ["done"] * 6
    assert page.steps[-1] == ("Delivered", "done", "here")


async def test_the_page_speaks_the_customers_language_and_switches_on_request(shop):
    english = await customers.identify(shop, "terminal", "2002", name="Bob Stone", locale="en")
    buyer = Buyer(english.id, customer_actor(english.id))
    code = await placed(shop, buyer)
    token = await token_of(shop, code)
    en, es = Translator("en"), Translator("es")
    awaiting = OrderStatus.AWAITING_CONFIRMATION
    async with client_for(create_app(shop)) as client:
        default = page_of(await client.get(f"/t/{token}"))
        spanish = page_of(await client.get(f"/t/{token}?lang=es"))
        unknown = page_of(await client.get(f"/t/{token}?lang=fr"))
    assert (default.lang, default.text["status"]) == ("en", status_name(en, awaiting))
    assert (spanish.lang, spanish.text["status"]) == ("es", status_name(es, awaiting))
    assert unknown.lang == "en"  # not a language of the shop's: the customer's own
    # The switch keeps the page (a link relative to it: the token stays), and says which
    # language is on; the stream and the section the script asks for follow it.
    switch = {link["hreflang"]: link for link in spanish.links if "hreflang" in link}
    assert switch["en"]["href"] == "?lang=en" and "aria-current" in switch["es"]
    assert spanish.attributes["order-status"]["data-events"] == f"/t/{token}/events?lang=es"
    assert spanish.attributes["order-status"]["data-part"] == f"/t/{token}/part?lang=es"
    assert "Hi Ana," in default.all_text() and "López" not in default.html


async def test_the_page_and_its_404_carry_the_security_headers(shop):
    code = await placed(shop)
    async with client_for(create_app(shop)) as client:
        found = await client.get(f"/t/{await token_of(shop, code)}")
        missing = await client.get("/t/nothing-here")
        part = await client.get(f"/t/{await token_of(shop, code)}/part")
    for response in (found, missing, part):
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["referrer-policy"] == "no-referrer"
    # Nothing inline the policy would block: the script and the style are files.
    assert "<script>" not in found.text and "style=" not in found.text
    assert '<script src="/static/tracking.js" defer>' in found.text
    assert part.status_code == 200 and 'id="status"' in part.text


async def test_the_pages_files_are_served(shop):
    async with client_for(create_app(shop)) as client:
        script = await client.get("/static/tracking.js")
        style = await client.get("/static/tracking.css")
    assert script.status_code == 200 and "EventSource" in script.text
    assert style.status_code == 200 and ".steps" in style.text


async def test_any_token_that_is_not_a_live_link_is_the_same_plain_404(shop, clock):
    code = await placed(shop)
    live_token = await token_of(shop, code)
    secret = await web.web_secret(shop)
    key = key_of(secret, live_token)
    assert key is not None
    finished = await placed(shop, await new_buyer(shop, "3003"), sku="VELA-2")
    old = await token_of(shop, finished)
    await orders.cancel_order(shop, MERCHANT, finished, "no stock")
    clock.advance(days=shop.settings.tracking_link_days + 1)
    tokens = {
        "garbage": "not-a-token",
        "forged": tracking_token("someone else's secret", key),
        "other salt": URLSafeSerializer(secret, salt="pedidos.web-session").dumps(key),
        "unknown order": tracking_token(secret, new_tracking_key()),
        "expired": old,
    }
    async with client_for(create_app(shop)) as client:
        live = await client.get(f"/t/{live_token}")
        assert live.status_code == 200  # the open order's link still answers
        bodies = set()
        for why, token in tokens.items():
            for path in (f"/t/{token}", f"/t/{token}/events", f"/t/{token}/part"):
                response = await client.get(path)
                assert response.status_code == 404, (why, path)
                assert response.headers["content-type"].startswith("text/html"), (why, path)
                bodies.add(response.text)
        english = await client.get("/t/not-a-token?lang=en")
        nested = await client.get(f"/t/{live_token}/more/path")
    assert len(bodies) == 1  # one page whatever the reason: no hint why
    assert Page(bodies.pop()).lang == "es"  # DEFAULT_LOCALE
    assert (english.status_code, Page(english.text).lang) == (404, "en")
    assert "Page not found" in english.text
    assert nested.status_code == 404 and nested.headers["content-type"].startswith("text/html")


async def test_beyond_the_streams_a_worker_keeps_the_page_is_told_to_come_back_later(
    shop, monkeypatch
):
    monkeypatch.setattr(tracking, "MAX_TRACKING_STREAMS", 0)
    code = await placed(shop)
    async with client_for(create_app(shop)) as client:
        busy = await client.get(f"/t/{await token_of(shop, code)}/events")
    assert busy.status_code == 503 and busy.headers["retry-after"] == "60"


# -- back to the chat ---------------------------------------------------------------------


async def test_the_button_back_to_the_chat_opens_the_customers_own_channel(shop):
    links = {
        "telegram": "https://t.me/PedidosDemoBot",
        "whatsapp": "https://wa.me/525512345678",
        "web": "/chat",
    }
    app = FastAPI()
    app.include_router(tracking_page_router(shop, links))
    found = {}
    for channel, external_id in (
        ("telegram", "501"),
        ("whatsapp", "5215550001"),
        ("web", "visitor-1"),
        ("terminal", "9"),
    ):
        person = await customers.identify(shop, channel, external_id, name="Eva", locale="es")
        code = await placed(
            shop, Buyer(person.id, customer_actor(person.id)), sku=f"VELA-{channel}"
        )
        async with client_for(app) as client:
            page = page_of(await client.get(f"/t/{await token_of(shop, code)}"))
        found[channel] = page.attributes.get("back-to-chat", {}).get("href")
    assert found == {
        "telegram": "https://t.me/PedidosDemoBot",
        "whatsapp": "https://wa.me/525512345678",
        "web": "/chat",
        "terminal": None,  # no chat a browser can open: no button
    }


def test_the_chat_links_come_from_the_channels_settings():
    channels = test_channels(
        telegram_bot_token="123:abc",
        telegram_bot_username="@PedidosDemoBot",
        whatsapp_phone_id="1",
        whatsapp_token="t",
        whatsapp_app_secret="s",
        whatsapp_display_number="+52 55 1234-5678",
    )
    assert chat_links(channels) == {
        "telegram": "https://t.me/PedidosDemoBot",
        "whatsapp": "https://wa.me/525512345678",
        "web": "/chat",  # on unless WEB_CHAT=false
    }
    # A channel that is not on, or does not know its address: no link.
    assert chat_links(test_channels(telegram_bot_username="PedidosDemoBot", web_chat=False)) == {}
    assert "telegram" not in chat_links(test_channels(telegram_bot_token="123:abc"))


# -- the stream ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app on a real uvicorn at a free port: EventSource's own transport."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await serving


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) as an EventSource hands them over; comments (pings) skipped."""
    name, data = "", []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield name or "message", "\n".join(data)
            name, data = "", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


async def next_status(stream: AsyncIterator[tuple[str, str]]) -> Page:
    async with asyncio.timeout(10):
        name, html = await anext(stream)
    assert name == "status"
    return Page(html)


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracking, "TRACKING_POLL_SECONDS", 0.05)


async def test_an_open_page_hears_of_each_change_without_a_reload(shop, clock, quick_polls):
    code = await placed(shop)
    token = await token_of(shop, code)
    en = Translator("en")
    async with (
        served(create_app(shop)) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        client.stream("GET", f"/t/{token}/events?lang=en") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response)
        now = await next_status(stream)  # at once: the page may be older than the stream
        assert now.text["status"] == status_name(en, OrderStatus.AWAITING_CONFIRMATION)
        await orders.confirm_order(shop, MERCHANT, code)
        confirmed = await next_status(stream)
        assert confirmed.text["status"] == status_name(en, OrderStatus.CONFIRMED)
        assert "Confirmed by the shop" in confirmed.text["timeline"]
        await shipped(shop, code, confirmed=True)  # three changes; the stream may sum them up
        while (latest := await next_status(stream)).text["status"] != status_name(
            en, OrderStatus.SHIPPED
        ):
            pass
        assert NUMBER in latest.html and "DHL" in latest.html
        # The link stops answering (delivered, then TRACKING_LINK_DAYS): the stream ends.
        await orders.mark_delivered(shop, MERCHANT, code)
        await next_status(stream)
        clock.advance(days=shop.settings.tracking_link_days + 1)
        async with asyncio.timeout(10):
            assert [event async for event in stream] == []


async def test_a_stream_the_page_left_makes_room_for_another(shop, quick_polls, monkeypatch):
    monkeypatch.setattr(tracking, "MAX_TRACKING_STREAMS", 1)
    token = await token_of(shop, await placed(shop))
    async with (
        served(create_app(shop)) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        async with client.stream("GET", f"/t/{token}/events") as first:
            await next_status(events(first))
            busy = await client.get(f"/t/{token}/events")
            assert busy.status_code == 503  # one at a time here
        # The page went away: its place is free once the server has seen it go.
        async with asyncio.timeout(10):
            while True:
                async with client.stream("GET", f"/t/{token}/events") as again:
                    if again.status_code == 200:
                        await next_status(events(again))
                        break
                await asyncio.sleep(0.05)  # gently: no assertion rests on it


async def test_a_carriers_checkpoint_shows_what_happened_not_who_signed(shop):
    code = await placed(shop)
    await shipped(shop, code)
    delivered = Checkpoint(
        NUMBER,
        TrackingTag.DELIVERED,
        shop.now(),
        CheckpointSource.GENERIC,
        message="Entregado. Recibió: MARÍA PÉREZ GÓMEZ",
        location="Calle Morelos 12, Oaxaca",
    )
    await tracking_service.record_checkpoints(shop, [delivered])
    async with client_for(create_app(shop)) as client:
        response = await client.get(f"/t/{await token_of(shop, code)}")
    timeline = page_of(response).text["timeline"]
    assert "entregado" in timeline.lower()  # what the carrier saw, in the page's words
    for private in ("PÉREZ", "Recibió", "Morelos"):
        assert private not in response.text, private
