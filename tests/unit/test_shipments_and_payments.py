"""Tracking numbers, tracking links, refunds and cart quantities."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.cart import MAX_LINE_QUANTITY, check_quantity
from core.domain.errors import InvalidQuantity, InvalidTrackingNumber, RefundTooLarge
from core.domain.money import Money
from core.domain.payments import Payment, PaymentStatus
from core.domain.shipments import DEFAULT_CARRIERS, Carrier, clean_tracking_number

PAID_AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
REFUNDED_AT = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        (" 1z 999 aa1 0123456784 ", "1Z999AA10123456784"),
        ("ab-123456", "AB-123456"),
        ("\t7489 2231\n0099 ", "748922310099"),
        ("ABC123", "ABC123"),  # 6 characters is the shortest accepted
        ("A" * 40, "A" * 40),  # and 40 the longest
    ],
)
def test_a_tracking_number_is_trimmed_upper_cased_and_freed_of_spaces(typed, clean):
    assert clean_tracking_number(typed) == clean


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "AB123",  # too short
        "A" * 41,  # too long
        "ABC#123",
        "1Z999/AA1",
        "https://track.example/1Z999",
        "GUÍA12345",
        "123456\n\x00",
    ],
)
def test_a_tracking_number_with_the_wrong_length_or_symbols_is_refused(typed):
    with pytest.raises(InvalidTrackingNumber) as caught:
        clean_tracking_number(typed)
    assert caught.value.data == {"value": typed}


def test_a_tracking_link_url_quotes_the_number():
    carrier = Carrier("demo", "Demo", "https://track.example/?n={tracking}")
    assert carrier.tracking_url("AB 12/3?&x=1") == "https://track.example/?n=AB%2012%2F3%3F%26x%3D1"


def test_a_tracking_number_in_the_path_cannot_escape_it():
    paquetexpress = next(c for c in DEFAULT_CARRIERS if c.code == "paquetexpress")
    assert (
        paquetexpress.tracking_url("../a/b")
        == "https://www.paquetexpress.com.mx/rastreo/..%2Fa%2Fb"
    )


@pytest.mark.parametrize("carrier", DEFAULT_CARRIERS, ids=lambda c: c.code)
def test_every_default_carrier_link_carries_the_tracking_number(carrier):
    url = carrier.tracking_url("1Z999AA10123456784")
    assert url.startswith("https://")
    assert url.count("1Z999AA10123456784") == 1
    assert "{tracking}" not in url


def test_default_carrier_codes_are_unique():
    codes = [c.code for c in DEFAULT_CARRIERS]
    assert len(codes) == len(set(codes))


def mxn(amount: int) -> Money:
    return Money(amount, "MXN")


def paid(amount: int = 100000) -> Payment:
    return Payment(
        id=1,
        order_id=7,
        method="card",
        status=PaymentStatus.PAID,
        amount=mxn(amount),
        refunded=mxn(0),
        provider="telegram",
        created_at=PAID_AT,
        updated_at=PAID_AT,
    )


def test_a_partial_refund_leaves_the_payment_partially_refunded():
    payment = paid(100000)
    payment.refund(mxn(30000), REFUNDED_AT)
    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded == mxn(30000)
    assert payment.refundable == mxn(70000)
    assert payment.updated_at == REFUNDED_AT


def test_refunding_the_rest_makes_the_payment_refunded():
    payment = paid(100000)
    payment.refund(mxn(30000), REFUNDED_AT)
    payment.refund(mxn(70000), REFUNDED_AT)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refundable == mxn(0)


def test_a_full_refund_at_once_makes_the_payment_refunded():
    payment = paid(100000)
    payment.refund(mxn(100000), REFUNDED_AT)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refunded == mxn(100000)


@pytest.mark.parametrize(
    ("already", "asked"),
    [
        (0, 100001),  # one cent more than was paid
        (60000, 40001),  # one cent more than what is left
        (100000, 1),  # nothing is left
        (0, 0),  # a refund of nothing
        (0, -500),  # a negative refund would raise what can be refunded
    ],
)
def test_a_refund_beyond_what_is_left_is_refused_and_changes_nothing(already, asked):
    payment = paid(100000)
    if already:
        payment.refund(mxn(already), PAID_AT)
    status, refunded, updated_at = payment.status, payment.refunded, payment.updated_at
    with pytest.raises(RefundTooLarge) as caught:
        payment.refund(mxn(asked), REFUNDED_AT)
    assert caught.value.data == {"requested": asked, "refundable": 100000 - already}
    assert (payment.status, payment.refunded, payment.updated_at) == (
        status,
        refunded,
        updated_at,
    )


def test_a_refund_in_another_currency_is_refused():
    payment = paid(100000)
    with pytest.raises(ValueError):
        payment.refund(Money(100, "USD"), REFUNDED_AT)
    assert payment.refunded == mxn(0)
    assert payment.status is PaymentStatus.PAID


@pytest.mark.parametrize("quantity", [1, 2, MAX_LINE_QUANTITY])
def test_a_whole_quantity_from_one_to_the_maximum_is_accepted(quantity):
    assert check_quantity(quantity) == quantity


def test_the_maximum_line_quantity_is_999():
    assert MAX_LINE_QUANTITY == 999
    with pytest.raises(InvalidQuantity):
        check_quantity(1000)


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "dos", "2", True, False, 1.5, 2.0, None])
def test_a_quantity_that_is_not_a_sensible_whole_number_is_refused(quantity):
    with pytest.raises(InvalidQuantity) as caught:
        check_quantity(quantity)
    assert caught.value.data["maximum"] == MAX_LINE_QUANTITY


def test_zero_is_accepted_only_when_asked_for_removing_a_line():
    assert check_quantity(0, allow_zero=True) == 0
    with pytest.raises(InvalidQuantity):
        check_quantity(-1, allow_zero=True)
