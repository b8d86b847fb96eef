"""Seconds that pass only when told to. The harnesses hand one to the bot's send pacer
(its clock and its sleep) and to the platform double (its flood control), so the bot
runs with its production pacing against the platform's real limits and a pacing wait
costs no wall-clock time: sleeping advances the clock at once."""

from __future__ import annotations

import asyncio


class VirtualClock:
    def __init__(self, start: float = 10_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Let the others run, then be at least `seconds` later than when called (two
        tasks that wait one second at the same time are both done one second later)."""
        until = self.now + max(0.0, seconds)
        await asyncio.sleep(0)
        self.now = max(self.now, until)
