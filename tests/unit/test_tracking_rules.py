"""What a carrier checkpoint does to an order (core/domain/tracking.py), written out
here independently, and how a checkpoint is known again when it comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.domain.orders import OrderStatus
from core.domain.tracking import (
    Checkpoint,
    CheckpointSource,
    Effect,
    TrackingTag,
    carrier_key,
    effect,
    tracking_key,
)

T = TrackingTag
AT = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)

# (tag, newest) -> what it does to a shipped order. Any other status: only Delivered
# would, and it does nothing either (the order is delivered already, or never shipped).
SHIPPED = {
    (T.PENDING, True): Effect.NONE,
    (T.INFO_RECEIVED, True): Effect.NONE,
    (T.IN_TRANSIT, True): Effect.NONE,
    (T.OUT_FOR_DELIVERY, True): Effect.OUT_FOR_DELIVERY,
    (T.AVAILABLE_FOR_PICKUP, True): Effect.READY_FOR_PICKUP,
    (T.ATTEMPT_FAIL, True): Effect.PROBLEM,
    (T.EXCEPTION, True): Effect.PROBLEM,
    (T.EXPIRED, True): Effect.PROBLEM,
    (T.DELIVERED, True): Effect.DELIVER,
    # Something newer is known: only a delivery still counts.
    **{(tag, False): Effect.NONE for tag in T if tag is not T.DELIVERED},
    (T.DELIVERED, False): Effect.DELIVER,
}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_what_each_tag_does_to_an_order_in_each_status(status):
    for (tag, newest), expected in SHIPPED.items():
        got = effect(tag, status, newest)
        assert got is (expected if status is OrderStatus.SHIPPED else Effect.NONE), (tag, newest)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("InTransit", T.IN_TRANSIT),
        ("in_transit", T.IN_TRANSIT),
        ("IN TRANSIT", T.IN_TRANSIT),
        ("out-for-delivery", T.OUT_FOR_DELIVERY),
        ("Delivered", T.DELIVERED),
        ("attemptfail", T.ATTEMPT_FAIL),
        ("Lost", None),
        ("", None),
        (3, None),
    ],
)
def test_tags_are_read_in_the_spellings_senders_use(text, tag):
    assert TrackingTag.read(text) is tag


def test_a_checkpoint_is_the_same_whatever_zone_its_time_came_in_or_location_it_gained():
    local = AT.astimezone(timezone(timedelta(hours=-6)))
    first = Checkpoint("JD014600003", T.IN_TRANSIT, AT, CheckpointSource.AFTERSHIP, "Llegó")
    again = Checkpoint(
        "JD014600003", T.IN_TRANSIT, local, CheckpointSource.AFTERSHIP, "Llegó", "Querétaro"
    )
    later = Checkpoint(
        "JD014600003", T.IN_TRANSIT, AT + timedelta(minutes=1), CheckpointSource.AFTERSHIP, "Llegó"
    )
    assert first.dedupe_id(7) == again.dedupe_id(7) != later.dedupe_id(7)


def test_a_senders_own_id_makes_a_checkpoint_whatever_else_it_says():
    one = Checkpoint("JD014600003", T.IN_TRANSIT, AT, CheckpointSource.GENERIC, external_id="s1")
    fixed = Checkpoint(
        "JD014600003", T.OUT_FOR_DELIVERY, AT, CheckpointSource.GENERIC, "typo", external_id="s1"
    )
    other_parcel = Checkpoint(
        "JD014600004", T.IN_TRANSIT, AT, CheckpointSource.GENERIC, external_id="s1"
    )
    assert one.dedupe_id(7) == fixed.dedupe_id(7) != other_parcel.dedupe_id(7)


def test_two_shipments_with_one_number_never_share_a_checkpoint():
    """A reused number: the same scan (AfterShip's "tag:Delivered", say) is a new one for
    the newer parcel."""
    tagged = Checkpoint(
        "JD014600003", T.DELIVERED, AT, CheckpointSource.AFTERSHIP, external_id="tag:Delivered"
    )
    scanned = Checkpoint("JD014600003", T.IN_TRANSIT, AT, CheckpointSource.AFTERSHIP, "Llegó")
    for checkpoint in (tagged, scanned):
        assert checkpoint.dedupe_id(7) != checkpoint.dedupe_id(8)
        assert len(checkpoint.dedupe_id(7)) == 64  # tracking_checkpoints.dedupe_id


def test_a_checkpoint_from_over_an_hour_before_the_shipping_is_another_parcels():
    scanned = Checkpoint("JD014600003", T.DELIVERED, AT, CheckpointSource.AFTERSHIP)
    assert not scanned.predates(AT + timedelta(hours=1))  # the carrier's clock, a late /enviar
    assert scanned.predates(AT + timedelta(hours=1, seconds=1))
    assert not scanned.predates(AT - timedelta(days=1))


@pytest.mark.parametrize(
    ("named", "key"),
    [
        ("dhl", "dhl"),
        (" Estafeta ", "estafeta"),
        ("dhl-global-mail", "dhl_global_mail"),
        ("", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_the_carrier_a_sender_names_is_written_as_the_shops_codes(named, key):
    assert carrier_key(named) == key
    assert (
        Checkpoint("JD01460", T.PENDING, AT, CheckpointSource.GENERIC, carrier=named).carrier == key
    )


def test_a_time_without_its_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        Checkpoint("JD014600003", T.IN_TRANSIT, datetime(2026, 11, 3), CheckpointSource.GENERIC)


def test_tracking_numbers_are_matched_as_shipments_store_them():
    assert tracking_key(" jd01 4600 003 ") == "JD014600003"
    assert tracking_key("¿?") is None
    assert tracking_key(None) is None
