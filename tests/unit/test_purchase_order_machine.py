"""The purchase order status machine: one table, every change through its moves, and
receipts checked whole before anything changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from core.domain.actors import Actor, ActorKind, customer, merchant
from core.domain.errors import InvalidQuantity, InvalidTransition, NotAllowed
from core.domain.money import Money
from core.domain.orders import CODE_ALPHABET
from core.domain.purchase_orders import (
    MAX_QUANTITY,
    TRANSITIONS,
    EmptyPurchaseOrder,
    NotOnPurchaseOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    ReceiptTooLarge,
    allowed_targets,
    new_purchase_order_code,
    normalize_purchase_order_code,
)

S = PurchaseOrderStatus
C, M, Y = ActorKind.CUSTOMER, ActorKind.MERCHANT, ActorKind.SYSTEM
AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=3)
ANA = merchant("terminal:ana")

# The lifecycle as issue 18 and docs/purchasing.md write it, kept apart from the code's
# table: draft → sent → partially received / received → closed; draft or sent →
# cancelled; another part of a partial receipt.
EXPECTED = {
    (S.DRAFT, S.SENT),
    (S.DRAFT, S.CANCELLED),
    (S.SENT, S.PARTIALLY_RECEIVED),
    (S.SENT, S.RECEIVED),
    (S.SENT, S.CANCELLED),
    (S.PARTIALLY_RECEIVED, S.PARTIALLY_RECEIVED),
    (S.PARTIALLY_RECEIVED, S.RECEIVED),
    (S.PARTIALLY_RECEIVED, S.CLOSED),
    (S.RECEIVED, S.CLOSED),
}


def mxn(amount: int) -> Money:
    return Money(amount, "MXN")


def lines() -> list[PurchaseOrderLine]:
    return [
        PurchaseOrderLine(1, "TAZA-TAL", "Taza de talavera", 10, mxn(9000), "PROV-T1", id=11),
        PurchaseOrderLine(2, "GOR-ROJA", "Gorra roja", 4, None, "", id=12),
    ]


def make(status: S = S.DRAFT) -> PurchaseOrder:
    order = PurchaseOrder(1, "OC-7K3F", 5, status, "MXN", lines(), AT, AT, version=3)
    if status in (S.PARTIALLY_RECEIVED,):
        order.lines[0].received = 4
    if status in (S.RECEIVED, S.CLOSED):
        for line in order.lines:
            line.received = line.quantity
    return order


def actor_of(kind: ActorKind) -> Actor:
    return Actor(kind, "" if kind is Y else "42")


def test_the_table_is_the_lifecycle_and_only_the_shop_moves_it() -> None:
    assert set(TRANSITIONS) == EXPECTED
    assert all(who == frozenset({M, Y}) for who in TRANSITIONS.values())
    assert allowed_targets(S.SENT, M) == [S.PARTIALLY_RECEIVED, S.RECEIVED, S.CANCELLED]
    assert allowed_targets(S.CLOSED, M) == [] and allowed_targets(S.CANCELLED, M) == []
    assert allowed_targets(S.DRAFT, C) == []


@pytest.mark.parametrize("frm,to", list(itertools.product(S, S)))
def test_every_pair_outside_the_table_is_refused_with_a_coded_error(frm: S, to: S) -> None:
    order = make(frm)
    if (frm, to) in EXPECTED:
        order.move_to(to, ANA, LATER, "moved")
        assert order.status is to and order.updated_at == LATER
        assert order.new_events[-1].from_status == frm and order.new_events[-1].to_status == to
        return
    with pytest.raises(InvalidTransition) as refused:
        order.move_to(to, ANA, LATER, "moved")
    assert refused.value.data == {
        "entity": "purchase_order",
        "from_status": str(frm),
        "to_status": str(to),
        "code": "OC-7K3F",
    }
    assert order.status is frm and order.new_events == []


def test_a_customer_moves_nothing() -> None:
    order = make(S.DRAFT)
    with pytest.raises(NotAllowed):
        order.send(customer(9), LATER)
    with pytest.raises(NotAllowed):
        make(S.SENT).receive(None, customer(9), LATER)
    assert order.status is S.DRAFT


def test_a_draft_merges_lines_of_one_product_and_records_its_creation() -> None:
    order = PurchaseOrder.draft(
        "OC-7K3F",
        5,
        "MXN",
        [
            PurchaseOrderLine(1, "TAZA-TAL", "Taza", 3, mxn(9000)),
            PurchaseOrderLine(1, "TAZA-TAL", "Taza", 2),
        ],
        ANA,
        AT,
        notes="  entregar por la mañana ",
    )
    assert [(x.sku, x.quantity, x.unit_cost) for x in order.lines] == [("TAZA-TAL", 5, mxn(9000))]
    assert order.notes == "entregar por la mañana"
    event = order.new_events[0]
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "created",
        None,
        "draft",
        "merchant:terminal:ana",
    )
    with pytest.raises(EmptyPurchaseOrder):
        PurchaseOrder.draft("OC-7K3F", 5, "MXN", [], ANA, AT)


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, True, 2.5])
def test_a_line_needs_a_sensible_whole_quantity(quantity: object) -> None:
    with pytest.raises(InvalidQuantity):
        PurchaseOrder.draft(
            "OC-7K3F",
            5,
            "MXN",
            [PurchaseOrderLine(1, "A", "A", quantity)],
            ANA,
            AT,  # type: ignore[arg-type]
        )
    order = make(S.DRAFT)
    with pytest.raises(InvalidQuantity):
        order.set_line(PurchaseOrderLine(3, "NEW", "New", quantity), ANA, LATER)  # type: ignore[arg-type]
    assert len(order.lines) == 2 and not order.lines_changed


def test_lines_change_only_while_a_draft() -> None:
    order = make(S.DRAFT)
    order.set_line(PurchaseOrderLine(1, "TAZA-TAL", "Taza", 12), ANA, LATER)
    order.set_line(PurchaseOrderLine(3, "LENT-SOL", "Lentes", 2, mxn(5000)), ANA, LATER)
    order.remove_line("gor-roja", ANA, LATER)
    assert [(x.sku, x.quantity, x.unit_cost) for x in order.lines] == [
        ("TAZA-TAL", 12, mxn(9000)),  # the cost stays when only the quantity changes
        ("LENT-SOL", 2, mxn(5000)),
    ]
    assert [e.kind for e in order.new_events] == ["line_changed", "line_added", "line_removed"]
    with pytest.raises(NotOnPurchaseOrder):
        order.remove_line("NADA", ANA, LATER)
    order.remove_line("LENT-SOL", ANA, LATER)
    with pytest.raises(EmptyPurchaseOrder):
        order.remove_line("TAZA-TAL", ANA, LATER)  # the last line: cancel it instead
    sent = make(S.SENT)
    with pytest.raises(InvalidTransition) as refused:
        sent.set_line(PurchaseOrderLine(1, "TAZA-TAL", "Taza", 1), ANA, LATER)
    assert refused.value.data["from_status"] == "sent"
    assert sent.lines[0].quantity == 10


def test_sending_sets_when_it_went_and_when_it_is_expected() -> None:
    order = make(S.DRAFT)
    order.send(ANA, LATER, lead_time_days=5)
    assert order.status is S.SENT and order.sent_at == LATER
    assert order.expected_at == LATER + timedelta(days=5)


def test_receiving_in_parts_then_the_rest() -> None:
    order = make(S.SENT)
    first = order.receive({"taza-tal": 4}, ANA, LATER)
    assert [(r.sku, r.quantity, r.line_id) for r in first] == [("TAZA-TAL", 4, 11)]
    assert order.status is S.PARTIALLY_RECEIVED
    assert (order.ordered, order.received, order.outstanding) == (14, 4, 10)
    second = order.receive({"TAZA-TAL": 6, "GOR-ROJA": 1}, ANA, LATER)
    assert [(r.sku, r.quantity) for r in second] == [("TAZA-TAL", 6), ("GOR-ROJA", 1)]
    assert order.status is S.PARTIALLY_RECEIVED
    rest = order.receive(None, ANA, LATER)  # everything still outstanding
    assert [(r.sku, r.quantity) for r in rest] == [("GOR-ROJA", 3)]
    assert order.status is S.RECEIVED and order.outstanding == 0
    assert [(e.from_status, e.to_status) for e in order.new_events] == [
        ("sent", "partially_received"),
        ("partially_received", "partially_received"),
        ("partially_received", "received"),
    ]
    assert order.new_events[1].data == {
        "lines": [{"sku": "TAZA-TAL", "quantity": 6}, {"sku": "GOR-ROJA", "quantity": 1}]
    }
    assert len(order.new_receipts) == 4


def test_a_receipt_is_checked_whole_before_anything_changes() -> None:
    order = make(S.PARTIALLY_RECEIVED)  # TAZA-TAL: 4 of 10 in
    with pytest.raises(ReceiptTooLarge) as refused:
        order.receive({"GOR-ROJA": 2, "TAZA-TAL": 7}, ANA, LATER)
    assert refused.value.data == {
        "code": "OC-7K3F",
        "sku": "TAZA-TAL",
        "requested": 7,
        "outstanding": 6,
        "ordered": 10,
        "received": 4,
    }
    with pytest.raises(NotOnPurchaseOrder) as unknown:
        order.receive({"GOR-ROJA": 2, "NADA-01": 1}, ANA, LATER)
    assert unknown.value.data == {"code": "OC-7K3F", "sku": "NADA-01"}
    for bad in (0, -3, MAX_QUANTITY + 1):
        with pytest.raises(InvalidQuantity):
            order.receive({"GOR-ROJA": bad}, ANA, LATER)
    assert [line.received for line in order.lines] == [4, 0]
    assert order.status is S.PARTIALLY_RECEIVED
    assert order.new_events == [] and order.new_receipts == []


@pytest.mark.parametrize("status", [S.DRAFT, S.RECEIVED, S.CLOSED, S.CANCELLED])
def test_nothing_is_received_outside_sent_or_partially_received(status: S) -> None:
    order = make(status)
    with pytest.raises(InvalidTransition) as refused:
        order.receive(None, ANA, LATER)
    assert refused.value.data["from_status"] == str(status)
    assert refused.value.data["code"] == "OC-7K3F"


def test_closing_records_what_never_came_and_cancelling_its_reason() -> None:
    partial = make(S.PARTIALLY_RECEIVED)
    partial.close(ANA, LATER)
    assert partial.status is S.CLOSED
    assert partial.new_events[-1].data == {"outstanding": 10}
    draft = make(S.DRAFT)
    draft.cancel(ANA, LATER, "  el proveedor ya no lo fabrica ")
    assert draft.new_events[-1].data == {"reason": "el proveedor ya no lo fabrica"}
    with pytest.raises(InvalidTransition):
        make(S.PARTIALLY_RECEIVED).cancel(ANA, LATER, "tarde")  # goods came: close it


def test_the_total_counts_priced_lines() -> None:
    order = make(S.DRAFT)
    assert order.total == mxn(90000) and order.unpriced == 1
    assert order.lines[0].total == mxn(90000) and order.lines[1].total is None


def test_codes_are_short_unambiguous_and_read_back_however_typed() -> None:
    code = new_purchase_order_code()
    assert code.startswith("OC-") and len(code) == 7
    assert all(ch in CODE_ALPHABET for ch in code[3:])
    for typed in ("oc-7k3f", "OC 7K3F", "oc7k3f", "7k3f", " OC-7K3F "):
        assert normalize_purchase_order_code(typed) == "OC-7K3F"
    for wrong in ("OC-7K3", "OC-7K3FQ", "PED-7K3FQ", "OC-0OIL", ""):
        assert normalize_purchase_order_code(wrong) is None
