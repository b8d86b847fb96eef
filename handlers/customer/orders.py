"""“¿Dónde está mi pedido?”, my orders, and what a customer can do with an order:
cancel, confirm receipt, rate, ask for a return."""

from __future__ import annotations

from core.domain.actors import ActorKind
from core.domain.actors import customer as customer_actor
from core.domain.orders import Order, OrderStatus, allowed_targets
from core.domain.returns import ReturnResolution
from core.services import orders, returns
from core.services.orders import OrderDetails
from handlers.customer.menu import main_menu
from handlers.payloads import pack
from handlers.rating_typed import parse_rating
from handlers.render import (
    delivery_estimate,
    event_name,
    money,
    rating_buttons,
    status_name,
    when,
)
from handlers.turn import Step, Turn
from handlers.types import Button

LIST_SIZE = 8


def _actor(turn: Turn):
    return customer_actor(turn.customer.id)


async def track(turn: Turn, code: str | None = None) -> None:
    """Where is my order: the one named, the only open one, or a choice."""
    _ = turn.t.gettext
    if code:
        await show_order(turn, code)
        return
    open_orders = await orders.customer_orders(
        turn.shop, turn.customer.id, open_only=True, limit=LIST_SIZE
    )
    if not open_orders:
        turn.reset()
        turn.say(
            _("You have no orders on the way right now."),
            [[Button(_("Catalog"), pack("cat")), Button(_("My orders"), pack("o"))]],
        )
    elif len(open_orders) == 1:
        await show_order(turn, open_orders[0].code)
    else:
        # "On the way" only when one has left the shop; each button says where it is.
        shipped = sum(o.status is OrderStatus.SHIPPED for o in open_orders)
        question = (
            _("You have {count} open orders, {shipped} of them on the way. Which one?")
            if shipped
            else _("You have {count} open orders; none has shipped yet. Which one?")
        )
        choose_order(
            turn, question.format(count=len(open_orders), shipped=shipped), open_orders, "t"
        )


def choose_order(turn: Turn, question: str, choices: list[Order], verb: str) -> None:
    """A button per order (code and status) that does `verb` to it."""
    turn.reset()
    rows = [
        [Button(f"{o.code} · {status_name(turn.t, o.status)}", pack(verb, o.code))]
        for o in choices[:LIST_SIZE]
    ]
    turn.say(question, rows)


