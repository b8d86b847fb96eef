"""The admin's orders: the list by status, one order's card and timeline, and the moves
on it (confirm, prepare, pack, ship, deliver, reject, cancel, paid, refund, label)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core.domain.errors import InvalidAmount
from core.domain.money import Money
from core.domain.orders import OrderStatus, PaymentRequired
from core.domain.payment_links import LINK_PROVIDERS
from core.services import admins, orders, payments, shipping
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.admin.cards import order_card, timeline_text, unpaid_refusal
from handlers.admin.reports import report
from handlers.admin.status_words import (
    ALL,
    AWAITING_PAYMENT,
    status_from_words,
    words_that_work,
)
from handlers.drafts import Draft
from handlers.payloads import whole_number
from handlers.quoting import inline
from handlers.render import money, order_status_name, provider_name, status_name
from handlers.turn import Step, Turn
from handlers.types import Button

LIST_PAGE = 8


@dataclass
class OrderQuestion(Draft):
    """What the admin's question about an order (a reason, a tracking number) is about."""

    code: str = ""
    carrier: str = ""  # the tracking number's carrier


# The buttons of the order list and an order's card. The payloads are those of buttons
# already in admins' chats ("ac:PED-7K3FQ"): a prefix or a field's order never changes.
@dataclass(frozen=True)
class ListOrders(Action, prefix="al", admin=True):
    status: str = "all"  # a status name, "all", or "report" (the help's Report button)
    page: int = 0


@dataclass(frozen=True)
class OpenOrder(Action, prefix="ao", admin=True):
    code: str


@dataclass(frozen=True)
class ConfirmOrder(Action, prefix="ac", admin=True):
    code: str


@dataclass(frozen=True)
class ConfirmUnpaid(Action, prefix="acn", admin=True):
    code: str


@dataclass(frozen=True)
class RejectOrder(Action, prefix="aj", admin=True):
    code: str


@dataclass(frozen=True)
class StartPreparing(Action, prefix="ap", admin=True):
    code: str


@dataclass(frozen=True)
class MarkPacked(Action, prefix="ak", admin=True):
    code: str


@dataclass(frozen=True)
class ShipOrder(Action, prefix="as", admin=True):
    code: str


@dataclass(frozen=True)
class ShipWithCarrier(Action, prefix="asc", admin=True):
    code: str
    carrier: str


@dataclass(frozen=True)
class MarkDelivered(Action, prefix="ad", admin=True):
    code: str


@dataclass(frozen=True)
class CancelOrder(Action, prefix="ax", admin=True):
    code: str


@dataclass(frozen=True)
class MarkPaid(Action, prefix="apd", admin=True):
    code: str


@dataclass(frozen=True)
class ShippingLabel(Action, prefix="lbl", admin=True):
    code: str


async def order_action(turn: Turn, action: str, code: str, reason: str, args: list[str]) -> None:
    _ = turn.t.gettext
    who = actor(turn)
    if action == "order":
        details = await orders.order_details(turn.shop, code, who)
        card = order_card(turn.shop, turn.t, details)
        names = await admins.admin_names(turn.shop, (e.actor for e in details.timeline))
        card.text += "\n" + timeline_text(turn.shop, turn.t, details, names)
        turn.replies.append(card)
    elif action in ("confirm", "confirm_unpaid", "prepare", "packed"):
        await move_on(turn, action, code)
    elif action == "delivered":
        await orders.mark_delivered(turn.shop, who, code)
        await show_card(turn, code, _("Order {code} delivered; the customer was asked to rate it."))
    elif action in ("reject", "cancel"):
        await reject_or_cancel(turn, action, code, reason)
    elif action == "ship":
        await ship(turn, code, args[1] if len(args) > 1 else None, " ".join(args[2:]) or None)
    elif action == "paid":
        outcome = await payments.record_manual_payment(turn.shop, who, code)
        text = (
            _("Payment recorded for order {code}.")
            if outcome.recorded
            else _("Order {code} was already paid; nothing was recorded.")
        )
        await show_card(turn, code, text.format(code=code))
    elif action == "refund":
        await refund(turn, code, args[1] if len(args) > 1 else "")
    elif action == "label":
        await send_label(turn, code)


