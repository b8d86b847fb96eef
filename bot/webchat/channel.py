"""The running web chat: a visitor's messages in through the inbox, the answers and the
shop's later news out to the visitor's transcript (core web_messages).

A message is written to the inbox under the visitor's id and the id their browser gave
it before it is handled: the same message posted twice (a double click, a retried
request) is handled once, and one a dead worker left is handled by the recovery job.
Each visitor's messages are handled in order under their person lock, and the answer is
written together with the message it answers; the outbox's news (the dispatcher's
Sender, `deliver`) take the same lock, so they never land between the two.

Whoever waits for a visitor's news (the live stream, bot/webchat/web.py) is woken at
once in this worker; other workers' writes are found by reading the table every second.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from bot.dispatcher import Pieces
from bot.metrics import DUPLICATE, updates_of
from bot.webchat import CAPABILITIES
from bot.webchat.render import body_of, shows_anything
from bot.webchat.settings import WebChatSettings
from core.domain.web_chat import CHANNEL, INCOMING, OUTGOING, WebFile
from core.services import inbox, web
from core.services.context import Shop
from handlers.conversation import Conversation
from handlers.i18n import Translator
from handlers.throttle import IncomingLimiter
from handlers.types import Incoming, Reply

log = logging.getLogger("pedidos.webchat")

FAREWELLS_KEPT = 100


class Wakeups:
    """Per visitor, the live streams in this worker waiting for their news."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Event]] = defaultdict(set)

    def notify(self, visitor: str) -> None:
        for event in self._waiting.get(visitor, ()):
            event.set()

    @contextmanager
    def listening(self, visitor: str) -> Iterator[asyncio.Event]:
        """An event set whenever news for this visitor are written in this worker."""
        event = asyncio.Event()
        self._waiting[visitor].add(event)
        try:
            yield event
        finally:
            waiting = self._waiting.get(visitor)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._waiting[visitor]


class WebChatLive:
    channel = CHANNEL

    def __init__(self, shop: Shop, settings: WebChatSettings) -> None:
        self.shop = shop
        self.settings = settings
        self.conversation = Conversation(shop, CAPABILITIES)
        # Per session, before anything is handled (the conversation's own limit is the
        # same for every channel; this one is the web's, against scripts posting forms).
        self.limiter = IncomingLimiter(settings.web_chat_per_minute, settings.web_chat_burst)
        self.wakeups = Wakeups()
        self.stopping = asyncio.Event()  # the runner's stop (WebChat.start): streams end
        self.metrics = updates_of(shop)  # /metrics counts each message by outcome
        # Per client address, the visitors it starts (a session starts with its first
        # post): WEB_CHAT_NEW_SESSIONS_PER_MINUTE at once, then that rate.
        per_minute = settings.web_chat_new_sessions_per_minute
        self.new_sessions = IncomingLimiter(per_minute, per_minute)
        # The answer to a "forget me" (stored nowhere), for the post that asked.
        self.farewells: OrderedDict[str, str] = OrderedDict()

    # -- receiving -------------------------------------------------------------------------

    async def receive(self, visitor: str, key: str, event: dict) -> bool:
        """Write the visitor's message down and handle it (with any earlier one still
        waiting), in order. A repeat (the same key) is not handled again: it waits until
        the first one's answer is written, so whoever asks next finds it. True when the
        message was new."""
        fresh = await inbox.receive(self.shop, CHANNEL, f"{visitor}:{key}", visitor, event)
        if not fresh:
            self.metrics.count(CHANNEL, DUPLICATE)
        await inbox.handle_waiting(self.shop, CHANNEL, visitor, self._handle_stored)
        return fresh

    async def resume_unhandled(self, older_than: timedelta | None = None) -> None:
        """Handle what was received but not finished (a worker died), person by person."""
        for visitor in await inbox.waiting_people(self.shop, CHANNEL, older_than=older_than):
            await inbox.handle_waiting(self.shop, CHANNEL, visitor, self._handle_stored)

    async def _handle_stored(self, event: dict) -> None:
        if not event.get("person"):
            return  # emptied when the person asked to be forgotten: nothing to answer
        visitor = str(event["person"])
        if event.get("opened") and await web.last_message_id(self.shop, visitor):
            return  # the page that asked was greeted already (another tab's post)
        with self.metrics.handling(CHANNEL):  # timed, and counted with its outcome
            incoming = Incoming(
                CHANNEL,
                visitor,
                visitor,
                locale=str(event.get("locale") or ""),
                text=event.get("text"),
                payload=event.get("payload"),
                opened=bool(event.get("opened")),
            )
            said = str(event.get("shown") or event.get("text") or "")
            known = await web.visitor_known(self.shop, CHANNEL, visitor)
            replies = await self.conversation.handle(incoming)
            bodies, files = await self._bodies(visitor, replies)
            if known and not await web.visitor_known(self.shop, CHANNEL, visitor):
                # They were forgotten in this turn, their transcript with the rest:
                # nothing of it is written again. The page that asked shows the answer.
                self._farewell(visitor, bodies)
                return
            if not incoming.opened:  # the visitor's own words first, with their answer
                mine: dict = {"text": said}
                if incoming.payload is not None:
                    mine["pressed"] = True
                bodies.insert(0, (INCOMING, mine))
            await self._record(visitor, bodies, files)

    def _farewell(self, visitor: str, bodies: list[tuple[str, dict]]) -> None:
        words = "\n\n".join(str(body.get("text") or "") for _way, body in bodies).strip()
        self.farewells.pop(visitor, None)
        self.farewells[visitor] = words
        while len(self.farewells) > FAREWELLS_KEPT:  # one no post came for (a recovery)
            self.farewells.popitem(last=False)

    def farewell(self, visitor: str) -> str | None:
        """The answer to the visitor's "forget me", once: None if they were not just
        forgotten."""
        return self.farewells.pop(visitor, None)

    # -- sending -----------------------------------------------------------------------

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        """The dispatcher's Sender: each reply is a row of the visitor's transcript (a
        piece), written under their lock so it never splits a message from its answer."""
        async with inbox.person_lock(self.shop, CHANNEL, address):
            for reply in replies:
                bodies, files = await self._bodies(address, [reply])

                async def write(bodies: list = bodies, files: list = files) -> None:
                    await self._record(address, bodies, files)

                await pieces.send(write)

    async def _bodies(
        self, visitor: str, replies: list[Reply]
    ) -> tuple[list[tuple[str, dict]], list[WebFile]]:
        bodies: list[tuple[str, dict]] = []
        files: list[WebFile] = []
        fallback = ""
        for reply in replies:
            locale = reply.locale
            if not locale:
                fallback = fallback or await self.locale_of(visitor)
                locale = fallback
            body, file = body_of(reply, Translator(locale, self.shop.settings.store_country))
            if shows_anything(body):
                bodies.append((OUTGOING, body))
            if file is not None:
                files.append(file)
        return bodies, files

    async def _record(
        self, visitor: str, rows: list[tuple[str, dict]], files: list[WebFile]
    ) -> None:
        if rows or files:
            await web.record_rows(self.shop, visitor, rows, files)
            self.wakeups.notify(visitor)

    async def locale_of(self, visitor: str) -> str:
        return (
            await web.visitor_locale(self.shop, CHANNEL, visitor)
            or self.shop.settings.default_locale
        )

    async def close(self) -> None:
        return None
