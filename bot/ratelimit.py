"""Pacing sends under a channel's limits: at most `per_chat` messages a second to one
chat and `overall` a second in all (sliding one-second windows), with a small margin so
clock jitter never tips a send over the line.

The clock and the sleep are injectable (defaults: time.monotonic and asyncio.sleep), so
tests can run the production pacing on a virtual clock that a wait advances at once."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

MARGIN = 1.08  # windows a little longer than a second


class RateLimiter:
    def __init__(
        self,
        per_chat: float,
        overall: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.per_chat = per_chat
        self.overall = overall
        self.clock = clock
        self.sleep = sleep
        self._chat: dict[object, deque[float]] = defaultdict(deque)
        self._all: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._sends = 0

    async def wait(self, chat: object, *, paced: bool = True) -> None:
        """Return when one more message to chat keeps within the limits (and count it).
        paced=False (an answer to the person's own message) goes at once but is counted,
        so notifications make room for it; Telegram's limits are about broadcasts."""
        if not paced:
            self._count(chat, self.clock())
            return
        while True:
            async with self._lock:  # decide and count atomically; sleep outside the lock
                now = self.clock()
                delay = max(
                    self._delay(self._all, self.overall, now),
                    self._delay(self._chat[chat], self.per_chat, now),
                )
                if delay <= 0:
                    self._count(chat, now)
                    return
            await self.sleep(delay)

    @property
    def chats_remembered(self) -> int:
        return len(self._chat)

    def _count(self, chat: object, now: float) -> None:
        self._all.append(now)
        self._chat[chat].append(now)
        self._sends += 1
        if self._sends % 1000 == 0:
            self._forget_old_sends(now)

    def _forget_old_sends(self, now: float) -> None:
        """Sends older than their window count for nothing: drop them, and the chats left
        with none, so memory stays with the chats of the last second or so (every
        thousand sends; answers, which never wait, would otherwise pile up)."""
        _drop_older(self._all, _span(self.overall), now)
        span = _span(self.per_chat)
        for chat in [c for c, w in self._chat.items() if not w or w[-1] + span <= now]:
            del self._chat[chat]

    @staticmethod
    def _delay(window: deque[float], rate: float, now: float) -> float:
        span = _span(rate)
        allowed = max(1, int(rate * span / MARGIN))
        _drop_older(window, span, now)
        if len(window) < allowed:
            return 0.0
        return window[0] + span - now  # > 0: _drop_older kept window[0] by this same sum


def _span(rate: float) -> float:
    """The window for a rate: a second, or one message's interval when that is longer
    (1 msg/s -> one per 1.08 s)."""
    return MARGIN * max(1.0, 1.0 / rate)


def _drop_older(window: deque[float], span: float, now: float) -> None:
    """Drop the sends whose window has ended. The test is `window[0] + span <= now`, the
    very sum _delay waits for: `now - window[0] >= span` can round the other way at the
    edge, keeping a send whose wait is already 0, and then every send at that instant
    went through (a clock that sleeps exactly, as a virtual one does, hit it)."""
    while window and window[0] + span <= now:
        window.popleft()
