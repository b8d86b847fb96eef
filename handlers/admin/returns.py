"""The admin's returns: the queue, a return's card with the moves its status allows
(approve, reject, receive, refund), the return address, and an exchange's replacement
shipment."""

from __future__ import annotations

from core.domain.returns import ReturnRequest, ReturnStatus
from core.services import returns, shipping
from handlers.admin.actor import actor
from handlers.payloads import pack
from handlers.quoting import inline
from handlers.render import money
from handlers.turn import Step, Turn
from handlers.types import Button


async def returns_queue(turn: Turn) -> None:
    _ = turn.t.gettext
    queue = await returns.list_returns(turn.shop, actor(turn))
    turn.reset()
    if not queue:
        turn.say(_("No returns waiting."))
        return
    rows = [
        [Button(f"#{r.id} · {code} · {return_status(turn, r.status)}", pack("rs", r.id))]
        for code, r in queue[:10]
    ]
    turn.say(_("Returns waiting: {count}").format(count=len(queue)), rows)


def return_status(turn: Turn, status: str) -> str:
    _ = turn.t.gettext
    return {
        ReturnStatus.REQUESTED: _("requested"),
        ReturnStatus.APPROVED: _("approved, on its way back"),
        ReturnStatus.REJECTED: _("rejected"),
        ReturnStatus.RECEIVED: _("received"),
        ReturnStatus.REFUNDED: _("refunded"),
        ReturnStatus.EXCHANGED: _("exchanged"),
    }.get(status, status)


async def return_card(turn: Turn, return_id: int, title: str = "") -> None:
    _ = turn.t.gettext
    code, request = await returns.get_return(turn.shop, actor(turn), return_id)
    turn.reset()
    lines = [title] if title else []
    lines += [
        _("Return #{id} of order {code}: {status}").format(
            id=request.id, code=code, status=return_status(turn, request.status)
        ),
        *[f"{line.quantity} × {line.name}" for line in request.lines],
        _("Reason: {reason}").format(reason=inline(request.reason, 1000)),
        _("The customer wants: {what}").format(what=wanted(turn, request)),
    ]
    if request.shipment is not None:
        lines.append(
            _("Replacement shipped with {carrier}, tracking number {number}").format(
                carrier=request.shipment.carrier_name, number=request.shipment.tracking_number
            )
        )
    turn.say("\n".join(lines), return_buttons(turn, request))


def wanted(turn: Turn, request: ReturnRequest) -> str:
    _ = turn.t.gettext
    if not request.is_exchange:
        return _("a refund")
    items = ", ".join(
        f"{line.quantity} × {line.replacement_name}"
        for line in request.lines
        if line.replacement_id
    )
    if not items:
        return _("an exchange")
    return _("an exchange for {items} (reserved)").format(items=items)


def return_buttons(turn: Turn, request: ReturnRequest) -> list[list[Button]]:
    _ = turn.t.gettext
    rid = request.id
    if request.status is ReturnStatus.REQUESTED:
        return [[Button(_("Approve"), pack("ra", rid)), Button(_("Reject"), pack("rj", rid))]]
    if request.status is ReturnStatus.APPROVED:
        rows = [
            [Button(_("Received, sellable"), pack("rv", rid, 1))],
            [Button(_("Received, damaged"), pack("rv", rid, 0))],
        ]
        if not turn.shop.settings.return_address.strip():
            rows.append([Button(_("Send return address"), pack("rad", rid))])
        return rows
    if request.status is ReturnStatus.RECEIVED and request.is_exchange:
        return [
            [Button(_("Ship the replacement"), pack("rxs", rid))],
            [Button(_("Refund instead"), pack("rf", rid))],
        ]
    if request.status is ReturnStatus.RECEIVED:
        return [[Button(_("Refund"), pack("rf", rid))]]
    return []


async def return_action(turn: Turn, verb: str, return_id: int, flag: int | None) -> None:
    _ = turn.t.gettext
    who = actor(turn)
    if verb == "ra":
        await returns.approve_return(turn.shop, who, return_id)
        told = (
            _("Approved; the customer was told where to send the items.")
            if turn.shop.settings.return_address.strip()
            else _(
                "Approved. RETURN_ADDRESS is not set, so the customer was told you will send "
                "the address: tap “Send return address”."
            )
        )
        await return_card(turn, return_id, told)
    elif verb == "rad":
        await returns.get_return(turn.shop, who, return_id)  # exists, and we may see it
        turn.go(Step.ADMIN_RETURN_ADDRESS, return_id=return_id)
        turn.say(
            _("Type the address where the customer sends the items of return #{id}.").format(
                id=return_id
            ),
            [[Button(_("Back"), pack("rs", return_id))]],
        )
    elif verb in ("rxs", "re"):  # "re": an older card's "Exchange" button
        await ship_exchange(turn, return_id, None, None)
    elif verb == "rj":
        turn.go(Step.ADMIN_RETURN_REJECT_REASON, return_id=return_id)
        turn.say(
            _("Why? Type the reason for return #{id}; the customer will read it.").format(
                id=return_id
            )
        )
    elif verb == "rv":
        _code, request = await returns.get_return(turn.shop, who, return_id)
        sellable = {line.sku: bool(flag) for line in request.lines}
        await returns.receive_return(turn.shop, who, return_id, sellable)
        await return_card(
            turn,
            return_id,
            _("Received; sellable items are back in stock. The customer was told.")
            if flag
            else _("Received as damaged; stock unchanged. The customer was told."),
        )
    elif verb == "rf":
        done = await returns.refund_return(turn.shop, who, return_id)
        await return_card(
            turn,
            return_id,
            _("Refund of {amount} recorded.").format(
                amount=money(turn.t, done.refund_amount, turn.shop.currency)
            ),
        )


async def reject_reason_typed(turn: Turn, return_id: int, text: str) -> None:
    await returns.reject_return(turn.shop, actor(turn), return_id, text[:500])
    await return_card(turn, return_id, turn.t.gettext("Rejected; the customer was told why."))


async def address_typed(turn: Turn, return_id: int, text: str) -> None:
    await returns.send_return_address(turn.shop, actor(turn), return_id, text)
    await return_card(turn, return_id, turn.t.gettext("Address sent to the customer."))


async def ship_exchange(
    turn: Turn, return_id: int, carrier: str | None, tracking: str | None
) -> None:
    """The replacement of an exchange: which carrier, then its tracking number."""
    _ = turn.t.gettext
    if carrier and tracking:
        await returns.ship_exchange(turn.shop, actor(turn), return_id, carrier.lower(), tracking)
        await return_card(
            turn,
            return_id,
            _("🚚 Replacement shipped; the customer got the tracking number."),
        )
        return
    _code, request = await returns.get_return(turn.shop, actor(turn), return_id)
    if request.status is not ReturnStatus.RECEIVED or not request.is_exchange:
        await return_card(turn, return_id)  # nothing to ship now: what it is at
        return
    if carrier:
        turn.go(Step.ADMIN_EXCHANGE_TRACKING, return_id=return_id, carrier=carrier.lower())
        turn.say(
            _("Type the tracking number of the replacement for return #{id}.").format(id=return_id)
        )
        return
    carriers = await shipping.list_carriers(turn.shop)
    rows = [[Button(c.name, pack("rxc", return_id, c.code))] for c in carriers[:10]]
    turn.reset()
    turn.say(_("Which carrier takes the replacement for return #{id}?").format(id=return_id), rows)
