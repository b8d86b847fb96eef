"""The admin's buttons carry the payloads they carried before they were typed actions:
a button already in an admin's chat (an order card from last week) still works."""

from __future__ import annotations

import pytest

import handlers.conversation  # noqa: F401  (registers every feature's actions)
from handlers import actions
from handlers.actions import Action, parse
from handlers.admin.catalog import ActivateProduct, DeactivateProduct
from handlers.admin.documents import PackingSlip, Receipt
from handlers.admin.orders import (
    CancelOrder,
    ConfirmOrder,
    ConfirmUnpaid,
    ListOrders,
    MarkDelivered,
    MarkPacked,
    MarkPaid,
    OpenOrder,
    RejectOrder,
    ShipOrder,
    ShippingLabel,
    ShipWithCarrier,
    StartPreparing,
)
from handlers.admin.phone_orders import (
    OrderAddProduct,
    OrderConfirm,
    OrderDiscard,
    OrderItemsDone,
    OrderPayment,
    OrderShipping,
    OrderToChat,
)
from handlers.admin.privacy import ForgetCustomer, KeepCustomer
from handlers.admin.purchase_orders import (
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    DraftPurchaseOrder,
    ListPurchaseOrders,
    OpenPurchaseOrder,
    PurchaseOrderPdf,
    ReceiveOutstanding,
    SendPurchaseOrder,
)
from handlers.admin.returns import (
    ApproveReturn,
    AskReturnAddress,
    ExchangeReturn,
    OpenReturn,
    ReceiveReturn,
    RefundReturn,
    RejectReturn,
    ShipReplacement,
    ShipReplacementWith,
)
from handlers.admin.suppliers import (
    ActivateSupplier,
    DeactivateSupplier,
    OpenSupplier,
    SupplierReorder,
)
from handlers.admin.support import CloseCase, OpenCases, ReplyToCase

# Payloads as the admin's buttons were built before (pack("verb", ...)).
OLD_PAYLOADS: list[tuple[Action, str]] = [
    (DraftPurchaseOrder(3), "pqd:3"),
    (ListPurchaseOrders("sent", 1, 3), "pql:sent:1:3"),
    (OpenPurchaseOrder("OC-7K3F"), "pqo:OC-7K3F"),
    (SendPurchaseOrder("OC-7K3F"), "pqs:OC-7K3F"),
    (PurchaseOrderPdf("OC-7K3F"), "pqp:OC-7K3F"),
    (ReceiveOutstanding("OC-7K3F"), "pqr:OC-7K3F"),
    (ClosePurchaseOrder("OC-7K3F"), "pqc:OC-7K3F"),
    (CancelPurchaseOrder("OC-7K3F", "supplier"), "pqx:OC-7K3F:supplier"),
    (OpenOrder("PED-7K3FQ"), "ao:PED-7K3FQ"),
    (ConfirmOrder("PED-7K3FQ"), "ac:PED-7K3FQ"),
    (ConfirmUnpaid("PED-7K3FQ"), "acn:PED-7K3FQ"),
    (RejectOrder("PED-7K3FQ"), "aj:PED-7K3FQ"),
    (StartPreparing("PED-7K3FQ"), "ap:PED-7K3FQ"),
    (MarkPacked("PED-7K3FQ"), "ak:PED-7K3FQ"),
    (ShipOrder("PED-7K3FQ"), "as:PED-7K3FQ"),
    (ShipWithCarrier("PED-7K3FQ", "dhl"), "asc:PED-7K3FQ:dhl"),
    (MarkDelivered("PED-7K3FQ"), "ad:PED-7K3FQ"),
    (CancelOrder("PED-7K3FQ"), "ax:PED-7K3FQ"),
    (MarkPaid("PED-7K3FQ"), "apd:PED-7K3FQ"),
    (ShippingLabel("PED-7K3FQ"), "lbl:PED-7K3FQ"),
    (ListOrders("awaiting_confirmation", 0), "al:awaiting_confirmation:0"),
    (ListOrders("all", 3), "al:all:3"),
    (ListOrders("report", 0), "al:report:0"),
    (OpenReturn(0), "rs:0"),
    (OpenReturn(12), "rs:12"),
    (ApproveReturn(12), "ra:12"),
    (RejectReturn(12), "rj:12"),
    (ReceiveReturn(12, 1), "rv:12:1"),
    (ReceiveReturn(12, 0), "rv:12:0"),
    (RefundReturn(12), "rf:12"),
    (ExchangeReturn(12), "re:12"),
    (ShipReplacement(12), "rxs:12"),
    (ShipReplacementWith(12, "estafeta"), "rxc:12:estafeta"),
    (AskReturnAddress(12), "rad:12"),
    (OpenCases(), "scs"),
    (ReplyToCase(4), "sr:4"),
    (CloseCase(4), "sc:4"),
    (ActivateProduct(9), "pa:9"),
    (DeactivateProduct(9), "pd:9"),
    (ForgetCustomer(31), "afg:31"),
    (KeepCustomer(), "afn"),
    (OrderAddProduct(9, 2), "poa:9:2"),
    (OrderItemsDone(), "pod"),
    (OrderShipping("standard"), "pos:standard"),
    (OrderPayment("cash_on_delivery"), "pop:cash_on_delivery"),
    (OrderConfirm("a1b2c3d4"), "poc:a1b2c3d4"),
    (OrderDiscard(), "pox"),
    (OrderToChat(7), "pol:7"),
    (OpenSupplier(3), "spo:3"),
    (ActivateSupplier(3), "spa:3"),
    (DeactivateSupplier(3), "spd:3"),
    (SupplierReorder(3), "spr:3"),
    (PackingSlip("PED-7K3FQ"), "slp:PED-7K3FQ"),
    (Receipt("PED-7K3FQ"), "arc:PED-7K3FQ"),
]


@pytest.mark.parametrize(("action", "payload"), OLD_PAYLOADS, ids=lambda v: str(v)[:30])
def test_an_admin_button_packs_and_parses_as_before(action: Action, payload: str) -> None:
    assert action.pack() == payload
    assert parse(payload) == action
    assert actions.is_admin_payload(payload)


def test_every_admin_action_is_in_the_list_above() -> None:
    admin = {prefix for prefix, kind in actions.registered().items() if kind.admin}
    assert admin == {payload.split(":")[0] for _action, payload in OLD_PAYLOADS}


def test_older_payloads_without_their_defaults_still_parse() -> None:
    """ "rs" and "al" without arguments meant the queue and all orders."""
    assert parse("rs") == OpenReturn(0)
    assert parse("al") == ListOrders("all", 0)
    assert parse("rv:12") == ReceiveReturn(12, 0)  # damaged, as a missing flag meant
