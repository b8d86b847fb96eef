"""The send pacer: its limits, and that a long-running bot does not remember every chat
it ever answered. Time is a clock handed to the limiter, never the wall clock."""

from itertools import pairwise

import pytest

from bot import ratelimit
from bot.ratelimit import RateLimiter


class FakeClock:
    """The limiter's clock and sleep: a sleep advances time at once and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def limiter_on(clock: FakeClock, per_chat: float = 1, overall: float = 30) -> RateLimiter:
    return RateLimiter(per_chat, overall, clock=clock.monotonic, sleep=clock.sleep)


async def test_answers_to_many_people_are_forgotten_once_their_window_has_passed(clock):
    limiter = limiter_on(clock)
    for person in range(10_000):  # ten thousand people, each answered once, 10 a second
        await limiter.wait(person, paced=False)
        clock.now += 0.1
    # Only the chats of the last second or so (plus at most a thousand sends since the
    # last clean-up) are still remembered.
    assert limiter.chats_remembered <= 1_020
    assert len(limiter._all) <= 1_040
    assert clock.slept == []  # answers never wait


async def test_a_paced_send_waits_while_the_chat_is_at_its_limit(clock):
    limiter = limiter_on(clock)
    await limiter.wait("ana")
    await limiter.wait("ana")  # a second message to the same chat waits its window out
    assert sum(clock.slept) == pytest.approx(ratelimit.MARGIN, abs=0.01)
    await limiter.wait("luis")  # another chat does not wait for Ana's window
    assert len(clock.slept) == 1


@pytest.mark.parametrize("start", [0.0, 1000.0, 10_000.0, 86_400.5, 123_456.789])
async def test_paced_sends_to_one_chat_never_exceed_its_rate_in_any_window(clock, start):
    # An exact clock (a sleep lasts exactly what was asked) meets the window's edge
    # exactly: a send must not slip through on the rounding of the sums.
    clock.now = start
    limiter = limiter_on(clock)
    sent: list[float] = []
    for _ in range(20):
        await limiter.wait("ana")
        sent.append(clock.now)
    gaps = [later - earlier for earlier, later in pairwise(sent)]
    assert min(gaps) >= 1.0  # one a second at most, however many are queued
    assert sent[-1] - sent[0] == pytest.approx(19 * ratelimit.MARGIN, abs=0.01)  # no slower


async def test_paced_sends_across_chats_keep_to_the_overall_rate(clock):
    limiter = limiter_on(clock, per_chat=1, overall=30)
    sent: list[float] = []
    for person in range(100):
        await limiter.wait(person)
        sent.append(clock.now)
    for start in sent:  # any one-second window holds at most 30
        assert sum(1 for t in sent if start <= t < start + 1.0) <= 30
    assert sent[-1] - sent[0] < 4 * ratelimit.MARGIN  # and it does not crawl


async def test_an_answer_goes_at_once_but_a_notification_after_it_waits(clock):
    limiter = limiter_on(clock)
    await limiter.wait("ana", paced=False)  # the answer to Ana's own message
    await limiter.wait("ana", paced=False)  # and its second part: answers never wait
    assert clock.slept == []
    await limiter.wait("ana")  # a notification makes room for what was just answered
    assert sum(clock.slept) >= 1.0
