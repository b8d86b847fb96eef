"""Drives the real terminal channel in process, one line at a time, the way a person
reads the screen and answers: press a button by (the start of) its label, or type.
Every screen is checked for the crash apology, in any language: a crash shown to the
person fails the test unless the test declares it (tests/crash_guard.py)."""

from __future__ import annotations

import io
from pathlib import Path

from bot.terminal.chat import TerminalChat
from core.services.context import Shop
from handlers.types import Incoming, Reply
from tests.crash_guard import check_shown


class ChatDriver:
    def __init__(
        self,
        shop: Shop,
        user: str = "u1",
        *,
        name: str = "Ana",
        locale: str = "en",
        files: Path | None = None,
    ):
        self.out = io.StringIO()
        self.chat = TerminalChat(
            shop,
            user_id=user,
            name=name,
            locale=locale,
            stdin=io.StringIO(""),
            stdout=self.out,
            files=files,
        )
        self.seen = 0
        self.answers: list[list[Reply]] = []  # what each update was answered, in order
        handle = self.chat.conversation.handle

        async def recorded(incoming: Incoming) -> list[Reply]:
            replies = await handle(incoming)
            self.answers.append(replies)
            return replies

        self.chat.conversation.handle = recorded  # type: ignore[method-assign]

    def screen(self) -> str:
        """What was printed since the last call."""
        text = self.out.getvalue()[self.seen :]
        self.seen = len(self.out.getvalue())
        check_shown(text)
        return text

    async def open(self) -> str:
        await self.chat.send(self.incoming(opened=True))
        return self.screen()

    async def type(self, line: str) -> str:
        await self.chat.send(self.chat.to_incoming(line))
        return self.screen()

    async def press(self, label_start: str) -> str:
        """Press the button whose label starts with label_start (must be on screen)."""
        buttons = list(enumerate(self.chat.buttons, 1))
        exact = [n for n, b in buttons if b.label == label_start]
        matches = exact or [n for n, b in buttons if b.label.startswith(label_start)]
        labels = [b.label for b in self.chat.buttons]
        assert matches, f"no button starting with {label_start!r} among {labels}"
        if self.chat.expects_number:  # a typed number would be the answer: tap it
            await self.chat.send(self.incoming(payload=self.chat.buttons[matches[-1] - 1].payload))
            return self.screen()
        return await self.type(str(matches[-1]))  # the newest such button

    async def still_answers(self, line: str = "/menu") -> str:
        """The positive control after a "nothing happens" check: a fresh update gets
        exactly one answer, and a normal one (the silence was not a broken chat)."""
        before = len(self.answers)
        screen = await self.type(line)
        assert len(self.answers) == before + 1, "the fresh update was not handled"
        assert len(self.answers[-1]) == 1, f"not exactly one answer: {self.answers[-1]}"
        assert screen.strip(), "the fresh update's answer was not shown"
        return screen

    async def refresh(self) -> str:
        """What the shop sent this person since (the outbox, as the open chat shows it)."""
        await self.chat.show_outbox()
        return self.screen()

    def payload_of(self, label_start: str) -> str:
        return next(b.payload for b in self.chat.buttons if b.label.startswith(label_start))

    async def send_payload(self, payload: str) -> str:
        """A button press from an older message (the payload of a button no longer shown)."""
        await self.chat.send(self.incoming(payload=payload))
        return self.screen()

    def incoming(self, **event: object) -> Incoming:
        chat = self.chat
        return Incoming("terminal", chat.user_id, chat.user_id, chat.locale, chat.name, **event)
