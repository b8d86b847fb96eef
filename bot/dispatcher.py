"""The outbox dispatcher: sends what the core wrote, through each person's channel.

A row is leased while it is sent, marked sent after the channel accepted it, retried
with exponential backoff (or the channel's retry_after) on a temporary failure, and
marked failed on a permanent one or after MAX_ATTEMPTS. A crash between the commit that
wrote a row and its sending loses nothing: the row is still pending (or its lease runs
out) and the next dispatcher sends it. Dedupe keys are unique in the table, so the same
notification is never queued twice.

A row may become several platform messages, its pieces (a long text cut in several, a
text and a document): each accepted piece is counted on the row at once, and a retry
(after a 429 or a crash on a later piece) sends only the pieces not counted yet. Only a
dispatcher killed between the platform's acceptance of a piece and that count sends the
piece again: Telegram and WhatsApp take no idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol, TypeVar

from core.domain.errors import StoreUnavailable
from core.domain.outbox import PendingMessage
from core.services import outbox
from core.services.context import Shop
from handlers.notifications import render_message
from handlers.types import Reply

log = logging.getLogger("pedidos.dispatcher")

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=10)
T = TypeVar("T")


class TemporaryFailure(Exception):
    """Try again later (rate limit, 5xx, network); retry_after in seconds if known."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Never going to work (the user blocked the bot, an invalid address)."""


class Pieces:
    """The platform messages one outbox row becomes, in the order the channel sends
    them. `done` were accepted in earlier attempts: they are skipped now. Every other
    one is counted (`record`) as soon as the platform accepted it."""

    def __init__(
        self, done: int = 0, record: Callable[[int], Awaitable[None]] | None = None
    ) -> None:
        self.done = done
        self.position = 0  # pieces met in this attempt, sent or skipped
        self._record = record

    async def send(self, piece: Callable[[], Awaitable[T]]) -> T | None:
        """Send the next piece (None, unsent, when an earlier attempt sent it)."""
        self.position += 1
        if self.position <= self.done:
            return None
        result = await piece()
        self.done = self.position
        if self._record is not None:
            await self._record(self.done)
        return result


class Sender(Protocol):
    channel: str

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        """Send the replies' pieces through `pieces.send`, which skips those sent before."""


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)


class OutboxDispatcher:
    def __init__(
        self,
        shop: Shop,
        senders: list[Sender],
        *,
        address: str | None = None,
        lease: timedelta = outbox.LEASE,
    ):
        self.shop = shop
        self.senders = {sender.channel: sender for sender in senders}
        self.address = address  # only this person's messages (the terminal chat)
        self.lease = lease  # longer than any one send takes

    async def run_once(self, limit: int = 50) -> int:
        """Send what is due now; returns how many rows were handled."""
        claimed = await outbox.claim_due(
            self.shop, list(self.senders), address=self.address, limit=limit, lease=self.lease
        )
        held: set[tuple[str, str]] = set()  # people whose earlier message must go first
        for message in claimed:
            person = (message.channel, message.address)
            if person in held:
                await outbox.release(self.shop, message)
            elif not await self.send(message):
                held.add(person)
        return len(claimed)

    async def send(self, message: PendingMessage) -> bool:
        """Send one row; False when it is to be tried again later."""
        sender = self.senders[message.channel]
        # A batch may take longer than a lease (a chat's messages go 1 a second): a
        # row whose lease ran out may be another sender's by now.
        if not await outbox.still_ours(self.shop, message, self.lease):
            return False  # and the person's later rows wait for that sender's
        try:
            replies = [r for r in await render_message(self.shop, message) if _shows(r)]
            if not replies:  # no event, or one without words: say so, never pretend it went
                reason = message.unreadable or f"rendered nothing for kind {message.kind}"
                log.error("outbox message %s: %s", message.id, reason)
                await outbox.mark_failed(self.shop, message.id, reason)
                return True
            for reply in replies:  # lets a channel's delivery receipts find this row
                reply.ref = reply.ref or f"outbox:{message.id}"
            pieces = Pieces(
                message.pieces_sent,
                lambda count: outbox.record_pieces(self.shop, message.id, count),
            )
            await sender.deliver(message.address, replies, pieces)
        except TemporaryFailure as failure:
            if message.attempts + 1 >= MAX_ATTEMPTS:
                await outbox.mark_failed(self.shop, message.id, f"gave up: {failure}")
                return True
            delay = (
                timedelta(seconds=failure.retry_after)
                if failure.retry_after is not None
                else backoff(message.attempts)
            )
            await outbox.retry_later(self.shop, message.id, delay, str(failure))
            return False
        except PermanentFailure as failure:
            await outbox.mark_failed(self.shop, message.id, str(failure))
            return True
        except Exception as error:  # a bug rendering one message must not stop the rest
            log.exception("outbox message %s failed", message.id)
            await outbox.retry_later(self.shop, message.id, backoff(message.attempts), repr(error))
            return False
        await outbox.mark_sent(self.shop, message.id)
        return True

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        while True:
            try:
                handled = await self.run_once()
            except StoreUnavailable:
                log.warning("database unavailable; the outbox waits")
                handled = 0
            if not handled:
                await asyncio.sleep(idle_seconds)


def _shows(reply: Reply) -> bool:
    """Whether the reply puts anything in front of the person."""
    return bool(reply.text.strip() or reply.document or reply.image_url or reply.invoice)
