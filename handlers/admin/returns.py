"""The admin's returns: the queue, a return's card with the moves its status allows
(approve, reject, receive, refund), the return address, and an exchange's replacement
shipment."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.returns import ReturnRequest, ReturnStatus
from core.services import returns, shipping
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.drafts import Draft
from handlers.quoting import inline
from handlers.render import money
from handlers.turn import Step, Turn
from handlers.types import Button


@dataclass
class ReturnQuestion(Draft):
    """What the admin's question about a return (a reason, an address, a tracking
    number) is about."""

    return_id: int | None = None
    carrier: str = ""  # the replacement's carrier


# The buttons of the returns queue and a return's card (payloads as in admins' chats).
@dataclass(frozen=True)
class OpenReturn(Action, prefix="rs", admin=True):
    return_id: int = 0  # 0: the queue


@dataclass(frozen=True)
class ApproveReturn(Action, prefix="ra", admin=True):
    return_id: int


@dataclass(frozen=True)
class RejectReturn(Action, prefix="rj", admin=True):
    return_id: int


@dataclass(frozen=True)
class ReceiveReturn(Action, prefix="rv", admin=True):
    return_id: int
    sellable: int = 0  # 1: the items go back to stock


@dataclass(frozen=True)
class RefundReturn(Action, prefix="rf", admin=True):
    return_id: int


@dataclass(frozen=True)
class AskReturnAddress(Action, prefix="rad", admin=True):
    return_id: int


@dataclass(frozen=True)
class ShipReplacement(Action, prefix="rxs", admin=True):
    return_id: int


@dataclass(frozen=True)
class ExchangeReturn(Action, prefix="re", admin=True):
    """An older card's "Exchange" button: what "Ship the replacement" does now."""

    return_id: int


@dataclass(frozen=True)
class ShipReplacementWith(Action, prefix="rxc", admin=True):
    return_id: int
    carrier: str


