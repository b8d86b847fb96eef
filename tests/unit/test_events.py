"""Notification events: a kind is declared once, and a stored payload is read back only
when it fits its event's fields (what a rolling deploy or an old row can hold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from core.domain.events import (
    ADMINS,
    CUSTOMER,
    CustomerEvent,
    LowRating,
    OrderConfirmationReminder,
    OrderReleased,
    OrderReleasedToAdmins,
    OrderShipped,
    ReturnRequested,
    UnfitEvent,
    read_event,
)
from core.domain.returns import ReturnResolution
from handlers.notifications import renders


def test_a_kind_declared_twice_for_the_same_people_fails_at_import():
    with pytest.raises(TypeError, match=r"order_shipped.*taken by .*\.OrderShipped"):

        @dataclass(frozen=True)
        class ParcelSent(CustomerEvent, kind="order_shipped"):
            code: str


def test_the_same_kind_may_be_told_to_customers_and_to_admins_in_their_own_words():
    stored = {"code": "PED-7K3FQ"}
    assert read_event(CUSTOMER, "order_released", stored) == OrderReleased("PED-7K3FQ")
    assert read_event(ADMINS, "order_released", stored) == OrderReleasedToAdmins("PED-7K3FQ")


def test_a_second_renderer_for_one_event_type_fails_at_import():
    with pytest.raises(TypeError, match="OrderShipped has a renderer already"):
        renders(OrderShipped)(lambda c, e: None)


def test_enums_times_and_lists_are_stored_as_json_and_read_back():
    at = datetime(2026, 11, 4, 21, 0, tzinfo=UTC)
    reminder = OrderConfirmationReminder("PED-7K3FQ", at, receipt=True)
    exchange = ReturnResolution.EXCHANGE
    asked = ReturnRequested("PED-7K3FQ", 3, "Me quedó chica", exchange, ((1, "L"),))

    assert reminder.payload() == {
        "code": "PED-7K3FQ",
        "release_at": "2026-11-04T21:00:00+00:00",
        "receipt": True,
    }
    assert asked.payload()["resolution"] == "exchange"
    assert asked.payload()["replacements"] == [[1, "L"]]
    for event in (reminder, asked):
        assert read_event(ADMINS, event.kind, event.payload()) == event


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("low_rating", {"code": "PED-1", "stars": True}, "low_rating: stars is not int: True"),
        ("return_requested", {"code": "PED-1", "return_id": 3, "resolution": "swap"}, "resolution"),
        ("return_requested", {"code": "PED-1", "return_id": 3, "replacements": [[1]]}, "replace"),
        ("order_confirmation_reminder", {"code": "PED-1", "release_at": "soon"}, "release_at"),
        ("order_confirmation_reminder", {"code": "PED-1"}, "lacks release_at"),
        ("low_rating", ["PED-1"], "not an object"),
    ],
)
def test_a_payload_that_does_not_fit_says_why(kind, payload, reason):
    with pytest.raises(UnfitEvent, match=reason):
        read_event(ADMINS, kind, payload)


def test_keys_a_newer_version_added_are_left_out_and_missing_ones_take_their_default():
    newer = {"code": "PED-1", "stars": 2, "comment": "Tarde", "photo": "AgAD"}
    assert read_event(ADMINS, "low_rating", newer) == LowRating("PED-1", 2, "Tarde")
    assert read_event(ADMINS, "low_rating", {"code": "PED-1"}) == LowRating("PED-1", 0, "")
