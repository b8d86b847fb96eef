"""The admin's purchase orders to suppliers: the list, one order with its lines and
timeline, and the moves on it (send with its PDF, receive, close, cancel)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.actions import Action, handles
from handlers.turn import Turn


# A draft purchase order from a supplier's reorder suggestions (the suppliers' screen,
# /reabastecer, carries this button). Its payload never changes: "pqd:<supplier id>".
@dataclass(frozen=True)
class DraftPurchaseOrder(Action, prefix="pqd", admin=True):
    supplier_id: int


@handles(DraftPurchaseOrder)
async def draft_purchase_order(turn: Turn, action: DraftPurchaseOrder) -> bool | None:
    # Filled in with the purchase-order service (issue 18); until then an older button.
    return False
