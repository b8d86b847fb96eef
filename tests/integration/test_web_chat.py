"""The web chat (bot/webchat/) over real HTTP: the web app on a real uvicorn server on a
free port, the real conversation on the demo shop's SQLite file. A visitor is a browser
without JavaScript's help: an httpx client keeping its cookies, posting the page's forms
(as chat.js does, asking for JSON; and as it does, asking an empty chat to open) and
reading the live stream."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from itsdangerous import URLSafeSerializer
from sqlalchemy import Table, func, select

from bot.dispatcher import OutboxDispatcher
from bot.web import create_app
from bot.webchat import WebChat
from bot.webchat import web as webchat_web
from bot.webchat.channel import WebChatLive
from bot.webchat.session import COOKIE
from core.services import orders, retention, web
from core.services.context import Shop
from core.services.demo import seed_demo
from core.store.tables import customers, inbox, metadata, web_files, web_messages
from tests.conftest import MERCHANT

pytestmark = pytest.mark.sqlite_only  # a channel's test: the store's own run on both

BUTTON = re.compile(r'<button type="submit" name="payload" value="([^"]*)">([^<]*)</button>')
GUARD_SECONDS = 30  # a stream that never brings the news fails the test instead of hanging


@dataclass
class Served:
    shop: Shop
    live: WebChatLive
    url: str


# Scripted visitors post at machine speed: the session limit is out of their way (its
# own test sets one).
UNLIMITED = {"web_chat_burst": 10_000, "web_chat_per_minute": 6000}


async def serve(shop: Shop, **settings: object) -> AsyncIterator[Served]:
    channel = WebChat.from_environment(_env_file=None, **{**UNLIMITED, **settings})
    live = channel.open(shop)
    app = create_app(shop, [channel.router(live)])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), task
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(shop, live, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def demo(shop: Shop) -> Shop:
    await seed_demo(shop)
    return shop


@pytest.fixture
async def served(demo: Shop) -> AsyncIterator[Served]:
    async for running in serve(demo):
        yield running


def plain(fragment: str) -> str:
    """What a person reads in a piece of the page."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


class Visitor:
    """A browser on the chat page: its cookie jar, the page's CSRF token, and every row
    of the transcript it was shown (by id)."""

    def __init__(self, url: str, language: str = "en") -> None:
        self.client = httpx.AsyncClient(
            base_url=url, headers={"Accept-Language": language}, timeout=30
        )
        self.rows: dict[int, str] = {}
        self.csrf = ""

    async def close(self) -> None:
        await self.client.aclose()

    @property
    def after(self) -> int:
        return max(self.rows, default=0)

    async def opens(self, path: str = "/chat", *, script: bool = True) -> httpx.Response:
        """The page; on an empty chat, as chat.js does, the post that opens it (the
        shop's greeting) unless script=False (a browser without JavaScript)."""
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        self.rows = {
            int(number): row
            for number, row in re.findall(r'(?s)<li [^>]*data-id="(\d+)">(.*?)</li>', page.text)
        }
        if script and 'id="start"' in page.text:
            await self.send(opened="1", client_id=secrets.token_urlsafe(12))
        return page

    def screen(self) -> str:
        return "\n".join(plain(self.rows[number]) for number in sorted(self.rows))

    async def post(self, **fields: str) -> httpx.Response:
        fields = {"csrf": self.csrf, "after": str(self.after), **fields}
        return await self.client.post(
            "/chat/send", data=fields, headers={"Accept": "application/json"}
        )

    async def send(self, **fields: str) -> str:
        """Post as chat.js does; the new rows' words."""
        answer = await self.post(**fields)
        assert answer.status_code == 200, answer.text
        new = [row for row in answer.json()["messages"] if row["id"] not in self.rows]
        self.rows |= {row["id"]: row["html"] for row in new}
        return "\n".join(plain(row["html"]) for row in new)

    async def says(self, text: str, client_id: str | None = None) -> str:
        return await self.send(text=text, **({"client_id": client_id} if client_id else {}))

    async def presses(self, label: str) -> str:
        """The newest button whose label starts with label."""
        for number in sorted(self.rows, reverse=True):
            for payload, shown in reversed(BUTTON.findall(self.rows[number])):
                if html.unescape(shown).startswith(label):
                    return await self.send(payload=html.unescape(payload))
        raise AssertionError(f"no button {label!r} on the screen:\n{self.screen()}")