async def returns_queue(turn: Turn) -> None:
    _ = turn.t.gettext
    queue = await returns.list_returns(turn.shop, actor(turn))
    turn.reset()
    if not queue:
        turn.say(_("No returns waiting."))
        return
    rows = [
        [Button(f"#{r.id} · {code} · {return_status(turn, r.status)}", OpenReturn(r.id).pack())]
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
        return [
            [
                Button(_("Approve"), ApproveReturn(rid).pack()),
                Button(_("Reject"), RejectReturn(rid).pack()),
            ]
        ]
    if request.status is ReturnStatus.APPROVED:
        rows = [
            [Button(_("Received, sellable"), ReceiveReturn(rid, 1).pack())],
            [Button(_("Received, damaged"), ReceiveReturn(rid, 0).pack())],
        ]
        if not turn.shop.settings.return_address.strip():
            rows.append([Button(_("Send return address"), AskReturnAddress(rid).pack())])
        return rows
    if request.status is ReturnStatus.RECEIVED and request.is_exchange:
        return [
            [Button(_("Ship the replacement"), ShipReplacement(rid).pack())],
            [Button(_("Refund instead"), RefundReturn(rid).pack())],
        ]
    if request.status is ReturnStatus.RECEIVED:
        return [[Button(_("Refund"), RefundReturn(rid).pack())]]
    return []


@handles(OpenReturn)
async def open_return(turn: Turn, action: OpenReturn) -> None:
    await (return_card(turn, action.return_id) if action.return_id else returns_queue(turn))


# A return id of 0 ("ra:0") is no return of ours: False, answered as a button from an
# older message.
@handles(ApproveReturn)
async def approve(turn: Turn, action: ApproveReturn) -> bool:
    _ = turn.t.gettext
    if not action.return_id:
        return False
    await returns.approve_return(turn.shop, actor(turn), action.return_id)
    told = (
        _("Approved; the customer was told where to send the items.")
        if turn.shop.settings.return_address.strip()
        else _(
            "Approved. RETURN_ADDRESS is not set, so the customer was told you will send "
            "the address: tap “Send return address”."
        )
    )
    await return_card(turn, action.return_id, told)
    return True


@handles(AskReturnAddress)
async def ask_address(turn: Turn, action: AskReturnAddress) -> bool:
    _, return_id = turn.t.gettext, action.return_id
    if not return_id:
        return False
    await returns.get_return(turn.shop, actor(turn), return_id)  # exists, and we may see it
    turn.go(Step.ADMIN_RETURN_ADDRESS)
    ReturnQuestion(return_id=return_id).write(turn.data)
    turn.say(
        _("Type the address where the customer sends the items of return #{id}.").format(
            id=return_id
        ),
        [[Button(_("Back"), OpenReturn(return_id).pack())]],
    )
    return True


@handles(ShipReplacement)
@handles(ExchangeReturn)
async def ship_replacement(turn: Turn, action: ShipReplacement | ExchangeReturn) -> bool:
    if not action.return_id:
        return False
    await ship_exchange(turn, action.return_id, None, None)
    return True


@handles(RejectReturn)
async def reject(turn: Turn, action: RejectReturn) -> bool:
    if not action.return_id:
        return False
    turn.go(Step.ADMIN_RETURN_REJECT_REASON)
    ReturnQuestion(return_id=action.return_id).write(turn.data)
    turn.say(
        turn.t.gettext("Why? Type the reason for return #{id}; the customer will read it.").format(
            id=action.return_id
        )
    )
    return True


@handles(ReceiveReturn)
async def receive(turn: Turn, action: ReceiveReturn) -> bool:
    _, who, return_id = turn.t.gettext, actor(turn), action.return_id
    if not return_id:
        return False
    _code, request = await returns.get_return(turn.shop, who, return_id)
    sellable = {line.sku: bool(action.sellable) for line in request.lines}
    await returns.receive_return(turn.shop, who, return_id, sellable)
    await return_card(
        turn,
        return_id,
        _("Received; sellable items are back in stock. The customer was told.")
        if action.sellable
        else _("Received as damaged; stock unchanged. The customer was told."),
    )
    return True


@handles(RefundReturn)
async def refund(turn: Turn, action: RefundReturn) -> bool:
    if not action.return_id:
        return False
    done = await returns.refund_return(turn.shop, actor(turn), action.return_id)
    await return_card(
        turn,
        action.return_id,
        turn.t.gettext("Refund of {amount} recorded.").format(
            amount=money(turn.t, done.refund_amount, turn.shop.currency)
        ),
    )
    return True


@handles(ShipReplacementWith)
async def ship_replacement_with(turn: Turn, action: ShipReplacementWith) -> bool:
    if not action.return_id:
        return False
    await ship_exchange(turn, action.return_id, action.carrier, None)
    return True


def _question(turn: Turn, *needed: str) -> ReturnQuestion:
    question = ReturnQuestion.read(turn.data)
    question.need("return_id", *needed)
    return question


async def reject_reason_typed(turn: Turn, text: str) -> None:
    return_id = _question(turn).return_id or 0
    await returns.reject_return(turn.shop, actor(turn), return_id, text[:500])
    await return_card(turn, return_id, turn.t.gettext("Rejected; the customer was told why."))


async def address_typed(turn: Turn, text: str) -> None:
    return_id = _question(turn).return_id or 0
    await returns.send_return_address(turn.shop, actor(turn), return_id, text)
    await return_card(turn, return_id, turn.t.gettext("Address sent to the customer."))


async def tracking_typed(turn: Turn, text: str) -> None:
    """The tracking number of an exchange's replacement, with the carrier chosen."""
    question = _question(turn, "carrier")
    await ship_exchange(turn, question.return_id or 0, question.carrier, text)


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
        turn.go(Step.ADMIN_EXCHANGE_TRACKING)
        ReturnQuestion(return_id=return_id, carrier=carrier.lower()).write(turn.data)
        turn.say(
            _("Type the tracking number of the replacement for return #{id}.").format(id=return_id)
        )
        return
    carriers = await shipping.list_carriers(turn.shop)
    rows = [[Button(c.name, ShipReplacementWith(return_id, c.code).pack())] for c in carriers[:10]]
    turn.reset()
    turn.say(_("Which carrier takes the replacement for return #{id}?").format(id=return_id), rows)
