"""The per-person limit on incoming messages: a burst, then a steady rate; one polite
answer over the limit and silence after it; people who went quiet are forgotten."""

from __future__ import annotations

import pytest

from core.settings import load_settings
from handlers.throttle import IncomingLimiter, Verdict

HANDLE, SLOW_DOWN, IGNORE = Verdict.HANDLE, Verdict.SLOW_DOWN, Verdict.IGNORE


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


def test_a_burst_is_handled_then_one_polite_answer_then_silence(clock):
    limiter = IncomingLimiter(per_minute=60, burst=3, clock=clock)
    verdicts = [limiter.check("telegram", "ana") for _ in range(8)]
    assert verdicts == [HANDLE, HANDLE, HANDLE, SLOW_DOWN, IGNORE, IGNORE, IGNORE, IGNORE]


def test_after_the_rate_allows_one_more_message_exactly_one_is_handled(clock):
    limiter = IncomingLimiter(per_minute=60, burst=3, clock=clock)  # one a second
    for _ in range(5):
        limiter.check("telegram", "ana")
    clock.now += 0.5
    assert limiter.check("telegram", "ana") is IGNORE  # half a token is not a message
    clock.now += 0.5
    assert limiter.check("telegram", "ana") is HANDLE  # positive control
    assert limiter.check("telegram", "ana") is IGNORE  # still the same spell: no repeat


def test_a_person_who_went_quiet_starts_afresh_and_is_told_again_next_time(clock):
    limiter = IncomingLimiter(per_minute=60, burst=3, clock=clock)
    for _ in range(5):
        limiter.check("telegram", "ana")
    clock.now += 3  # the bucket is full again
    assert [limiter.check("telegram", "ana") for _ in range(5)] == [
        HANDLE,
        HANDLE,
        HANDLE,
        SLOW_DOWN,
        IGNORE,
    ]


def test_each_person_and_channel_has_their_own_limit(clock):
    limiter = IncomingLimiter(per_minute=60, burst=1, clock=clock)
    assert limiter.check("telegram", "ana") is HANDLE
    assert limiter.check("telegram", "ana") is SLOW_DOWN
    assert limiter.check("telegram", "luis") is HANDLE
    assert limiter.check("whatsapp", "ana") is HANDLE


def test_a_clock_going_backwards_gives_no_tokens(clock):
    limiter = IncomingLimiter(per_minute=60, burst=1, clock=clock)
    limiter.check("telegram", "ana")
    clock.now -= 100
    assert limiter.check("telegram", "ana") is SLOW_DOWN


def test_people_are_forgotten_once_their_bucket_is_full_again(clock):
    limiter = IncomingLimiter(per_minute=600, burst=30, clock=clock)  # 10 tokens a second
    for person in range(10_000):  # ten thousand people, each writing once, 100 a second
        limiter.check("telegram", str(person))
        clock.now += 0.01
    # One message's token comes back in a tenth of a second: only the people of about
    # the last tenth of a second are remembered.
    assert limiter.people_remembered <= 15
    clock.now += 1
    limiter.check("telegram", "someone")
    assert limiter.people_remembered == 1


def test_the_defaults_let_a_person_answer_as_fast_as_the_bot_replies_but_stop_a_script(clock):
    settings = load_settings(_env_file=None)
    limiter = IncomingLimiter(settings.incoming_per_minute, settings.incoming_burst, clock=clock)
    # bench/mixed.py's people: each sends again as soon as the answer came, about 6 a
    # second at the shop's best (README); ten minutes of it, never held back.
    for _ in range(6 * 600):
        assert limiter.check("telegram", "fast-person") is HANDLE
        clock.now += 1 / 6
    # A script firing 100 messages a second is held back within its first second.
    verdicts = []
    for _ in range(100):
        verdicts.append(limiter.check("telegram", "script"))
        clock.now += 0.01
    assert verdicts.count(HANDLE) < 50
    assert verdicts.count(SLOW_DOWN) == 1
