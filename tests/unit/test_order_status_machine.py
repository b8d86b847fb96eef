"""The order status machine: one table, every change goes through Order.move_to."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from core.domain.actors import Actor, ActorKind
from core.domain.errors import InvalidRating, InvalidTransition, NotAllowed
from core.domain.money import Money
from core.domain.orders import (
    TRANSITIONS,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    allowed_targets,
    initial_status,
)

S = OrderStatus
C, M, Y = ActorKind.CUSTOMER, ActorKind.MERCHANT, ActorKind.SYSTEM
CREATED = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
LATER = CREATED + timedelta(hours=2)
TERMINAL = [S.DELIVERED, S.CANCELLED]


def mxn(amount: int) -> Money:
    return Money(amount, "MXN")


def make_order(status: OrderStatus) -> Order:
    return Order(
        id=1,
        code="PED-7K3FQ",
        customer_id=10,
        status=status,
        currency="MXN",
        lines=[OrderLine(1, "TAZA-01", "Taza", mxn(34900), 1, weight_g=400)],
        subtotal=mxn(34900),
        tax=mxn(4814),
        shipping_fee=mxn(9900),
        total=mxn(44800),
        shipping_method="standard",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        customer_name="Ana López",
        phone="+52 951 123 4567",
        address={"street": "Calle Morelos 12"},
        created_at=CREATED,
        updated_at=CREATED,
    )


def actor_of(kind: ActorKind) -> Actor:
    return Actor(kind, "" if kind is Y else "42")


def assert_untouched(order: Order, status: OrderStatus) -> None:
    assert order.status is status
    assert order.updated_at == CREATED
    assert order.new_events == []


# What DESIGN.md "Order lifecycle" says, with docs/architecture.md's addition (unconfirmed
# orders expire), written out independently of TRANSITIONS.
DOCUMENTED = {
    (S.PENDING_PAYMENT, S.AWAITING_CONFIRMATION): {Y},  # payment succeeds
    (S.PENDING_PAYMENT, S.CONFIRMED): {Y},  # payment succeeds, auto-confirm
    (S.PENDING_PAYMENT, S.EXPIRED): {Y},  # reservation timer
    (S.PENDING_PAYMENT, S.CANCELLED): {C, M},
    (S.AWAITING_CONFIRMATION, S.CONFIRMED): {M},
    (S.AWAITING_CONFIRMATION, S.CANCELLED): {C, M},  # merchant rejects / customer cancels
    (S.AWAITING_CONFIRMATION, S.EXPIRED): {Y},  # nobody confirmed it in time
    (S.CONFIRMED, S.PREPARING): {M},
    (S.CONFIRMED, S.CANCELLED): {C, M},
    (S.PREPARING, S.PACKED): {M},
    (S.PREPARING, S.CANCELLED): {M},  # customers only before preparing
    (S.PACKED, S.SHIPPED): {M},
    (S.PACKED, S.CANCELLED): {M},
    (S.SHIPPED, S.DELIVERED): {C, M, Y},  # customer, merchant or carrier webhook
    # A payment link paid after the reservation ran out, its items still there (issue 16)
    (S.EXPIRED, S.AWAITING_CONFIRMATION): {Y},
    (S.EXPIRED, S.CONFIRMED): {Y},
}


def test_the_transition_table_is_the_documented_lifecycle():
    assert {pair: set(who) for pair, who in TRANSITIONS.items()} == DOCUMENTED


ALLOWED_CASES = [
    pytest.param(frm, to, kind, kind in who, id=f"{frm}->{to}-by-{kind}")
    for (frm, to), who in TRANSITIONS.items()
    for kind in ActorKind
]


@pytest.mark.parametrize(("frm", "to", "kind", "allowed"), ALLOWED_CASES)
def test_a_legal_move_succeeds_only_for_the_actors_the_table_names(frm, to, kind, allowed):
    order = make_order(frm)
    actor = actor_of(kind)
    if allowed:
        previous = order.move_to(to, actor, LATER, "status_changed", reason="test")
        assert previous is frm
        assert order.status is to
        assert order.updated_at == LATER
        assert len(order.new_events) == 1
        event = order.new_events[0]
        assert (event.from_status, event.to_status) == (str(frm), str(to))
        assert event.actor == str(actor)
        assert event.kind == "status_changed"
        assert event.at == LATER
        assert event.data == {"reason": "test"}
    else:
        with pytest.raises(NotAllowed) as caught:
            order.move_to(to, actor, LATER, "status_changed")
        assert caught.value.data == {
            "action": f"{frm}->{to}",
            "actor": str(actor),
            "code": order.code,
        }
        assert_untouched(order, frm)


ILLEGAL_PAIRS = [
    pytest.param(frm, to, id=f"{frm}->{to}")
    for frm, to in itertools.product(OrderStatus, repeat=2)
    if (frm, to) not in TRANSITIONS
]


def test_every_status_pair_is_either_legal_or_illegal():
    assert len(ILLEGAL_PAIRS) + len(TRANSITIONS) == len(OrderStatus) ** 2


@pytest.mark.parametrize("kind", list(ActorKind))
@pytest.mark.parametrize(("frm", "to"), ILLEGAL_PAIRS)
def test_an_illegal_move_raises_invalid_transition_and_changes_nothing(frm, to, kind):
    order = make_order(frm)
    with pytest.raises(InvalidTransition) as caught:
        order.move_to(to, actor_of(kind), LATER, "status_changed")
    assert caught.value.data == {
        "entity": "order",
        "from_status": str(frm),
        "to_status": str(to),
        "code": order.code,
    }
    assert_untouched(order, frm)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_staying_in_the_same_status_is_not_a_move(status):
    order = make_order(status)
    with pytest.raises(InvalidTransition):
        order.move_to(status, actor_of(M), LATER, "status_changed")
    assert_untouched(order, status)


@pytest.mark.parametrize("kind", list(ActorKind))
@pytest.mark.parametrize("status", TERMINAL)
def test_terminal_statuses_allow_nothing(status, kind):
    assert allowed_targets(status, kind) == []
    order = make_order(status)
    assert not order.is_open
    for target in OrderStatus:
        with pytest.raises(InvalidTransition):
            order.move_to(target, actor_of(kind), LATER, "status_changed")
    assert_untouched(order, status)


@pytest.mark.parametrize("kind", [C, M])
def test_no_person_can_bring_an_expired_order_back(kind):
    assert allowed_targets(S.EXPIRED, kind) == []
    order = make_order(S.EXPIRED)
    assert not order.is_open
    for target in OrderStatus:
        with pytest.raises((InvalidTransition, NotAllowed)):
            order.move_to(target, actor_of(kind), LATER, "status_changed")
    assert_untouched(order, S.EXPIRED)


def test_only_a_late_payment_brings_an_expired_order_back():
    assert allowed_targets(S.EXPIRED, Y) == [S.AWAITING_CONFIRMATION, S.CONFIRMED]


@pytest.mark.parametrize(
    ("method", "status"),
    [
        (PaymentMethod.CARD, S.PENDING_PAYMENT),
        (PaymentMethod.CASH_ON_DELIVERY, S.AWAITING_CONFIRMATION),
        (PaymentMethod.BANK_TRANSFER, S.AWAITING_CONFIRMATION),
    ],
)
def test_the_payment_method_chooses_the_first_status(method, status):
    assert initial_status(method) is status


def test_a_merchant_can_confirm_or_reject_an_order_awaiting_confirmation():
    assert allowed_targets(S.AWAITING_CONFIRMATION, M) == [S.CONFIRMED, S.CANCELLED]


def test_a_customer_can_only_cancel_an_order_awaiting_confirmation():
    assert allowed_targets(S.AWAITING_CONFIRMATION, C) == [S.CANCELLED]


def test_only_the_system_expires_an_order_nobody_confirmed():
    assert allowed_targets(S.AWAITING_CONFIRMATION, Y) == [S.EXPIRED]
    for kind in (C, M):  # a person cancels or rejects, with a reason; never "expires"
        with pytest.raises(NotAllowed):
            make_order(S.AWAITING_CONFIRMATION).move_to(S.EXPIRED, actor_of(kind), LATER, "x")
    order = make_order(S.AWAITING_CONFIRMATION)
    order.move_to(S.EXPIRED, actor_of(Y), LATER, "expired", reason="unconfirmed")
    assert order.status is S.EXPIRED
    assert not order.is_open


def test_the_system_moves_an_unpaid_order_on_payment_or_expiry():
    assert allowed_targets(S.PENDING_PAYMENT, Y) == [
        S.AWAITING_CONFIRMATION,
        S.CONFIRMED,
        S.EXPIRED,
    ]


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.AWAITING_CONFIRMATION, S.CONFIRMED])
def test_customers_may_cancel_before_preparing_starts(status):
    order = make_order(status)
    order.move_to(S.CANCELLED, actor_of(C), LATER, "cancelled")
    assert order.status is S.CANCELLED


@pytest.mark.parametrize("status", [S.PREPARING, S.PACKED])
def test_customers_may_not_cancel_once_preparing_has_started(status):
    order = make_order(status)
    with pytest.raises(NotAllowed):
        order.move_to(S.CANCELLED, actor_of(C), LATER, "cancelled")
    assert_untouched(order, status)
    # the merchant still can
    order.move_to(S.CANCELLED, actor_of(M), LATER, "cancelled")
    assert order.status is S.CANCELLED


@pytest.mark.parametrize("kind", list(ActorKind))
def test_nobody_can_cancel_a_shipped_order(kind):
    order = make_order(S.SHIPPED)
    with pytest.raises(InvalidTransition):
        order.move_to(S.CANCELLED, actor_of(kind), LATER, "cancelled")
    assert_untouched(order, S.SHIPPED)


def test_a_whole_happy_path_records_one_event_per_move():
    order = make_order(S.AWAITING_CONFIRMATION)
    merchant = actor_of(M)
    for target in (S.CONFIRMED, S.PREPARING, S.PACKED, S.SHIPPED, S.DELIVERED):
        order.move_to(target, merchant, LATER, "status_changed")
    assert [(e.from_status, e.to_status) for e in order.new_events] == [
        ("awaiting_confirmation", "confirmed"),
        ("confirmed", "preparing"),
        ("preparing", "packed"),
        ("packed", "shipped"),
        ("shipped", "delivered"),
    ]


@pytest.mark.parametrize("stars", [1, 3, 5])
def test_a_customer_can_rate_a_delivered_order_from_one_to_five_stars(stars):
    order = make_order(S.DELIVERED)
    customer = actor_of(C)
    order.rate(stars, "  Llegó rápido  ", customer, LATER)
    assert order.rating == stars
    assert order.rating_comment == "Llegó rápido"
    assert order.updated_at == LATER
    assert order.status is S.DELIVERED
    assert len(order.new_events) == 1
    event = order.new_events[0]
    assert (event.kind, event.actor, event.data) == ("rated", str(customer), {"stars": stars})


def test_a_rating_comment_is_cut_at_a_thousand_characters():
    order = make_order(S.DELIVERED)
    order.rate(4, "a" * 5000, actor_of(C), LATER)
    assert order.rating_comment == "a" * 1000


@pytest.mark.parametrize("status", [s for s in OrderStatus if s is not S.DELIVERED])
def test_only_a_delivered_order_can_be_rated(status):
    order = make_order(status)
    with pytest.raises(InvalidTransition) as caught:
        order.rate(5, "", actor_of(C), LATER)
    assert caught.value.data["to_status"] == "rated"
    assert order.rating is None
    assert order.new_events == []


@pytest.mark.parametrize("kind", [M, Y])
def test_only_the_customer_can_rate(kind):
    order = make_order(S.DELIVERED)
    with pytest.raises(NotAllowed):
        order.rate(5, "", actor_of(kind), LATER)
    assert order.rating is None
    assert order.new_events == []


@pytest.mark.parametrize("stars", [0, 6, -1, 10])
def test_ratings_outside_one_to_five_stars_are_refused(stars):
    order = make_order(S.DELIVERED)
    with pytest.raises(InvalidRating) as caught:
        order.rate(stars, "", actor_of(C), LATER)
    assert caught.value.data == {"stars": stars}
    assert order.rating is None
    assert order.new_events == []


@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        (S.PENDING_PAYMENT, True),
        (S.AWAITING_CONFIRMATION, True),
        (S.CONFIRMED, True),
        (S.PREPARING, True),
        (S.PACKED, True),
        (S.SHIPPED, True),
        (S.DELIVERED, False),
        (S.CANCELLED, False),
        (S.EXPIRED, False),
    ],
)
def test_an_order_is_open_until_it_is_delivered_cancelled_or_expired(status, is_open):
    assert make_order(status).is_open is is_open


def test_order_weight_counts_every_unit():
    order = make_order(S.CONFIRMED)
    order.lines.append(OrderLine(2, "PLATO-02", "Plato", mxn(10000), 3, weight_g=250))
    assert order.weight_g == 400 + 3 * 250
