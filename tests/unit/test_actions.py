"""Button actions pack into payloads a platform accepts and parse back, and a payload no
button of ours carries is recognised as such (answered as a stale button)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import handlers.conversation  # noqa: F401  (registers every feature's actions)
from handlers import actions
from handlers.actions import Action, handles, parse


@dataclass(frozen=True)
class Probe(Action, prefix="zz_probe"):
    number: int
    page: int = 0
    note: str | None = None


@handles(Probe)
async def _nothing(turn: object, action: Probe) -> None:
    return None


def test_a_second_class_with_a_taken_prefix_fails_at_import() -> None:
    with pytest.raises(ValueError, match=r"is taken by .*Probe"):

        @dataclass(frozen=True)
        class Clash(Action, prefix="zz_probe"):
            pass


def test_every_action_has_a_handler() -> None:
    assert actions.unhandled() == []


@pytest.mark.parametrize("payload", ["", "zz", "zz:1", ":", "a:x:y:z:w:v", "t", "p:abc"])
def test_payloads_no_button_carries_parse_to_nothing(payload: str) -> None:
    assert parse(payload) is None


def test_numbers_round_trip_and_forged_numbers_are_refused() -> None:
    assert parse(Probe(7).pack()) == Probe(7, 0)
    assert parse(Probe(7, 2, "x").pack()) == Probe(7, 2, "x")
    assert parse("zz_probe:12345678901234") is None  # beyond the databases' integers
    assert parse("zz_probe:1:2:x:extra") is None
    with pytest.raises(ValueError, match="too long"):
        Probe(1, 1, "x" * 64).pack()