@pytest.fixture
async def visitor(served: Served) -> AsyncIterator[Visitor]:
    person = Visitor(served.url)
    yield person
    await person.close()


async def add_a_shirt(visitor: Visitor) -> None:
    await visitor.presses("Catalog")
    await visitor.presses("Ropa")
    assert "MX$349.00" in await visitor.presses("Camisa azul")
    assert "Added 1 × Camisa azul (M)" in await visitor.presses("Add 1 to cart")


async def check_out(visitor: Visitor) -> str:
    """Cash on delivery to a new address; the order's code."""
    phone_question = await visitor.presses("Check out")
    phone_question += await visitor.says("Ana López")
    assert "type it in the message box" in phone_question  # no contact button on the web
    for answer in ("+52 55 1234 5678", "Av. Reforma 222", "Juárez"):
        await visitor.says(answer)
    for answer in ("Ciudad de México", "CDMX", "06600"):
        await visitor.says(answer)
    await visitor.presses("No references")
    await visitor.presses("Standard")
    await visitor.presses("Cash on delivery")
    placed = await visitor.presses("Confirm order")
    return re.search(r"Order (PED-\w{5}) placed", placed).group(1)


async def test_a_visitor_buys_on_the_web_chat_and_finds_cart_and_order_again(served, visitor):
    page = await visitor.opens()
    assert "Welcome to Tienda Demo" in visitor.screen()  # a first visit is greeted
    cookie = page.cookies[COOKIE]
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    assert "max-age=31536000" in set_cookie  # a year: a returning visitor is known
    await add_a_shirt(visitor)

    # The same browser later (only its cookie): the same cart, and no second greeting.
    again = Visitor(served.url)
    again.client.cookies.set(COOKIE, cookie)
    await again.opens()
    assert "Added 1 × Camisa azul (M)" in again.screen()  # the transcript so far
    assert "Camisa azul" in await again.presses("My cart")
    code = await check_out(again)
    assert code in again.screen()
    await again.close()

    back = Visitor(served.url)
    back.client.cookies.set(COOKIE, cookie)
    await back.opens()
    assert code in await back.presses("My orders")
    await back.close()


async def test_a_tampered_cookie_starts_a_new_visitor(served, visitor):
    await visitor.opens()
    await add_a_shirt(visitor)
    cookie = visitor.client.cookies[COOKIE]
    visitor_id, _, signature = cookie.rpartition(".")
    forged = Visitor(served.url)
    forged.client.cookies.set(COOKIE, f"{visitor_id}.{signature[::-1]}")
    page = await forged.opens()
    assert page.cookies[COOKIE] != cookie  # a new session
    assert "Welcome to Tienda Demo" in forged.screen()
    assert "Camisa azul" not in forged.screen()
    assert "Your cart is empty" in await forged.presses("My cart")
    await forged.close()