async def move_on(turn: Turn, action: str, code: str) -> None:
    """Confirm, prepare or pack; an order awaiting its payment is refused with the ways
    on (mark it paid, or confirm it without payment)."""
    _ = turn.t.gettext
    who = actor(turn)
    try:
        if action == "confirm":
            await orders.confirm_order(turn.shop, who, code)
            await show_card(turn, code, _("✅ Order {code} confirmed; the customer was told."))
        elif action == "confirm_unpaid":
            await orders.confirm_without_payment(turn.shop, who, code)
            await show_card(
                turn, code, _("Order {code} confirmed without payment; the customer was told.")
            )
        elif action == "prepare":
            await orders.start_preparing(turn.shop, who, code)
            await show_card(turn, code, _("Order {code} is being prepared."))
        elif action == "packed":
            await orders.mark_packed(turn.shop, who, code)
            await show_card(turn, code, _("📦 Order {code} packed. Here is its shipping label:"))
            await send_label(turn, code)
    except PaymentRequired as refused:
        turn.reset()
        turn.replies.append(unpaid_refusal(turn.t, refused))


async def show_card(turn: Turn, code: str, title: str) -> None:
    turn.reset()
    details = await orders.order_details(turn.shop, code, actor(turn))
    card = order_card(turn.shop, turn.t, details)
    card.text = title.format(code=code) + "\n" + card.text  # title may name {code}
    turn.replies.append(card)


async def send_label(turn: Turn, code: str) -> None:
    details = await orders.order_details(turn.shop, code, actor(turn))
    # reportlab (8 MiB) loads with the first label, not in every bot process.
    from handlers.admin.label import shipping_label

    label = shipping_label(turn.shop, turn.t, details, turn.shop.now())
    turn.say(turn.t.gettext("Shipping label for {code}").format(code=code), document=label)


async def reject_or_cancel(turn: Turn, action: str, code: str, reason: str) -> None:
    _ = turn.t.gettext
    if not reason:
        step = Step.ADMIN_REJECT_REASON if action == "reject" else Step.ADMIN_CANCEL_REASON
        await orders.order_details(turn.shop, code, actor(turn))  # exists, and we may see it
        turn.go(step)
        OrderQuestion(code=code).write(turn.data)
        turn.say(
            _("Why? Type the reason for order {code}; the customer will read it.").format(
                code=code
            ),
            [[Button(_("Back"), OpenOrder(code).pack())]],
        )
        return
    if action == "reject":
        await orders.reject_order(turn.shop, actor(turn), code, reason)
        await show_card(turn, code, _("Order {code} rejected; the customer was told why."))
    else:
        await orders.cancel_order(turn.shop, actor(turn), code, reason)
        await show_card(turn, code, _("Order {code} cancelled; stock released."))


async def ship(turn: Turn, code: str, carrier: str | None, tracking: str | None) -> None:
    _ = turn.t.gettext
    if carrier and tracking:
        try:
            await shipping.ship_order(turn.shop, actor(turn), code, carrier.lower(), tracking)
        except PaymentRequired as refused:
            turn.reset()
            turn.replies.append(unpaid_refusal(turn.t, refused))
            return
        await show_card(
            turn, code, _("🚚 Order {code} shipped; the customer got the tracking link.")
        )
        return
    order = (await orders.order_details(turn.shop, code, actor(turn))).order
    if order.awaits_payment:  # said now, not after the tracking number is typed
        turn.reset()
        refused = PaymentRequired(code=order.code, method=str(order.payment_method))
        turn.replies.append(unpaid_refusal(turn.t, refused))
        return
    if carrier:
        turn.go(Step.ADMIN_TRACKING)
        OrderQuestion(code=code, carrier=carrier.lower()).write(turn.data)
        turn.say(_("Type the tracking number for order {code}.").format(code=code))
        return
    carriers = await shipping.list_carriers(turn.shop)
    rows = [[Button(c.name, ShipWithCarrier(code, c.code).pack())] for c in carriers[:10]]
    turn.reset()
    turn.say(_("Which carrier takes order {code}?").format(code=code), rows)


async def refund(turn: Turn, code: str, amount_text: str) -> None:
    _ = turn.t.gettext
    try:
        amount = Money.parse(amount_text, turn.shop.currency)
    except InvalidAmount:
        amount = None
    if amount is None or amount.amount <= 0:
        turn.say(_("Write the amount to refund, e.g. /reembolso {code} 199.90").format(code=code))
        return
    payment = await payments.refund_order(turn.shop, actor(turn), code, amount)
    text = _("Refund of {amount} recorded for order {code}.").format(
        amount=money(turn.t, amount.amount, amount.currency), code="{code}"
    )
    if payment.provider in LINK_PROVIDERS:
        text += " " + _(
            "It goes back through {provider}; if {provider} refuses it, you are told here."
        ).format(provider=provider_name(payment.provider))
    await show_card(turn, code, text)


