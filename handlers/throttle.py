"""A per-person limit on incoming messages: a token bucket per (channel, user).

Each person may send `burst` messages at once, and one more every 60/`per_minute`
seconds after that. Over the limit, the first message gets one polite answer and the
rest nothing, until the person has been quiet long enough for the bucket to fill again.

In memory, per worker: with several workers behind a load balancer a person's messages
are spread over them, so the limit is approximate (at most the workers' number times
it). That is enough against flooding (the aim is abuse, not billing), and costs no
database round trip per message. Time is the monotonic clock: the limit is about real
seconds between messages, never about the shop's business clock (which tests freeze).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    HANDLE = "handle"  # within the limit
    SLOW_DOWN = "slow_down"  # the first message over the limit: say so, politely
    IGNORE = "ignore"  # over the limit and already told: say nothing


@dataclass
class _Bucket:
    tokens: float
    at: float  # when tokens was last brought up to date
    told: bool = False  # the polite answer was given in this spell


class IncomingLimiter:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0  # tokens a second
        self.burst = float(burst)
        self.clock = clock
        # Least recently seen first: the people who can be forgotten are at the front.
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    def check(self, channel: str, user_id: str) -> Verdict:
        """Count one message from this person and say what to do with it."""
        now = self.clock()
        key = (channel, user_id)
        bucket = self._buckets.pop(key, None)
        self._forget_idle(now)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
        else:
            bucket.tokens = self._filled(bucket, now)
            bucket.at = now
        self._buckets[key] = bucket  # now the most recently seen
        if bucket.tokens >= self.burst:
            bucket.told = False  # quiet long enough: a later spell is told again
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.HANDLE
        if bucket.told:
            return Verdict.IGNORE
        bucket.told = True
        return Verdict.SLOW_DOWN

    def seconds_to_next(self, channel: str, user_id: str) -> float:
        """How long until this person may send one more (0: now)."""
        bucket = self._buckets.get((channel, user_id))
        if bucket is None:
            return 0.0
        missing = 1.0 - self._filled(bucket, self.clock())
        return max(0.0, missing / self.rate)

    @property
    def people_remembered(self) -> int:
        return len(self._buckets)

    def _filled(self, bucket: _Bucket, now: float) -> float:
        elapsed = max(0.0, now - bucket.at)
        return min(self.burst, bucket.tokens + elapsed * self.rate)

    def _forget_idle(self, now: float) -> None:
        """Drop people whose bucket is full again: they are the same as someone never
        seen. Everyone behind the first one still filling was seen later, so memory holds
        only the people of the last burst/rate seconds (3 s by default)."""
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if self._filled(oldest, now) < self.burst:
                return
            del self._buckets[key]