async def test_posts_without_the_pages_token_or_from_another_site_change_nothing(served, visitor):
    await visitor.opens()
    before = await web.last_message_id(served.shop, visitor_id(visitor))

    missing = await visitor.client.post(
        "/chat/send", data={"text": "hola"}, headers={"Accept": "application/json"}
    )
    assert missing.status_code == 403
    assert "out of date or did not come from this shop" in missing.json()["notice"]
    wrong = await visitor.post(text="hola", csrf="0" * 64)
    assert wrong.status_code == 403
    as_a_form = await visitor.client.post("/chat/send", data={"text": "hola"})
    assert as_a_form.status_code == 403
    assert "out of date or did not come from this shop" in plain(as_a_form.text)
    ana = Visitor(served.url, "es")  # the reader's language
    await ana.opens()
    spanish = await ana.client.post("/chat/send", data={"text": "hola"})
    assert "no vino de esta tienda, así que no se envió nada" in plain(spanish.text)
    await ana.close()

    foreign = await visitor.client.post(
        "/chat/send",
        data={"csrf": visitor.csrf, "text": "hola"},
        headers={"Accept": "application/json", "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    hidden = await visitor.client.post(
        "/chat/send",
        data={"csrf": visitor.csrf, "text": "hola"},
        headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    )
    assert hidden.status_code == 403
    no_session = httpx.AsyncClient(base_url=served.url, headers={"Accept-Language": "en"})
    cookieless = await no_session.post(
        "/chat/send",
        data={"csrf": visitor.csrf, "text": "hola"},
        headers={"Accept": "application/json"},
    )
    await no_session.aclose()
    assert cookieless.status_code == 403
    assert "needs a cookie" in cookieless.json()["notice"]
    # A framed chat the browser keeps its cookie from: the way out is the chat in a tab
    # of its own, a link chat.js shows in the notice (and the page without JavaScript).
    assert cookieless.json()["link"] == {
        "url": "/chat",
        "label": "Open the chat in a new tab",
        "new_tab": True,
    }
    async with httpx.AsyncClient(base_url=served.url) as stranger:
        as_a_page = await stranger.post(
            "/chat/send",
            data={"csrf": visitor.csrf, "text": "hola"},
            headers={"Accept-Language": "es-MX,es;q=0.9"},
        )
    assert as_a_page.status_code == 403
    assert re.search(
        r'<a class="button primary" href="/chat" target="_blank" rel="noopener">'
        r"Abrir el chat en una pestaña nueva</a>",
        as_a_page.text,
    )
    assert await web.last_message_id(served.shop, visitor_id(visitor)) == before

    # The page's own origin, and a form whose origin the browser hid but vouched for.
    assert "Catalog" in await visitor.send(text="menu", client_id="own")
    own = await visitor.client.post(
        "/chat/send",
        data={"csrf": visitor.csrf, "text": "help"},
        headers={"Origin": served.url, "Accept": "application/json"},
    )
    assert own.status_code == 200
    vouched = await visitor.client.post(
        "/chat/send",
        data={"csrf": visitor.csrf, "text": "help"},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert vouched.status_code == 303


async def test_the_same_message_posted_twice_is_handled_once_and_answered_to_both(served, visitor):
    await visitor.opens()
    await visitor.presses("Catalog")
    await visitor.presses("Ropa")
    await visitor.presses("Camisa azul")
    [add] = [p for p, label in BUTTON.findall(visitor.rows[visitor.after]) if "Add 1" in label]
    first, second = await asyncio.gather(
        visitor.post(payload=html.unescape(add), client_id="double-click"),
        visitor.post(payload=html.unescape(add), client_id="double-click"),
    )
    assert first.status_code == second.status_code == 200
    for answer in (first, second):  # whichever came second still gets the answer
        words = " ".join(plain(row["html"]) for row in answer.json()["messages"])
        assert "Added 1 × Camisa azul (M)" in words
    rows = await web.transcript(served.shop, visitor_id(visitor))
    assert sum(1 for row in rows if "Added 1 ×" in str(row.body)) == 1
    cart = await visitor.presses("My cart")
    assert "1 × Camisa azul" in cart and "2 × Camisa azul" not in cart

    # Without JavaScript: an ordinary form post, and back to the page at the answer.
    posted = await visitor.client.post(
        "/chat/send", data={"csrf": visitor.csrf, "text": "help", "client_id": "form-1"}
    )
    assert posted.status_code == 303
    last = await web.last_message_id(served.shop, visitor_id(visitor))
    assert posted.headers["location"] == f"/chat#m{last}"
    again = await visitor.client.post(
        "/chat/send", data={"csrf": visitor.csrf, "text": "help", "client_id": "form-1"}
    )
    assert again.status_code == 303
    assert await web.last_message_id(served.shop, visitor_id(visitor)) == last


async def test_empty_and_huge_messages_are_answered_and_not_handled(served, visitor):
    page = await visitor.opens()
    # The box does not cut a long paste short (and send the rest unsaid): the server
    # says how long it was.
    box = re.search(r'<input id="message"[^>]*>', page.text).group()
    assert "maxlength" not in box
    before = await web.last_message_id(served.shop, visitor_id(visitor))
    empty = await visitor.post(text="   ")
    assert empty.status_code == 422
    assert empty.json()["notice"] == "Type a message first, then press Send."
    huge = await visitor.post(text="a" * 2001)
    assert huge.status_code == 422
    assert "too long: 2001 characters, and I read up to 2000" in huge.json()["notice"]
    as_a_form = await visitor.client.post(
        "/chat/send", data={"csrf": visitor.csrf, "text": "b" * 2500}
    )
    assert as_a_form.status_code == 422
    assert "too long: 2500 characters" in plain(as_a_form.text)
    assert 'value="' + "b" * 2500 + '"' in as_a_form.text  # all the words are still there
    assert await web.last_message_id(served.shop, visitor_id(visitor)) == before
    handled = await visitor.says("a" * 1990)  # under the cap: handled
    assert handled.startswith("You: aaa") and "Tienda Demo:" in handled


async def test_a_session_posting_too_fast_is_told_to_slow_down_and_not_handled(demo):
    async for running in serve(demo, web_chat_burst=3, web_chat_per_minute=1):
        fast = Visitor(running.url)
        await fast.opens()  # the post opening the chat is the burst's first
        for _ in range(2):
            assert "Catalog" in await fast.says("menu")
        before = await web.last_message_id(demo, visitor_id(fast))
        refused = await fast.post(text="menu")
        assert refused.status_code == 429
        assert "sending messages very fast" in refused.json()["notice"]
        assert int(refused.headers["retry-after"]) > 0
        page = await fast.client.post("/chat/send", data={"csrf": fast.csrf, "text": "menu"})
        assert page.status_code == 429
        assert "sending messages very fast" in plain(page.text)
        assert await web.last_message_id(demo, visitor_id(fast)) == before
        other = Visitor(running.url)  # another session has its own allowance
        await other.opens()
        assert "Catalog" in await other.says("menu")
        await fast.close()
        await other.close()


async def test_the_shops_news_reach_the_open_page_live_and_wait_in_the_transcript(served, visitor):
    await visitor.opens()
    await add_a_shirt(visitor)
    code = await check_out(visitor)
    after = visitor.after
    async with (
        asyncio.timeout(GUARD_SECONDS),
        visitor.client.stream("GET", "/chat/events", params={"after": after}) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        await orders.confirm_order(served.shop, MERCHANT, code)
        assert await OutboxDispatcher(served.shop, [served.live]).run_once() >= 1
        event = await event_saying(stream, f"Your order {code} is confirmed")
    assert int(event["id"]) > after

    # Opened again later: the news is in the transcript.
    await visitor.opens()
    assert f"Your order {code} is confirmed" in visitor.screen()

    # A stream picks up where the browser's Last-Event-ID says it left off.
    async with (
        asyncio.timeout(GUARD_SECONDS),
        visitor.client.stream(
            "GET", "/chat/events", headers={"Last-Event-ID": str(after)}
        ) as resumed,
    ):
        again = await event_saying(resumed, f"Your order {code} is confirmed")
    assert again["id"] == event["id"]


async def test_beyond_the_streams_a_worker_keeps_the_page_polls_for_the_news(
    served, visitor, monkeypatch
):
    monkeypatch.setattr(webchat_web, "MAX_CHAT_STREAMS", 1)
    await visitor.opens()
    after = visitor.after
    async with (
        asyncio.timeout(GUARD_SECONDS),
        visitor.client.stream("GET", "/chat/events") as first,
    ):
        assert await anext(first.aiter_lines()) == "retry: 1000"  # open
        busy = await visitor.client.get("/chat/events")
        # The page is told to come back later (chat.js then polls /chat/messages).
        assert busy.status_code == 503
        assert int(busy.headers["retry-after"]) > 0
        # The poll: the rows after the page's newest, once, as the stream sends them.
        assert "Catalog" in await visitor.says("menu")
        polled = await visitor.client.get(
            "/chat/messages", params={"after": after}, headers={"Accept": "application/json"}
        )
        assert polled.status_code == 200
        words = " ".join(plain(row["html"]) for row in polled.json()["messages"])
        assert "You: menu" in words and "Catalog" in words
        assert all(row["id"] > after for row in polled.json()["messages"])
    # The page went away: its place is free once the server has seen it go.
    async with asyncio.timeout(GUARD_SECONDS):
        while True:
            async with visitor.client.stream("GET", "/chat/events") as again:
                if again.status_code == 200:
                    break
            await asyncio.sleep(0.05)  # gently: no assertion rests on it

    # Without a session, a person is told why in their language; a script gets JSON.
    async with httpx.AsyncClient(base_url=served.url) as stranger:
        for path in ("/chat/events", "/chat/messages"):
            page = await stranger.get(path, headers={"Accept-Language": "es"})
            assert page.status_code == 403
            assert "Este chat necesita una cookie para recordarte" in plain(page.text)
            assert 'target="_blank" rel="noopener"' in page.text
            asked = await stranger.get(
                path, headers={"Accept": "application/json", "Accept-Language": "en"}
            )
            assert asked.status_code == 403
            assert "needs a cookie" in asked.json()["notice"]


async def test_open_streams_end_when_the_shop_stops(served, visitor):
    """The web server waits for every open request before it stops: the live streams
    end with the runner's stop (WebChat.start hands it over), not half a minute later."""
    await visitor.opens()
    stop = asyncio.Event()  # what runner.serve gives every channel's start
    channel = WebChat.from_environment(_env_file=None)
    assert await channel.start(served.live, poll=False, stop=stop) == []
    async with (
        asyncio.timeout(GUARD_SECONDS),
        visitor.client.stream("GET", "/chat/events") as stream,
    ):
        lines = stream.aiter_lines()
        assert await anext(lines) == "retry: 1000"  # the stream is open
        stop.set()
        rest = [line async for line in lines]
    assert not any(line.startswith("data:") for line in rest)


async def event_saying(stream: httpx.Response, words: str) -> dict[str, str]:
    """The first event on a Server-Sent Events stream whose row says these words (its
    fields: id, event, data)."""
    fields: dict[str, str] = {}
    async for line in stream.aiter_lines():
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
            continue
        if "data" in fields and words in plain(json.loads(fields["data"])["html"]):
            return fields
        fields = {}
    raise AssertionError(f"the stream ended without {words!r}")


async def test_a_document_downloads_only_in_its_own_session(served, visitor):
    await visitor.opens()
    await add_a_shirt(visitor)
    code = await check_out(visitor)
    answer = await visitor.says(f"/receipt {code}")
    assert f"Download recibo-{code}.pdf" in answer
    link = re.search(r'href="(/chat/files/[^"]+)"', visitor.rows[visitor.after]).group(1)
    mine = await visitor.client.get(link)
    assert mine.status_code == 200
    assert mine.headers["content-type"] == "application/pdf"
    assert mine.content.startswith(b"%PDF")
    assert mine.headers["content-disposition"].startswith("attachment;")

    stranger = Visitor(served.url)
    await stranger.opens()
    assert (await stranger.client.get(link)).status_code == 404
    nobody = httpx.AsyncClient(base_url=served.url, headers={"Accept-Language": "es-MX"})
    unknown = await visitor.client.get("/chat/files/not-a-file")
    # A person is told so on a page in their language, not with a bare "Not Found".
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in unknown.text
    assert "Page not found" in unknown.text and "Ask for it again in the chat" in unknown.text
    spanish = await nobody.get(link)
    assert spanish.status_code == 404
    assert "Página no encontrada" in spanish.text and "Pídela de nuevo" in spanish.text
    assert "%PDF" not in spanish.text
    await nobody.aclose()
    await stranger.close()


async def test_the_page_is_served_with_a_strict_policy_and_the_embed_script(demo):
    origins = "https://shop.example,https://Www.Shop.example:443,http://shop.example:8080"
    async for running in serve(demo, web_chat_embed_origins=origins):
        person = Visitor(running.url)
        page = await person.opens("/chat?embed=1")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert "frame-ancestors 'self' https://shop.example " in policy
        assert page.headers["referrer-policy"] == "same-origin"
        assert "<script>" not in page.text and " style=" not in page.text
        assert '<label for="message" class="visually-hidden">Message</label>' in page.text
        assert 'id="messages" class="messages" aria-live="polite"' in page.text
        assert 'name="embed" value="1"' in page.text  # its forms come back framed
        posted = await person.client.post(
            "/chat/send", data={"csrf": person.csrf, "text": "help", "embed": "1"}
        )
        assert posted.headers["location"].startswith("/chat?embed=1#m")

        script = await person.client.get("/chat/embed.js", headers={"Accept-Language": "es"})
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert '"open": "Chatea con nosotros"' in script.text
        assert "?embed=1" in script.text
        # Its words follow the browser's language: a shared cache must keep one copy
        # per language, not hand one visitor's to everyone.
        assert script.headers["cache-control"] == "public, max-age=300"
        assert "accept-language" in script.headers["vary"].lower()
        # The sites that may frame the chat, as a browser writes its location.origin;
        # anywhere else the script opens the chat in a new tab instead.
        assert (
            'var SITES = ["http://shop.example:8080", "https://shop.example", '
            '"https://www.shop.example"];'
        ) in script.text
        asked = await person.client.get("/chat/embed.js?lang=en", headers={"Accept-Language": "es"})
        assert '"open": "Chat with us"' in asked.text
        assert '"newTab": "(opens in a new tab)"' in asked.text

        # HEAD is answered as GET is, without the body.
        for path, kind in (("/chat/embed.js", "text/javascript"), ("/chat", "text/html")):
            head = await person.client.head(path)
            assert head.status_code == 200, path
            assert head.headers["content-type"].startswith(kind)
            assert head.content == b""
        assert (
            "accept-language"
            in (await person.client.head("/chat/embed.js")).headers["vary"].lower()
        )
        for asset in ("/static/chat.js", "/static/chat.css"):
            assert (await person.client.get(asset)).status_code == 200
        await person.close()


async def test_published_over_https_the_cookie_follows_the_chat_into_a_shops_frame(demo):
    settings = demo.settings.model_copy(update={"public_url": "https://pedidos.example"})
    published = Shop(demo.db, settings, clock=demo.clock, channels=demo.channels)
    async for running in serve(published):
        person = Visitor(running.url)
        page = await person.opens("/chat?embed=1", script=False)
        cookie = page.headers["set-cookie"]
        for attribute in ("HttpOnly", "SameSite=None", "Secure", "Partitioned"):
            assert f"; {attribute}" in cookie
        # Posts from the published address are the app's own. (httpx keeps a Secure
        # cookie for https only; a browser takes 127.0.0.1 for a secure address.)
        person.client.cookies.clear()
        person.client.cookies.set(COOKIE, page.cookies[COOKIE])
        sent = await person.client.post(
            "/chat/send",
            data={"csrf": person.csrf, "text": "help"},
            headers={"Origin": "https://pedidos.example", "Accept": "application/json"},
        )
        assert sent.status_code == 200
        await person.close()


async def test_with_the_web_chat_off_its_routes_are_not_found(demo):
    channel = WebChat.from_environment(_env_file=None, web_chat=False)
    assert not channel.configured()
    app = create_app(demo, [channel.router(None)])
    transport = httpx.ASGITransport(app)
    paths = ("/chat", "/chat/events", "/chat/messages", "/chat/embed.js", "/chat/files/x")
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"Accept-Language": "es-MX"}
    ) as client:
        for path in paths:
            # A person gets a page in their language; a script asking for JSON, JSON.
            page = await client.get(path)
            assert page.status_code == 404, path
            assert page.headers["content-type"].startswith("text/html"), path
            assert '<html lang="es">' in page.text
            assert "No hay ningún chat en esta dirección." in page.text
            english = await client.get(path, params={"lang": "en"})
            assert "There is no chat at this address." in english.text
            asked = await client.get(path, headers={"Accept": "application/json"})
            assert asked.status_code == 404
            assert asked.json()["notice"] == "No hay ningún chat en esta dirección."
        posted = await client.post("/chat/send", data={"text": "hola"})
        assert posted.status_code == 404
        assert "No hay ningún chat en esta dirección." in posted.text


def visitor_id(visitor: Visitor) -> str:
    """The visitor id inside the signed cookie (the channel's user id)."""
    _valid, value = URLSafeSerializer("").loads_unsafe(visitor.client.cookies[COOKIE])
    return str(value)


# -- sessions start with a post; forgetting and retention reach the transcript ----------

NAME, PHONE, STREET = "Ana López", "+52 55 1234 5678", "Av. Reforma 222"  # check_out's


async def count(shop: Shop, table: Table, **where: str) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with shop.uow(write=False) as uow:
        return int((await uow.conn.execute(query)).scalar_one())


async def visitors_stored(shop: Shop) -> dict[str, int]:
    return {t.name: await count(shop, t) for t in (customers, inbox, web_messages, web_files)}


async def everything_stored(shop: Shop) -> str:
    """Every row of every table, as text."""
    rows = []
    async with shop.uow(write=False) as uow:
        for table in metadata.sorted_tables:
            found = await uow.conn.execute(table.select())
            rows += [f"{table.name}: {tuple(row)}" for row in found]
    return "\n".join(rows)


def shows_an_empty_chat(page: httpx.Response) -> bool:
    """No message, and the welcome with its Start button (what a browser without
    JavaScript shows before the first post)."""
    return (
        'data-id="' not in page.text
        and "Chat with Tienda Demo" in plain(page.text)
        and re.search(r'<input type="hidden" name="opened" value="1">', page.text) is not None
        and '<button type="submit" class="primary">Start</button>' in page.text
    )


async def test_opening_the_page_stores_nothing_and_the_first_post_greets(served):
    before = await visitors_stored(served.shop)
    crawler = httpx.AsyncClient(base_url=served.url)
    for _ in range(5):  # cookie-less hits: a new session each, and nothing kept
        assert (await crawler.get("/chat")).status_code == 200
        crawler.cookies.clear()
    await crawler.aclose()
    ana = Visitor(served.url)
    page = await ana.opens(script=False)
    assert COOKIE in page.cookies
    assert shows_an_empty_chat(page)
    assert '<label for="message" class="visually-hidden">Message</label>' in page.text
    assert await visitors_stored(served.shop) == before

    # Without JavaScript: Start is a form post, and back at the page the shop says hello.
    start = re.search(r'(?s)<form id="start-form".*?</form>', page.text).group()
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', start))
    started = await ana.client.post("/chat/send", data=fields)
    assert started.status_code == 303
    greeted = await ana.opens()
    assert "Welcome to Tienda Demo" in ana.screen()
    assert 'id="start"' not in greeted.text
    again = await ana.client.post("/chat/send", data=fields)  # the same form, resent
    assert again.status_code == 303
    assert sum(1 for row in ana.rows.values() if "Welcome to" in row) == 1

    # Two tabs of someone new open the chat at once: both show the one greeting.
    bea = Visitor(served.url, "es")
    await bea.opens(script=False)
    first, second = await asyncio.gather(
        bea.post(opened="1", client_id="tab-1"), bea.post(opened="1", client_id="tab-2")
    )
    for answer in (first, second):
        assert answer.status_code == 200
        assert "Te damos la bienvenida a Tienda Demo" in plain(
            " ".join(row["html"] for row in answer.json()["messages"])
        )
    assert len(await web.transcript(served.shop, visitor_id(bea))) == 1

    # A first message typed without pressing Start is answered (a hello, greeted).
    cy = Visitor(served.url)
    await cy.opens(script=False)
    assert "Welcome to Tienda Demo" in await cy.says("hola")
    for person in (ana, bea, cy):
        await person.close()


async def test_one_address_starts_only_so_many_new_chats_a_minute(demo):
    async for running in serve(demo, web_chat_new_sessions_per_minute=2):
        first, second, third = (Visitor(running.url) for _ in range(3))
        await first.opens()
        await second.opens()
        assert "Welcome to Tienda Demo" in first.screen() + second.screen()
        before = await visitors_stored(demo)

        await third.opens(script=False)
        refused = await third.post(opened="1", client_id="one-too-many")
        assert refused.status_code == 429
        assert "sending messages very fast" in refused.json()["notice"]
        assert int(refused.headers["retry-after"]) > 0
        typed = await third.client.post("/chat/send", data={"csrf": third.csrf, "text": "hola"})
        assert typed.status_code == 429  # without JavaScript: the page, with the notice
        assert "sending messages very fast" in plain(typed.text)
        assert 'value="hola"' in typed.text  # the words stay in the box
        assert await visitors_stored(demo) == before  # nothing handled, nobody new

        # The chats already started go on: the cap is on new ones only.
        assert "Catalog" in await first.says("menu")
        assert "Catalog" in await second.says("menu")
        for person in (first, second, third):
            await person.close()


async def test_a_visitor_who_asks_to_be_forgotten_finds_an_empty_chat(served, visitor):
    await visitor.opens()
    await add_a_shirt(visitor)
    code = await check_out(visitor)
    await orders.cancel_order(served.shop, MERCHANT, code, "")  # nothing left in progress
    assert "copy of everything Tienda Demo keeps about you" in await visitor.says("/mydata")
    link = re.search(r'href="(/chat/files/[^"]+)"', visitor.rows[visitor.after]).group(1)
    assert NAME in (await visitor.client.get(link)).text  # their data, in a file
    me = visitor_id(visitor)
    assert await count(served.shop, web_files, user_id=me) == 1
    assert NAME in await everything_stored(served.shop)

    assert "Erase your data?" in await visitor.says("forget me")
    [yes] = [p for p, label in BUTTON.findall(visitor.rows[visitor.after]) if label == "Yes, erase"]
    answer = await visitor.post(payload=html.unescape(yes), client_id="erase")
    assert answer.status_code == 200
    assert answer.json()["forgotten"] is True
    assert answer.json()["messages"] == []  # shown once, kept nowhere
    assert "Done: we erased your data." in answer.json()["notice"]

    assert await web.transcript(served.shop, me) == []
    assert await count(served.shop, web_files, user_id=me) == 0
    assert (await visitor.client.get(link)).status_code == 404
    stored = await everything_stored(served.shop)
    assert [words for words in (NAME, PHONE, STREET) if words in stored] == []
    page = await visitor.opens(script=False)
    assert shows_an_empty_chat(page)
    assert NAME not in page.text
    await visitor.opens()  # the same browser later: a stranger, greeted afresh
    assert "Welcome to Tienda Demo" in visitor.screen()
    assert "Your cart is empty" in await visitor.presses("My cart")


async def test_forgetting_without_javascript_answers_on_an_empty_page(served, visitor):
    await visitor.opens()
    await visitor.says(NAME)
    await visitor.says("forget me")
    [yes] = [p for p, label in BUTTON.findall(visitor.rows[visitor.after]) if label == "Yes, erase"]
    page = await visitor.client.post(
        "/chat/send", data={"csrf": visitor.csrf, "payload": html.unescape(yes)}
    )
    assert page.status_code == 200
    assert "Done: we erased your data." in plain(page.text)  # the notice
    assert shows_an_empty_chat(page)
    assert await web.transcript(served.shop, visitor_id(visitor)) == []


async def test_the_cli_forgets_a_web_chat_visitor_transcript_and_files(served, visitor, tmp_path):
    await visitor.opens()
    await add_a_shirt(visitor)
    await visitor.presses("Check out")
    await visitor.says(NAME)
    await visitor.says(PHONE)
    await visitor.says("/mydata")
    link = re.search(r'href="(/chat/files/[^"]+)"', visitor.rows[visitor.after]).group(1)
    async with served.shop.uow(write=False) as uow:
        number = (await uow.customers.find("web", visitor_id(visitor))).id

    forgotten = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot.cli", "customer", "forget", str(number), "--yes"],
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONIOENCODING": "utf-8",
            "DATABASE_URL": served.shop.settings.database_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert forgotten.returncode == 0, forgotten.stderr

    assert await web.transcript(served.shop, visitor_id(visitor)) == []
    assert (await visitor.client.get(link)).status_code == 404
    stored = await everything_stored(served.shop)
    assert [words for words in (NAME, PHONE) if words in stored] == []
    page = await visitor.opens(script=False)
    assert shows_an_empty_chat(page)
    await visitor.opens()  # chat.js opens it: greeted as someone new
    assert "Welcome to Tienda Demo" in visitor.screen()


async def test_the_transcript_and_files_go_after_the_retention_days(served, visitor, clock):
    assert served.shop.settings.abandoned_data_keep_days == 30
    await visitor.opens()
    await add_a_shirt(visitor)
    await visitor.says("/mydata")
    link = re.search(r'href="(/chat/files/[^"]+)"', visitor.rows[visitor.after]).group(1)
    old = await count(served.shop, web_messages, user_id=visitor_id(visitor))
    clock.advance(days=20)
    assert "Catalog" in await visitor.says("menu")

    assert (await retention.forget_abandoned(served.shop)).total == 0  # 20 days: kept
    clock.advance(days=11)  # the first messages are 31 days old, "menu" 11
    deleted = await retention.forget_abandoned(served.shop)

    assert (deleted.web_messages, deleted.web_files) == (old, 1)
    assert (await visitor.client.get(link)).status_code == 404
    await visitor.opens()
    assert "Added 1 × Camisa azul" not in visitor.screen()
    assert "You: menu" in visitor.screen()  # the younger ones stay

    clock.advance(days=31)
    assert (await retention.forget_abandoned(served.shop)).web_messages == 2
    page = await visitor.opens(script=False)
    assert shows_an_empty_chat(page)
    await visitor.opens()  # opened again, the chat answers as ever
    assert visitor.screen().startswith("Tienda Demo:")
