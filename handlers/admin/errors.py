"""What an admin (or someone who is not one) is told when an action can't be done."""

from __future__ import annotations

from core.domain.errors import DomainError
from core.domain.orders import OrderStatus
from core.services import admins, orders
from core.services.context import Shop
from handlers.admin.actor import actor
from handlers.admin.cards import who
from handlers.admin.returns import return_status
from handlers.render import row_error_text, status_name, when
from handlers.turn import Turn


async def explain(turn: Turn, error: DomainError) -> None:
    _ = turn.t.gettext
    data, code = error.data, error.code
    turn.reset()
    if code == "not_allowed":
        text = _("Sorry, that is only for the shop's team.")
    elif code == "invalid_transition" and data.get("entity") == "order":
        text = await _already_moved(turn, turn.shop, data)
    elif code == "invalid_transition" and data.get("entity") == "return":
        text = _("That return is already {status}.").format(
            status=return_status(turn, str(data.get("from_status", "")))
        )
    elif code == "order_not_found":
        text = _("There is no order {code}.").format(code=data.get("code", ""))
    elif code == "carrier_not_found":
        text = _("I don't know the carrier “{code}”. Choose one from the list.").format(
            code=data.get("code", "")
        )
    elif code == "invalid_tracking_number":
        text = _("That tracking number doesn't look right: use 6 to 40 letters, digits or dashes.")
    elif code == "product_not_found":
        text = _("There is no product with SKU {sku}.").format(sku=data.get("sku", ""))
    elif code == "invalid_image_url":
        text = _(
            "That photo can't be used: send an http(s) web address of the picture "
            "(up to 500 characters), or send the photo itself."
        )
    elif code == "product_exists":
        text = _("A product with SKU {sku} already exists.").format(sku=data.get("sku", ""))
    elif code == "invalid_quantity":
        text = _(
            "That quantity can't be used here (it can't go below what open orders have reserved)."
        )
    elif code == "no_receipt":
        text = _(
            "Order {code} has no receipt: it was cancelled or expired before it was paid."
        ).format(code=data.get("code", ""))
    elif code == "nothing_to_refund":
        text = _("Nothing was paid for that order, so there is nothing to refund.")
    elif code == "refund_too_large":
        text = _("That is more than can be refunded ({amount} left).").format(
            amount=turn.t.money(int(data.get("refundable", 0)), turn.shop.currency)
        )
    elif code == "return_not_found":
        text = _("There is no return #{id}.").format(id=data.get("return_id", ""))
    elif code == "invalid_return" and data.get("problem") == "no_replacement":
        text = _(
            "Return #{id} has no replacement chosen (it was asked for before the chat "
            "offered them): ask the customer what they want, or refund it instead."
        ).format(id=data.get("return_id", ""))
    elif code == "invalid_return" and data.get("problem") == "address_required":
        text = _("Type the address the customer should send the items to.")
    elif code == "support_case_not_found":
        text = _("There is no support case #{id}.").format(id=data.get("case_id", ""))
    elif code == "catalog_import_failed":
        text = _("That product has a problem: {problems}").format(
            problems="; ".join(
                row_error_text(turn.t, e.reason, e.detail) for e in getattr(error, "errors", [])
            )
        )
    else:
        text = _("Sorry, that didn't work ({code}).").format(code=code)
    turn.say(text)


# The way an order goes, in order: a move further than the next step skips one.
_FORWARD = list(OrderStatus)[: list(OrderStatus).index(OrderStatus.DELIVERED) + 1]


def _skipped_step(turn: Turn, data: dict) -> str | None:
    """ "Order X is being prepared: first mark it packed", for /enviar on an order in
    preparation (not "already prepared", which is no reason)."""
    frm, to = str(data.get("from_status", "")), str(data.get("to_status", ""))
    if frm not in _FORWARD or to not in _FORWARD:
        return None
    position = _FORWARD.index(frm)
    if _FORWARD.index(to) <= position + 1:
        return None
    return turn.t.gettext("Order {code} is {status}: first it must be {step}.").format(
        code=data.get("code", ""),
        status=status_name(turn.t, frm),
        step=status_name(turn.t, _FORWARD[position + 1]),
    )


async def _already_moved(turn: Turn, shop: Shop, data: dict) -> str:
    """ "Order X is already confirmed (Shop (Ana), today 10:31)": no double action."""
    _ = turn.t.gettext
    if skipped := _skipped_step(turn, data):
        return skipped
    status = str(data.get("from_status", ""))
    code = turn.data.get("code") or data.get("code")
    last = None
    if code:
        details = await orders.order_details(shop, code, actor(turn))
        moves = [e for e in details.timeline if e.to_status]
        last = moves[-1] if moves else None
    if last is None:
        return _("That can't be done now: the order is {status}.").format(
            status=status_name(turn.t, status)
        )
    return _("Nothing done: order {code} is already {status} ({who}, {when}).").format(
        code=details.order.code,
        status=status_name(turn.t, status),
        who=who(turn.t, last.actor, await admins.admin_names(shop, [last.actor])),
        when=when(turn.t, last.at, shop.now(), turn.zone),
    )
