"""The terminal chat: a real channel on standard input and output.

Replies are printed (and flushed) as they come; a link is printed whole after the text
(`🔗 Label: https://…`), to open from the terminal; buttons are numbered `[1] Label`, and
typing the number or the label presses the button. Any other line is a text message.
Where a typed number is an answer (how many? how many stars?) buttons get letters
(`[a] Cancel`) instead, so "3" means three.
`/quit` or the end of input ends the chat. Works the same from a terminal and a pipe.
Messages the shop sends later (the outbox) are shown as soon as the chat is open.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path
from typing import TextIO

from bot.dispatcher import OutboxDispatcher, Pieces
from bot.metrics import updates_of
from bot.terminal import CAPABILITIES
from core.services.context import Shop
from handlers.conversation import Conversation
from handlers.i18n import Translator
from handlers.options import plain
from handlers.types import Attachment, Button, Incoming, Location, Reply

CHANNEL = "terminal"
QUIT = {"/quit", "/salir", "/exit"}


class TerminalChat:
    def __init__(
        self,
        shop: Shop,
        *,
        user_id: str = "local",
        name: str = "",
        locale: str = "",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        files: Path | None = None,
    ) -> None:
        self.shop = shop
        self.conversation = Conversation(shop, CAPABILITIES)
        self.user_id = user_id
        self.name = name
        self.locale = locale or shop.settings.default_locale
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.buttons: list[Button] = []
        self.expects_number = False  # the last question takes a number: "3" is not [3]
        self.delivered: list[Reply] = []  # outbox messages of the screen being made
        self.files = files or Path("pedidos-files")  # where documents (labels, CSV) land
        self.channel = CHANNEL
        self.dispatcher = OutboxDispatcher(shop, [self], address=user_id)
        self.lock = asyncio.Lock()  # one turn or one outbox delivery at a time
        self.metrics = updates_of(shop)  # /metrics counts each line by outcome
        self.lines = itertools.count(1)  # a line's number is its update id in the logs

    async def run(self, poll_seconds: float = 1.0) -> None:
        await self.send(
            Incoming(CHANNEL, self.user_id, self.user_id, self.locale, self.name, opened=True)
        )
        poller = asyncio.create_task(self.poll_outbox(poll_seconds))
        try:
            while True:
                line = await self.read_line()
                if line is None or line.strip().lower() in QUIT:
                    break
                await self.send(self.to_incoming(line.rstrip("\n")))
        finally:
            poller.cancel()

    async def poll_outbox(self, seconds: float) -> None:
        """Show what the shop sends while the person is reading or typing: its buttons
        are numbered from 1 again, as the newest message is the one answered."""
        while True:
            await asyncio.sleep(seconds)
            await self.poll_outbox_once()

    async def read_line(self) -> str | None:
        if self.stdin.isatty():
            self.write("> ", end="")
        line = await asyncio.get_running_loop().run_in_executor(None, self.stdin.readline)
        return line or None

    async def poll_outbox_once(self) -> None:
        async with self.lock:
            await self.show_outbox()

    async def send(self, incoming: Incoming) -> None:
        async with self.lock:
            with self.metrics.handling(CHANNEL, f"{self.user_id}:{next(self.lines)}"):
                replies = await self.conversation.handle(incoming)
                # The answer and any news that came meanwhile are one screen: numbered (or
                # lettered) together, so "5" at a rating below the menu is not the menu's 5th.
                news = await self.collect_outbox()
                if replies or news:  # silence (writing too fast) leaves the buttons shown
                    self.start_screen([*replies, *news])
                self.show([*replies, *news])

    def to_incoming(self, line: str) -> Incoming:
        base = {
            "channel": CHANNEL,
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "locale": self.locale,
            "name": self.name,
        }
        stripped = line.strip()
        keys = [_key(n, self.expects_number) for n in range(1, len(self.buttons) + 1)]
        if stripped.lower() in keys:
            return Incoming(**base, payload=self.buttons[keys.index(stripped.lower())].payload)
        # The label as written: "+1" is not "−1", though both fold to "1".
        pressed = next((b for b in self.buttons if _same(b.label, stripped)), None)
        if pressed is not None and stripped:
            return Incoming(**base, payload=pressed.payload)
        word, _, rest = stripped.partition(" ")
        if word == "/photo" and rest:
            return Incoming(**base, attachment=Attachment("photo", rest.strip()))
        if word == "/contact" and rest:
            return Incoming(**base, contact_phone=rest.strip())
        if word == "/location" and rest:
            try:
                lat, lon = (float(part) for part in rest.replace(" ", "").split(","))
                return Incoming(**base, location=Location(lat, lon))
            except ValueError:
                pass
        return Incoming(**base, text=line)

    def show(self, replies: list[Reply]) -> None:
        t = Translator(self.locale, self.shop.settings.store_country)
        for reply in replies:
            if reply.image_url:
                self.write(f"🖼  {reply.image_url}")
            if reply.text:
                self.write(reply.text)
            if reply.link is not None:
                self.write(f"🔗 {reply.link.label}: {reply.link.url}")
            if reply.document is not None:
                self.write(self.save(reply.document.filename, reply.document.content))
            if reply.invoice is not None:
                self.write(t.gettext("(Card payments are not available in the terminal chat.)"))
            if reply.request_contact:
                self.write(t.gettext("(To share your phone, type: /contact +52 55 1234 5678)"))
            if reply.request_location:
                self.write(t.gettext("(To share a location, type: /location 19.43,-99.13)"))
            for button in reply.all_buttons():
                self.buttons.append(button)
                # At a question that takes a number, a typed number is the answer: the
                # buttons get letters instead.
                marker = f"[{_key(len(self.buttons), self.expects_number)}]"
                self.write(f"{marker} {button.label}")
            self.write("")

    async def show_outbox(self) -> None:
        """Show this person's outbox messages (customer news or admin alerts) that
        arrived on their own: with buttons, they are the screen now answered."""
        news = await self.collect_outbox()
        if any(reply.buttons for reply in news):
            self.start_screen(news)
        self.show(news)

    async def collect_outbox(self) -> list[Reply]:
        self.delivered = []
        await self.dispatcher.run_once()
        news, self.delivered = self.delivered, []
        return news

    def start_screen(self, replies: list[Reply]) -> None:
        """Buttons are numbered from 1 again; lettered if a typed number is an answer."""
        self.buttons = []
        self.expects_number = any(reply.expects_number for reply in replies)

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        """The Sender side: each reply (a piece) is shown with the rest of the screen."""
        for reply in replies:

            async def show(reply: Reply = reply) -> None:
                self.delivered.append(reply)

            await pieces.send(show)

    def save(self, filename: str, content: bytes) -> str:
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / Path(filename).name
        path.write_bytes(content)
        return f"📎 {path}"

    def write(self, text: str, end: str = "\n") -> None:
        self.stdout.write(text + end)
        self.stdout.flush()


def _key(position: int, lettered: bool) -> str:
    """How a button is pressed by typing: its number, or its letter (a, b, c...)."""
    return chr(ord("a") + position - 1) if lettered and position <= 26 else str(position)


def _same(label: str, typed: str) -> bool:
    return plain(label) == plain(typed)