async def list_orders(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.reset()
    mine = await orders.customer_orders(turn.shop, turn.customer.id, limit=LIST_SIZE)
    if not mine:
        turn.say(_("You have no orders yet."), [[Button(_("Catalog"), pack("cat"))]])
        return
    rows = []
    for order in mine:
        total = money(turn.t, order.total.amount, order.currency)
        rows.append(
            [
                Button(
                    f"{order.code} · {total} · {status_name(turn.t, order.status)}",
                    pack("t", order.code),
                )
            ]
        )
    rows.append([Button(_("Menu"), pack("m"))])
    turn.say(_("Your orders:"), rows)


def tracking_text(turn: Turn, details: OrderDetails) -> str:
    _ = turn.t.gettext
    order, now = details.order, turn.shop.now()
    lines = [
        "📦 "
        + _("Order {code}: {status}.").format(
            code=order.code, status=status_name(turn.t, order.status)
        )
    ]
    for event in details.timeline:
        if event.kind == "rated":
            continue
        lines.append(f"• {when(turn.t, event.at, now, turn.zone)} — {event_name(turn.t, event)}")
    if details.shipment:
        lines.append(
            _("Carrier: {carrier}, tracking number {number}").format(
                carrier=details.shipment.carrier_name, number=details.shipment.tracking_number
            )
        )
        lines.append(_("Track it here: {url}").format(url=details.shipment.tracking_url))
    estimate = delivery_estimate(turn.t, order, details.shipment, turn.shop.policy, turn.zone)
    if estimate and order.status is not OrderStatus.PENDING_PAYMENT:
        lines.append(estimate)
    if order.cancel_reason and order.status is OrderStatus.CANCELLED:
        lines.append(_("Reason: {reason}").format(reason=order.cancel_reason))
    return "\n".join(lines)


async def show_order(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    order = details.order
    turn.reset()
    rows = []
    if order.status is OrderStatus.SHIPPED:
        rows.append([Button(_("I received it"), pack("od", order.code))])
    if order.status is OrderStatus.DELIVERED:
        if order.rating is None:
            rows.append([Button(_("Rate this order"), pack("or", order.code, 0))])
        rows.append([Button(_("Return or exchange"), pack("ort", order.code))])
    if OrderStatus.CANCELLED in allowed_targets(order.status, ActorKind.CUSTOMER):
        rows.append([Button(_("Cancel order"), pack("oc", order.code))])
    rows.append([Button(_("My orders"), pack("o")), Button(_("Menu"), pack("m"))])
    turn.say(tracking_text(turn, details), rows)


async def ask_cancel(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if OrderStatus.CANCELLED not in allowed_targets(details.order.status, ActorKind.CUSTOMER):
        await _cannot_cancel(turn, code, details.order.status)
        return
    turn.say(
        _("Do you really want to cancel order {code}?").format(code=code),
        [[Button(_("Yes, cancel it"), pack("ocy", code)), Button(_("No"), pack("t", code))]],
    )


async def _cannot_cancel(turn: Turn, code: str, status: str) -> None:
    _ = turn.t.gettext
    turn.say(
        _(
            "Order {code} is {status}, so it can no longer be cancelled here. "
            "If something is wrong, talk to a person or ask for a return once it arrives."
        ).format(code=code, status=status_name(turn.t, status)),
        [[Button(_("Talk to a person"), pack("s")), Button(_("Menu"), pack("m"))]],
    )


async def cancel(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if OrderStatus.CANCELLED not in allowed_targets(details.order.status, ActorKind.CUSTOMER):
        await _cannot_cancel(turn, code, details.order.status)
        return
    await orders.cancel_order(turn.shop, _actor(turn), code, _("Cancelled by the customer"))
    text = _("Order {code} is cancelled.").format(code=code)
    if details.paid:
        text += " " + _("Your payment will be refunded.")
    main_menu(turn, text)


async def confirm_received(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    await orders.mark_delivered(turn.shop, _actor(turn), code)
    ask_rating(turn, code, _("Thanks for confirming! How was your order?"))


def ask_rating(turn: Turn, code: str, text: str) -> None:
    turn.reset()
    turn.go(Step.RATING, code=code)
    hint = turn.t.gettext("Type a number from 1 to 5, or tap the stars.")
    turn.say(f"{text}\n{hint}", rating_buttons(code), expects_number=True)


async def rating_typed(turn: Turn, text: str) -> None:
    """An answer typed at "how many stars?": "5", "⭐⭐⭐⭐⭐", "excelente"."""
    code = str(turn.data.get("code", ""))
    stars = parse_rating(text)
    if stars is None:
        ask_rating(turn, code, turn.t.gettext("Sorry, I need a rating from 1 to 5."))
        return
    await rate(turn, code, stars)


async def rate_latest(turn: Turn, text: str) -> bool:
    """A rating typed after the "it was delivered, how was it?" message ("⭐⭐⭐⭐⭐",
    "5 estrellas"): the latest delivered order not rated yet. False when there is none
    or the text is not clearly a rating."""
    stars = parse_rating(text, clear_only=True)
    if stars is None:
        return False
    recent = await orders.customer_orders(turn.shop, turn.customer.id, limit=LIST_SIZE)
    unrated = [o for o in recent if o.status is OrderStatus.DELIVERED and o.rating is None]
    if not unrated:
        return False
    await rate(turn, unrated[0].code, stars)
    return True


async def rate(turn: Turn, code: str, stars: int) -> None:
    _ = turn.t.gettext
    if not 1 <= stars <= 5:
        ask_rating(turn, code, _("How many stars do you give order {code}?").format(code=code))
        return
    await orders.rate_order(turn.shop, _actor(turn), code, stars)
    turn.go(Step.RATING_COMMENT, code=code, stars=stars)
    turn.say(
        _("Thank you! Would you like to add a comment? Type it here."),
        [[Button(_("No, thanks"), pack("m"))]],
    )


async def rating_comment(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    code, stars = turn.data["code"], turn.data["stars"]
    await orders.rate_order(turn.shop, _actor(turn), code, stars, text[:1000])
    main_menu(turn, _("Thanks for your comment!"))


async def start_return(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if details.order.status is not OrderStatus.DELIVERED:
        turn.say(_("Returns can be requested once the order is delivered."))
        await show_order(turn, code)
        return
    turn.reset()
    rows = [
        [Button(f"{line.name} ×{line.quantity}", pack("rl", code, index))]
        for index, line in enumerate(details.order.lines)
    ]
    rows.append([Button(_("Cancel"), pack("t", code))])
    turn.say(_("Which product do you want to return?"), rows)


async def return_line(turn: Turn, code: str, index: int) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if not 0 <= index < len(details.order.lines):
        await start_return(turn, code)
        return
    line = details.order.lines[index]
    turn.go(Step.RETURN_QUANTITY, code=code, sku=line.sku, most=line.quantity)
    if line.quantity == 1:
        await return_quantity(turn, 1)
        return
    turn.say(
        _("How many {name} do you want to return?").format(name=line.name),
        [[Button(str(n), pack("rq", n)) for n in range(1, min(line.quantity, 5) + 1)]],
    )


async def return_quantity(turn: Turn, quantity: int) -> None:
    _ = turn.t.gettext
    if not 1 <= quantity <= turn.data.get("most", 0):
        turn.say(_("Please choose a quantity from the buttons."))
        return
    turn.go(Step.RETURN_REASON, quantity=quantity)
    turn.say(_("Tell us briefly why you are returning it."), [[Button(_("Cancel"), pack("m"))]])


async def return_reason(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    reason = " ".join(text.split())
    if len(reason) < 3:
        turn.say(_("Please tell us the reason in a few words."))
        return
    turn.go(Step.RETURN_RESOLUTION, reason=reason[:500])
    turn.say(
        _("Do you want a refund or an exchange?"),
        [
            [
                Button(_("Refund"), pack("rr", ReturnResolution.REFUND)),
                Button(_("Exchange"), pack("rr", ReturnResolution.EXCHANGE)),
            ]
        ],
    )


async def return_resolution(turn: Turn, resolution: str) -> None:
    _ = turn.t.gettext
    data = turn.data
    request = await returns.request_return(
        turn.shop,
        _actor(turn),
        data["code"],
        {data["sku"]: data["quantity"]},
        data["reason"],
        ReturnResolution(resolution),
    )
    main_menu(
        turn,
        _(
            "Return #{id} requested for order {code}. The shop will review it and "
            "tell you here how to send the items back."
        ).format(id=request.id, code=data["code"]),
    )
