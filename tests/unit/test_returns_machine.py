"""Returns: requested -> approved | rejected -> received -> refunded | exchanged."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from core.domain.errors import InvalidTransition
from core.domain.returns import (
    OPEN_RETURN_STATUSES,
    RETURN_TRANSITIONS,
    ReturnLine,
    ReturnRequest,
    ReturnResolution,
    ReturnStatus,
)

R = ReturnStatus
CREATED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
LATER = CREATED + timedelta(days=1)


def line(unit_price: int, quantity: int, sku: str = "TAZA-01") -> ReturnLine:
    return ReturnLine(
        order_line_id=1,
        sku=sku,
        name=sku.title(),
        quantity=quantity,
        unit_price=unit_price,
        product_id=1,
    )


def make_request(status: ReturnStatus, lines: list[ReturnLine] | None = None) -> ReturnRequest:
    return ReturnRequest(
        id=1,
        order_id=7,
        status=status,
        reason="Llegó rota",
        resolution=ReturnResolution.REFUND,
        lines=lines if lines is not None else [line(34900, 1)],
        created_at=CREATED,
        updated_at=CREATED,
    )


def test_the_return_table_is_the_documented_lifecycle():
    assert {
        (R.REQUESTED, R.APPROVED),
        (R.REQUESTED, R.REJECTED),
        (R.APPROVED, R.RECEIVED),
        (R.RECEIVED, R.REFUNDED),
        (R.RECEIVED, R.EXCHANGED),
    } == RETURN_TRANSITIONS


@pytest.mark.parametrize(("frm", "to"), sorted(RETURN_TRANSITIONS), ids=lambda s: str(s))
def test_every_legal_return_move_changes_the_status_and_remembers_it(frm, to):
    request = make_request(frm)
    assert request.move_to(to, LATER) is frm
    assert request.status is to
    assert request.updated_at == LATER
    assert request.history == [(str(frm), str(to))]


ILLEGAL = [
    pytest.param(frm, to, id=f"{frm}->{to}")
    for frm, to in itertools.product(ReturnStatus, repeat=2)
    if (frm, to) not in RETURN_TRANSITIONS
]


@pytest.mark.parametrize(("frm", "to"), ILLEGAL)
def test_every_other_return_move_raises_invalid_transition_and_changes_nothing(frm, to):
    request = make_request(frm)
    with pytest.raises(InvalidTransition) as caught:
        request.move_to(to, LATER)
    assert caught.value.data == {"entity": "return", "from_status": str(frm), "to_status": str(to)}
    assert request.status is frm
    assert request.updated_at == CREATED
    assert request.history == []


def test_an_item_cannot_be_refunded_before_it_is_received_back():
    request = make_request(R.APPROVED)
    with pytest.raises(InvalidTransition):
        request.move_to(R.REFUNDED, LATER)


def test_a_full_refund_path_keeps_the_whole_history():
    request = make_request(R.REQUESTED)
    for target in (R.APPROVED, R.RECEIVED, R.REFUNDED):
        request.move_to(target, LATER)
    assert request.history == [
        ("requested", "approved"),
        ("approved", "received"),
        ("received", "refunded"),
    ]
    assert request.status not in OPEN_RETURN_STATUSES


def test_a_return_is_open_until_rejected_refunded_or_exchanged():
    assert {R.REQUESTED, R.APPROVED, R.RECEIVED} == OPEN_RETURN_STATUSES


def test_the_value_of_a_return_is_each_unit_price_times_its_quantity():
    # 2 x 349.00 + 3 x 0.99 = 698.00 + 2.97 = 700.97
    request = make_request(R.REQUESTED, [line(34900, 2), line(99, 3, "PLATO-02")])
    assert request.value == 70097


def test_a_return_with_no_lines_is_worth_nothing():
    assert make_request(R.REQUESTED, []).value == 0
