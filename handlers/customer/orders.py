"""“¿Dónde está mi pedido?”, my orders, and what a customer can do with an order:
cancel, confirm receipt, rate, ask for a return."""

from __future__ import annotations

from datetime import timedelta

from core.domain.actors import customer as customer_actor
from core.domain.errors import InvalidReturn
from core.domain.orders import Order, OrderStatus
from core.domain.returns import ReturnRequest, ReturnResolution
from core.services import orders, returns
from core.services.orders import OrderDetails
from handlers.customer import return_answers
from handlers.customer.menu import main_menu
from handlers.payloads import pack
from handlers.quoting import one_line
from handlers.rating_typed import parse_rating
from handlers.render import (
    delivery_estimate,
    event_name,
    money,
    order_status_name,
    rating_buttons,
    status_name,
    when,
)
from handlers.turn import Step, Turn
from handlers.types import Button

LIST_SIZE = 8
# How long after delivery a bare "5" is taken as the rating the delivery message asked for.
JUST_DELIVERED = timedelta(days=3)


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
        [Button(f"{o.code} · {what_is_in(o)} · {order_status_name(turn.t, o)}", pack(verb, o.code))]
        for o in choices[:LIST_SIZE]
    ]
    turn.say(question, rows)


def what_is_in(order: Order) -> str:
    """ "Vela de lavanda" or "Vela de lavanda +2": which order is which, at a glance."""
    if not order.lines:
        return ""
    first = one_line(order.lines[0].name, 24)
    return first if len(order.lines) == 1 else f"{first} +{len(order.lines) - 1}"


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
                    f"{order.code} · {total} · {order_status_name(turn.t, order)}",
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
            code=order.code, status=order_status_name(turn.t, order)
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
    if order.cancellable_by_customer:
        rows.append([Button(_("Cancel order"), pack("oc", order.code))])
    rows.append([Button(_("My orders"), pack("o")), Button(_("Menu"), pack("m"))])
    turn.say(tracking_text(turn, details), rows)