async def orders_by_words(turn: Turn, args: list[str]) -> None:
    """/pedidos [status words] [page]: "/pedidos entregados", "/pedidos por confirmar 2"."""
    page = whole_number(args[-1]) if args else None
    words = " ".join(args[:-1] if page is not None else args)
    status = status_from_words(words)
    if status is None:
        turn.say(
            turn.t.gettext(
                "I don't know the status “{words}”. Write /pedidos and one of: {known}."
            ).format(words=words[:40], known=words_that_work(turn.t))
        )
        return
    await list_orders(turn, status, (page or 1) - 1)


async def list_orders(turn: Turn, status: str | None, page: int) -> None:
    """A page of the orders in status (a status word, or its name from a button); all of
    them for "all" or none."""
    _ = turn.t.gettext
    named = status_from_words(status or "")
    status = named if named not in (None, ALL) else None
    unpaid = status == AWAITING_PAYMENT
    page = max(page, 0)
    found, total = await orders.list_orders(
        turn.shop,
        actor(turn),
        status=OrderStatus(status) if status and not unpaid else None,
        page=page,
        page_size=LIST_PAGE,
        awaiting_payment=unpaid,
    )
    turn.reset()
    if not found:
        turn.say(_("No orders here."))
        return
    rows = [
        [
            Button(
                f"{o.code} · {inline(o.customer_name, 20)} · "
                f"{money(turn.t, o.total.amount, o.currency)} · {order_status_name(turn.t, o)}",
                OpenOrder(o.code).pack(),
            )
        ]
        for o in found
    ]
    nav = []
    if page > 0:
        nav.append(Button(_("« Previous"), ListOrders(status or "all", page - 1).pack()))
    if (page + 1) * LIST_PAGE < total:
        nav.append(Button(_("Next »"), ListOrders(status or "all", page + 1).pack()))
    if nav:
        rows.append(nav)
    title = _("All orders")
    if status:
        title = _("Awaiting payment") if unpaid else status_name(turn.t, status)
    turn.say(
        _("{title}: {total} (page {page})").format(
            title=title[:1].upper() + title[1:], total=total, page=page + 1
        ),
        rows,
    )


# Each button of an order's card does the order command of its name, with no arguments.
# An empty code ("ac:") is no order of ours: False, answered as a button from an older
# message.
_ORDER_BUTTONS: dict[type[Action], str] = {
    OpenOrder: "order",
    ConfirmOrder: "confirm",
    ConfirmUnpaid: "confirm_unpaid",
    RejectOrder: "reject",
    StartPreparing: "prepare",
    MarkPacked: "packed",
    ShipOrder: "ship",
    MarkDelivered: "delivered",
    CancelOrder: "cancel",
    MarkPaid: "paid",
    ShippingLabel: "label",
}


def _order_button(command: str) -> Callable[[Turn, Any], Awaitable[bool]]:
    async def on_order(turn: Turn, action: Any) -> bool:
        if not action.code:
            return False
        await order_action(turn, command, action.code, "", [action.code])
        return True

    return on_order


for _kind, _command in _ORDER_BUTTONS.items():
    handles(_kind)(_order_button(_command))


@handles(ShipWithCarrier)
async def ship_with_carrier(turn: Turn, action: ShipWithCarrier) -> None:
    await ship(turn, action.code, action.carrier, None)


@handles(ListOrders)
async def list_orders_button(turn: Turn, action: ListOrders) -> None:
    if action.status == "report":
        await report(turn, "7d")
    else:
        await list_orders(turn, action.status, action.page)


async def reason_typed(turn: Turn, text: str) -> None:
    """The reason asked for rejecting or cancelling an order."""
    question = OrderQuestion.read(turn.data)
    question.need("code")
    action = "reject" if turn.step is Step.ADMIN_REJECT_REASON else "cancel"
    await reject_or_cancel(turn, action, question.code, text[:500])


async def tracking_typed(turn: Turn, text: str) -> None:
    """The tracking number asked for shipping an order with the carrier chosen."""
    question = OrderQuestion.read(turn.data)
    question.need("code", "carrier")
    await ship(turn, question.code, question.carrier, text)
