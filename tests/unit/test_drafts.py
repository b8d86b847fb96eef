"""A conversation's draft read from its stored data: values of the right shape come back
typed, the wrong shape is named (the conversation then asks again), and writing keeps
the stored keys as they were."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from handlers.drafts import Draft, MalformedDraft


@dataclass
class Pin(Draft):
    latitude: float = 0.0
    longitude: float = 0.0


@dataclass
class Probe(Draft):
    name: str = ""
    most: int | None = None
    address: dict[str, str] = field(default_factory=dict)
    trail: list[str] = field(default_factory=list)
    choices: list[tuple[int, str]] = field(default_factory=list)
    pin: Pin | None = None
    asked: bool = False


def test_stored_values_come_back_typed_and_are_written_under_the_same_keys() -> None:
    stored = {
        "name": "Ana",
        "most": 3,
        "address": {"street": "Av. Juárez 10"},
        "trail": ["checkout_name"],
        "choices": [[7, "Camisa L"]],
        "pin": {"latitude": 19, "longitude": -99.1},
        "_options": [["Sí", "ck:ok"]],
    }
    draft = Probe.read(stored)
    assert draft.choices == [(7, "Camisa L")]
    assert draft.pin == Pin(19.0, -99.1)
    draft.most = None
    draft.write(stored)
    assert "most" not in stored
    assert stored["choices"] == [[7, "Camisa L"]]
    assert stored["pin"] == {"latitude": 19.0, "longitude": -99.1}
    assert stored["_options"] == [["Sí", "ck:ok"]]  # not the draft's: left alone


def test_missing_keys_are_the_defaults() -> None:
    assert Probe.read({}) == Probe()


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ({"address": "Av. Juárez 10"}, ["address"]),
        ({"most": "3"}, ["most"]),
        ({"most": True}, ["most"]),
        ({"trail": "checkout_name"}, ["trail"]),
        ({"choices": [[7]]}, ["choices"]),
        ({"pin": {"latitude": "north"}}, ["pin"]),
        ({"name": 5, "asked": "yes"}, ["name", "asked"]),
    ],
)
def test_a_value_of_the_wrong_shape_is_named(stored: dict, named: list[str]) -> None:
    with pytest.raises(MalformedDraft) as raised:
        Probe.read(stored)
    assert raised.value.fields == named


def test_a_needed_answer_that_is_missing_is_named() -> None:
    draft = Probe.read({"name": "Ana"})
    draft.need("name")
    with pytest.raises(MalformedDraft) as raised:
        draft.need("name", "address")
    assert raised.value.fields == ["address"]