async def ask_cancel(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if not details.order.cancellable_by_customer:
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
    outcome = await orders.cancel_by_customer(
        turn.shop, _actor(turn), code, _("Cancelled by the customer")
    )
    if isinstance(outcome, orders.NotCancellable):
        await _cannot_cancel(turn, code, outcome.order.status)
        return
    text = _("Order {code} is cancelled.").format(code=code)
    if outcome.refunds:
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
    bare = parse_rating(text) if text.strip().isdecimal() else None
    if stars is None and bare is None:
        return False
    recent = await orders.customer_orders(turn.shop, turn.customer.id, limit=LIST_SIZE)
    unrated = [o for o in recent if o.status is OrderStatus.DELIVERED and o.rating is None]
    if stars is None and unrated:  # a bare "5": only just after "how was it?"
        just_now = turn.shop.now() - unrated[0].updated_at < JUST_DELIVERED
        stars = bare if just_now else None
    if not unrated or stars is None:
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
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if not 0 <= index < len(details.order.lines):
        await start_return(turn, code)
        return
    line = details.order.lines[index]
    turn.go(Step.RETURN_QUANTITY, code=code, sku=line.sku, name=line.name, most=line.quantity)
    if line.quantity == 1:
        await return_quantity(turn, 1)
        return
    _ask_quantity(turn)


def _ask_quantity(turn: Turn, before: str = "") -> None:
    _ = turn.t.gettext
    most = int(turn.data.get("most", 1))
    question = _("How many {name} do you want to return? From 1 to {most}.").format(
        name=turn.data.get("name", ""), most=most
    )
    turn.say(
        f"{before}\n{question}" if before else question,
        [[Button(str(n), pack("rq", n)) for n in range(1, min(most, 5) + 1)]],
        expects_number=True,  # a typed "1" is one unit, not the first button
    )


async def return_quantity(turn: Turn, quantity: int) -> None:
    _ = turn.t.gettext
    if not 1 <= quantity <= turn.data.get("most", 0):
        _ask_quantity(turn, _("That quantity doesn't fit this order."))
        return
    turn.go(Step.RETURN_REASON, quantity=quantity)
    turn.say(_("Tell us briefly why you are returning it."), [[Button(_("Cancel"), pack("m"))]])


async def return_quantity_typed(turn: Turn, text: str) -> None:
    """ "1", "una", "2 piezas", "todas" at "how many?"; anything else asks again."""
    quantity = return_answers.quantity(text, int(turn.data.get("most", 1)))
    if quantity is None:
        _ask_quantity(turn, turn.t.gettext("Sorry, I need the number of units."))
        return
    await return_quantity(turn, quantity)


async def return_reason(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    reason = " ".join(text.split())
    if len(reason) < 3:
        turn.say(_("Please tell us the reason in a few words."))
        return
    turn.go(Step.RETURN_RESOLUTION, reason=reason[:500])
    _ask_resolution(turn)


def _ask_resolution(turn: Turn, before: str = "") -> None:
    _ = turn.t.gettext
    question = _("Do you want a refund or an exchange (another size, colour or the same product)?")
    turn.say(
        f"{before}\n{question}" if before else question,
        [
            [
                Button(_("Refund"), pack("rr", ReturnResolution.REFUND)),
                Button(_("Exchange"), pack("rr", ReturnResolution.EXCHANGE)),
            ]
        ],
    )


async def return_resolution(turn: Turn, resolution: str) -> None:
    if ReturnResolution(resolution) is ReturnResolution.EXCHANGE:
        await ask_replacement(turn)
        return
    await _request_return(turn, ReturnResolution.REFUND)


async def return_resolution_typed(turn: Turn, text: str) -> None:
    """ "reembolso", "devolución del dinero", "cambiarlo por otra talla", "exchange"."""
    resolution = return_answers.resolution(text)
    if resolution is None:
        _ask_resolution(turn, turn.t.gettext("Sorry, I didn't get that."))
        return
    await return_resolution(turn, resolution)


async def ask_replacement(turn: Turn, before: str = "") -> None:
    """What to send instead: the same product or another size or colour, in stock."""
    _ = turn.t.gettext
    data = turn.data
    options = await returns.exchange_options(
        turn.shop, _actor(turn), data["code"], data["sku"], int(data["quantity"])
    )
    if not options:
        turn.go(Step.RETURN_RESOLUTION)
        text = _(
            "Sorry, there is nothing to exchange it for in stock right now. You can ask for "
            "a refund, or talk to a person."
        )
        turn.say(
            f"{before}\n{text}" if before else text,
            [
                [Button(_("Refund"), pack("rr", ReturnResolution.REFUND))],
                [Button(_("Talk to a person"), pack("s", data["code"]))],
            ],
        )
        return
    # by SKU: the product may have been renamed since, or share its name with a variant
    same = next((p.id for p in options if p.sku == data.get("sku")), None)
    turn.go(Step.RETURN_REPLACEMENT, choices=[[p.id, p.name] for p in options], same=same)
    rows = [
        [
            Button(
                _("{name} (same product)").format(name=p.name) if p.id == same else p.name,
                pack("rxp", p.id),
            )
        ]
        for p in options
    ]
    rows.append([Button(_("Cancel"), pack("m"))])
    question = _("What would you like instead of {name}?").format(name=data.get("name", ""))
    turn.say(f"{before}\n{question}" if before else question, rows)


async def replacement_chosen(turn: Turn, product_id: int) -> None:
    if not any(pid == product_id for pid, _name in _choices(turn)):
        await ask_replacement(turn, turn.t.gettext("Please choose one of these."))
        return
    await _request_return(turn, ReturnResolution.EXCHANGE, product_id)


async def replacement_typed(turn: Turn, text: str) -> None:
    """ "el mismo", "la L", "camisa azul"; anything else asks again."""
    chosen = return_answers.replacement(text, _choices(turn), turn.data.get("same"))
    if chosen is None:
        await ask_replacement(turn, turn.t.gettext("Sorry, I didn't get which one."))
        return
    await _request_return(turn, ReturnResolution.EXCHANGE, chosen)


def _choices(turn: Turn) -> list[tuple[int, str]]:
    return [(int(pid), str(name)) for pid, name in turn.data.get("choices") or []]


async def _request_return(
    turn: Turn, resolution: ReturnResolution, replacement: int | None = None
) -> None:
    _ = turn.t.gettext
    data = turn.data
    try:
        request = await returns.request_return(
            turn.shop,
            _actor(turn),
            data["code"],
            {data["sku"]: data["quantity"]},
            data["reason"],
            resolution,
            {data["sku"]: replacement} if replacement is not None else None,
        )
    except InvalidReturn as error:
        if error.data.get("problem") != "replacement_unavailable":
            raise
        await ask_replacement(turn, _("Sorry, that one just ran out."))
        return
    text = _("Return #{id} requested for order {code}.").format(id=request.id, code=data["code"])
    if request.is_exchange:
        text += " " + _(
            "You'll get {items} in exchange; we're keeping it for you, and it ships once "
            "your items are back."
        ).format(items=items_text(request))
    text += " " + _("The shop will review it and tell you here where to send the items.")
    main_menu(turn, text)


def items_text(request: ReturnRequest) -> str:
    """ "1 × Camisa (L)": what an exchange sends."""
    return ", ".join(
        f"{line.quantity} × {line.replacement_name}"
        for line in request.lines
        if line.replacement_id
    )
