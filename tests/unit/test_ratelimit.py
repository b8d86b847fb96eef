"""The send pacer: its limits, and that a long-running bot does not remember every chat
it ever answered."""

import pytest

from bot import ratelimit
from bot.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(ratelimit.time, "monotonic", fake.monotonic)
    return fake


async def test_answers_to_many_people_are_forgotten_once_their_window_has_passed(clock):
    limiter = RateLimiter(per_chat=1, overall=30)
    for person in range(10_000):  # ten thousand people, each answered once, 10 a second
        await limiter.wait(person, paced=False)
        clock.now += 0.1
    # Only the chats of the last second or so (plus at most a thousand sends since the
    # last clean-up) are still remembered.
    assert limiter.chats_remembered <= 1_020
    assert len(limiter._all) <= 1_040


async def test_a_paced_send_waits_while_the_chat_is_at_its_limit(clock, monkeypatch):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(ratelimit.asyncio, "sleep", sleep)
    limiter = RateLimiter(per_chat=1, overall=30)
    await limiter.wait("ana")
    await limiter.wait("ana")  # a second message to the same chat waits its window out
    assert slept and sum(slept) == pytest.approx(ratelimit.MARGIN, abs=0.01)
    await limiter.wait("luis")  # another chat does not wait for Ana's window
    assert len(slept) == 1
